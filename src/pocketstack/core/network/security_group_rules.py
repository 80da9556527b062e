"""Security group rules: created and deleted, never changed (as in Neutron). The rules a value
must obey are in rule_checks.py; here, the lookups, policy, quota and the duplicate check, made
under a lock of the group so two requests cannot add the same rule at once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext
from pocketstack.core.network import rule_checks
from pocketstack.core.network.access import get_visible, target
from pocketstack.core.network.base import Item, ResourceService
from pocketstack.core.network.common import (
    check_revision,
    lock_rows,
    new_id,
    owner_of,
    retrying,
    stamp,
    touch,
)
from pocketstack.core.network.listing import Lister, ListQuery
from pocketstack.core.network.security_errors import address_group_not_found, rule_exists
from pocketstack.core.network.security_groups import SecurityGroupService
from pocketstack.core.network.validation import required
from pocketstack.store.network_models import Network
from pocketstack.store.network_security_models import SecurityGroup, SecurityGroupRule

RULE_VALUES = (
    "direction",
    "ethertype",
    "protocol",
    "port_range_min",
    "port_range_max",
    "remote_ip_prefix",
    "remote_group_id",
)
COLUMNS = {
    key: getattr(SecurityGroupRule, key)
    for key in (
        "id",
        "description",
        "project_id",
        "security_group_id",
        *RULE_VALUES,
        "normalized_cidr",
        "belongs_to_default_sg",
        "revision_number",
        "created_at",
        "updated_at",
    )
}


def _key_of(rule: SecurityGroupRule) -> tuple[str, ...]:
    return rule_checks.key({k: getattr(rule, k) for k in (*RULE_VALUES, "security_group_id")})


class SecurityGroupRuleService(ResourceService):
    kind = "security_group_rule"
    collection = "security_group_rules"
    lister = Lister("security_group_rule", COLUMNS)

    def __init__(self, groups: SecurityGroupService) -> None:
        super().__init__(groups.db, groups.access, groups.quotas)
        self.groups = groups

    def target_of(self, row: Any, network: Network | None) -> dict[str, Any]:
        return {**target(row, network), "security_group_project_id": row.group_project_id}

    def list(self, ctx: RequestContext, q: ListQuery) -> list[Item]:
        """As Neutron, listing rules makes the project's default group first."""
        projects = q.filters.get("project_id") or [ctx.project_id]
        self.groups.ensure_default(ctx, projects[0])
        return super().list(ctx, q)

    def create(self, ctx: RequestContext, attrs: Mapping[str, Any]) -> Item:
        """A new rule. BadRequest for values Neutron refuses; NotFound for the group or the
        remote group; 409 OverQuota, SecurityGroupRuleExists."""
        project = owner_of(ctx, attrs)
        values = rule_checks.checked(attrs)
        group_id = required(attrs, "security_group_id")
        address_group = values.pop("remote_address_group_id")

        def work(s: Session) -> str:
            group = get_visible(s, ctx, "security_group", group_id)
            tgt = {
                "project_id": project,
                "tenant_id": project,
                "network_project_id": None,
                "security_group_project_id": group.project_id,
            }
            self.access.enforce(ctx, "create_security_group_rule", tgt)
            if values["remote_group_id"]:
                get_visible(s, ctx, "security_group", values["remote_group_id"])
            if address_group:
                raise address_group_not_found(address_group)
            self.quotas.check(s, project, {"security_group_rule": 1})
            lock_rows(s, SecurityGroup, [group.id])
            wanted = rule_checks.key({**values, "security_group_id": group.id})
            siblings = select(SecurityGroupRule).where(SecurityGroupRule.security_group_id == group.id)
            for existing in s.scalars(siblings):
                if _key_of(existing) == wanted:
                    raise rule_exists(existing.id)
            rule = SecurityGroupRule(
                **stamp(id=new_id(), project_id=project, description=attrs.get("description", "")),
                security_group_id=group.id,
                normalized_cidr=rule_checks.normalized(values["remote_ip_prefix"]),
                **values,
            )
            s.add(rule)
            touch(group)  # a rule is part of its group: the group's revision moves too
            return rule.id

        return self.described(ctx, retrying(self.db, work))

    def delete(self, ctx: RequestContext, ident: str, revision: int | None = None) -> None:
        with self.db.transaction() as s:
            rule = self.load(s, ctx, ident, "delete", lock=True)
            check_revision(rule, revision)
            group = s.get(SecurityGroup, rule.security_group_id)
            if group is not None:
                touch(group)
            s.delete(rule)
