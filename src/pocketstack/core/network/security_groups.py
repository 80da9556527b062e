"""Security groups, and each project's ``default`` group, made on first need as Neutron makes
it: when the project first lists its groups or rules, creates a group, a network or a port.

Race safety: the default group is made under the project's quota lock, after looking again
for one, and its row in ``default_security_groups`` has the project as primary key, so a
concurrent maker that slipped past (another process on SQLite) fails its insert and the whole
transaction runs again, then finding the winner's group. Two first requests make one group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.network import tags as tagging
from pocketstack.core.network.access import creation_target
from pocketstack.core.network.base import Item, ResourceService
from pocketstack.core.network.common import (
    check_read_only,
    check_revision,
    new_id,
    owner_of,
    retrying,
    stamp,
    touch,
)
from pocketstack.core.network.listing import Lister, ListQuery
from pocketstack.core.network.quotas import NetworkQuotas
from pocketstack.core.network.security_errors import (
    default_exists,
    default_unchangeable,
    default_undeletable,
    group_in_use,
)
from pocketstack.store.network_models import PortSecurityGroup
from pocketstack.store.network_security_models import (
    DefaultSecurityGroup,
    SecurityGroup,
    SecurityGroupRule,
)

DEFAULT_NAME = "default"
DEFAULT_DESCRIPTION = "Default security group"
ETHERTYPES = ("IPv4", "IPv6")
# Neutron's default rule templates: every group may send anywhere; the default group also lets
# in what comes from its own members (the rule's remote group is the group itself).
EGRESS_RULES = 2
DEFAULT_RULES = 4
UPDATABLE = frozenset({"name", "description", "stateful"})
COLUMNS = {
    key: getattr(SecurityGroup, key)
    for key in (
        "id",
        "name",
        "description",
        "project_id",
        "stateful",
        "revision_number",
        "created_at",
        "updated_at",
    )
}


def default_group_id(s: Session, project_id: str) -> str | None:
    """On the session's connection: a column read needs nothing of the ORM (every new port
    reads it, inside the write lock)."""
    return s.connection().execute(_default_group_stmt(), {"default_project": project_id}).scalar()


@cache
def _default_group_stmt() -> Select[Any]:
    """default_group_id's statement, built once: every new port reads it."""
    project = DefaultSecurityGroup.project_id == bindparam("default_project")
    return select(DefaultSecurityGroup.security_group_id).where(project)


def add_rules(s: Session, group: SecurityGroup, *, default: bool) -> None:
    """The template rules of a new group."""
    for ethertype in ETHERTYPES:
        directions = [("egress", None), ("ingress", group.id)] if default else [("egress", None)]
        for direction, remote_group in directions:
            s.add(
                SecurityGroupRule(
                    **stamp(id=new_id(), project_id=group.project_id, description=""),
                    security_group_id=group.id,
                    remote_group_id=remote_group,
                    direction=direction,
                    ethertype=ethertype,
                    protocol=None,
                    port_range_min=None,
                    port_range_max=None,
                    remote_ip_prefix=None,
                    normalized_cidr=None,
                )
            )


def ensure_default(s: Session, quotas: NetworkQuotas, project_id: str) -> str:
    """The project's default group, made now if it has none (in the caller's transaction, which
    must be run by ``retrying``). As Neutron, its rules count against the rule quota."""
    existing = default_group_id(s, project_id)
    if existing is not None:
        return existing
    quotas.check(s, project_id, {"security_group_rule": DEFAULT_RULES})  # holds the project's lock
    existing = default_group_id(s, project_id)  # made by a request that held the lock before us
    if existing is not None:
        return existing
    group = SecurityGroup(
        **stamp(id=new_id(), project_id=project_id, description=DEFAULT_DESCRIPTION),
        name=DEFAULT_NAME,
        stateful=True,
    )
    s.add(group)
    s.flush()
    s.add(DefaultSecurityGroup(project_id=project_id, security_group_id=group.id))
    add_rules(s, group, default=True)
    s.flush()  # a maker that raced us past the lock fails here, and its transaction runs again
    return group.id


def may_make_default(ctx: RequestContext, project_id: str | None) -> bool:
    """Neutron makes a default group for the caller's own project, or for any as an admin."""
    return project_id is not None and (project_id == ctx.project_id or is_admin(ctx))


def in_use(s: Session, group_id: str) -> bool:
    stmt = select(PortSecurityGroup.port_id).where(PortSecurityGroup.security_group_id == group_id)
    return s.scalar(stmt.limit(1)) is not None


class SecurityGroupService(ResourceService):
    kind = "security_group"
    collection = "security_groups"
    lister = Lister("security_group", COLUMNS)

    def extras(self, s: Session, rows: Sequence[Any]) -> dict[str, dict[str, Any]]:
        """Each group's rules, oldest first."""
        result: dict[str, dict[str, Any]] = {r.id: {"rules": []} for r in rows}
        if rows:
            stmt = select(SecurityGroupRule).where(SecurityGroupRule.security_group_id.in_(list(result)))
            for rule in s.scalars(stmt.order_by(SecurityGroupRule.created_at, SecurityGroupRule.id)):
                result[rule.security_group_id]["rules"].append(rule)
        return result

    def ensure_default(self, ctx: RequestContext, project_id: str | None) -> None:
        """Make the project's default group if it has none (a read first: usually it has)."""
        if not may_make_default(ctx, project_id):
            return
        assert project_id is not None
        with self.db.read() as s:
            if default_group_id(s, project_id) is not None:
                return
        retrying(self.db, lambda s: ensure_default(s, self.quotas, project_id))

    def list(self, ctx: RequestContext, q: ListQuery) -> list[Item]:
        """As Neutron, listing makes the default group of the project filtered on (the first
        one given) or else of the caller's project."""
        projects = q.filters.get("project_id") or [ctx.project_id]
        self.ensure_default(ctx, projects[0])
        return super().list(ctx, q)

    # -- create ------------------------------------------------------------------------------
    def create(self, ctx: RequestContext, attrs: Mapping[str, Any]) -> Item:
        """A new group with the two egress rules. 409 SecurityGroupDefaultAlreadyExists for the
        name ``default``; OverQuota for groups, then for rules."""
        project = owner_of(ctx, attrs)
        tgt = creation_target(project)
        self.access.enforce(ctx, "create_security_group", tgt)
        tags = self.creation_tags(ctx, attrs, tgt)
        name = attrs.get("name", "")
        if name.lower() == DEFAULT_NAME:
            raise default_exists()

        def work(s: Session) -> str:
            if may_make_default(ctx, project):
                ensure_default(s, self.quotas, project)
            self.quotas.check(s, project, {"security_group": 1})
            self.quotas.check(s, project, {"security_group_rule": EGRESS_RULES})
            group = SecurityGroup(
                **stamp(id=new_id(), project_id=project, description=attrs.get("description", "")),
                name=name,
                stateful=attrs.get("stateful", True),
            )
            s.add(group)
            s.flush()
            add_rules(s, group, default=False)
            tagging.tag_new(s, self.collection, group.id, tags)
            return group.id

        return self.described(ctx, retrying(self.db, work))

    # -- update ------------------------------------------------------------------------------
    def update(
        self, ctx: RequestContext, ident: str, attrs: Mapping[str, Any], revision: int | None = None
    ) -> Item:
        """409 SecurityGroupCannotUpdateDefault for a new name of the default group, and
        SecurityGroupInUse for a change of ``stateful`` while ports use the group."""
        check_read_only(attrs, UPDATABLE)
        if str(attrs.get("name", "")).lower() == DEFAULT_NAME:
            raise default_exists()
        with self.db.transaction() as s:
            group = self.load(s, ctx, ident, "update", lock=True)
            check_revision(group, revision)
            if "stateful" in attrs and attrs["stateful"] != group.stateful and in_use(s, group.id):
                raise group_in_use(group.id)
            if group.name == DEFAULT_NAME and "name" in attrs:
                raise default_unchangeable()
            for key in UPDATABLE & set(attrs):
                setattr(group, key, attrs[key])
            touch(group)
        return self.described(ctx, ident)

    # -- delete ------------------------------------------------------------------------------
    def delete(self, ctx: RequestContext, ident: str, revision: int | None = None) -> None:
        """Delete the group and its rules (and rules elsewhere naming it as remote). 409
        SecurityGroupInUse while a port is in it; SecurityGroupCannotRemoveDefault for the
        default group, unless an admin asks."""

        def work(s: Session) -> None:
            group = self.load(s, ctx, ident, "delete", lock=True)
            check_revision(group, revision)
            if in_use(s, group.id):
                raise group_in_use(group.id)
            if group.name == DEFAULT_NAME and not is_admin(ctx):
                raise default_undeletable()
            tagging.forget(s, [group.id])
            s.delete(group)
            s.flush()  # a port given the group meanwhile fails this on its foreign key: run again

        retrying(self.db, work)
