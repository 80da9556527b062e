"""Compute v2.1's security group proxy (``os-security-groups``, ``os-security-group-rules``):
Nova's view of Neutron's security groups, kept for the clients of the nova-network days.

Nova shows a group with its ingress rules only, each as a NovaRule with the source group's
name and project; it makes groups and rules through Neutron with the caller's token, and turns
Neutron's answers into its own (a Neutron 409 on create is a 403 "limit exceeded", on delete a
400). Every call here goes through the network services with the caller's context, so
Neutron's visibility, policy and checks are the ones that hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pocketstack.core.compute import nova_rules
from pocketstack.core.compute.proxy_support import Translation, is_uuid_like, translated
from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.errors import BadRequest, Forbidden, NotFound, PocketstackError
from pocketstack.core.network.base import Item
from pocketstack.core.network.listing import ListQuery
from pocketstack.core.network.services import NetworkServices

# COMPAT: Nova's answers to Neutron's errors (nova/network/security_group_api.py).
ON_CREATE: Translation = {
    400: lambda m: BadRequest(m, code="compute.security_group.invalid"),
    409: lambda m: Forbidden(m, code="compute.security_group.limit_exceeded"),
}
ON_CHANGE: Translation = {409: lambda m: BadRequest(m, code="compute.security_group.invalid")}


@dataclass(frozen=True)
class ProxyRule:
    """A rule as Nova shows it; ``source`` is the (name, project) of its source group."""

    rule: nova_rules.NovaRule
    source: tuple[str, str] | None = None


@dataclass(frozen=True)
class ProxyGroup:
    id: str
    name: str
    description: str
    project_id: str
    rules: list[ProxyRule] = field(default_factory=list)


def check_id(ident: str) -> str:
    """COMPAT: Nova wants a UUID in the path of a group or a rule (400, not 404)."""
    if not is_uuid_like(ident):
        raise BadRequest("Security group id should be uuid", code="compute.security_group.invalid_id")
    return ident


def _ingress(item: Item) -> list[nova_rules.NovaRule]:
    return [nova_rules.from_neutron(r) for r in item.extra.get("rules", []) if r.direction == "ingress"]


class SecurityGroupProxy:
    """Security groups and their rules, read and changed in Nova's terms."""

    def __init__(self, network: NetworkServices) -> None:
        self.groups = network.security_groups
        self.rules = network.security_group_rules

    # -- reading -----------------------------------------------------------------------------
    def _sources(self, ctx: RequestContext, items: list[Item]) -> dict[str, tuple[str, str] | None]:
        """The (name, project) of each source group the rules name; None for one the caller
        cannot see (Nova then leaves that rule out)."""
        known: dict[str, tuple[str, str] | None] = {i.row.id: (i.row.name, i.row.project_id) for i in items}
        for item in items:
            for rule in item.extra.get("rules", []):
                remote = rule.remote_group_id
                if remote and remote not in known:
                    try:
                        row = self.groups.get(ctx, remote).row
                        known[remote] = (row.name, row.project_id)
                    except NotFound:
                        known[remote] = None
        return known

    def shown(self, ctx: RequestContext, items: list[Item]) -> list[ProxyGroup]:
        """Groups in Nova's terms, each with its ingress rules."""
        sources = self._sources(ctx, items)
        result = []
        for item in items:
            rules = []
            for rule in _ingress(item):
                if rule.group_id is None:
                    rules.append(ProxyRule(rule))
                elif sources.get(rule.group_id) is not None:
                    rules.append(ProxyRule(rule, sources[rule.group_id]))
            row = item.row
            result.append(ProxyGroup(row.id, row.name, row.description, row.project_id, rules))
        return result

    def list(self, ctx: RequestContext, all_projects: bool, offset: int, limit: int) -> list[ProxyGroup]:
        """The caller's project's groups (every project's for an admin asking for all), the
        page ``offset``/``limit`` taken in the network API's order, then sorted by project and
        name as Nova sorts them."""
        everyone = all_projects and is_admin(ctx)
        query = ListQuery() if everyone else ListQuery(filters={"project_id": [ctx.project_id]})
        page = self.groups.list(ctx, query)[offset : offset + limit]
        return sorted(self.shown(ctx, page), key=lambda g: (g.project_id, g.name))

    def get(self, ctx: RequestContext, ident: str) -> ProxyGroup:
        """400 for an id that is no UUID; NotFound."""
        return self.shown(ctx, [self.groups.get(ctx, check_id(ident))])[0]

    # -- groups ------------------------------------------------------------------------------
    def create(self, ctx: RequestContext, name: str, description: str) -> ProxyGroup:
        """A new group. 400 for values the network refuses; 403 for the name ``default`` and
        for a full quota (Nova's SecurityGroupLimitExceeded)."""
        try:
            item = self.groups.create(ctx, {"name": name, "description": description})
        except PocketstackError as exc:
            raise translated(exc, ON_CREATE) from None
        return self.shown(ctx, [item])[0]

    def update(self, ctx: RequestContext, ident: str, name: str, description: str) -> ProxyGroup:
        """Rename a group and change its description. NotFound; 400 for what the network
        refuses (the default group, the name ``default``), where Nova fails with a 500."""
        group = self.groups.get(ctx, check_id(ident))
        try:
            item = self.groups.update(ctx, group.row.id, {"name": name, "description": description})
        except PocketstackError as exc:
            raise translated(exc, ON_CHANGE) from None
        return self.shown(ctx, [item])[0]

    def delete(self, ctx: RequestContext, ident: str) -> None:
        """NotFound; 400 for a group in use or the default group (Neutron's 409s)."""
        group = self.groups.get(ctx, check_id(ident))
        try:
            self.groups.delete(ctx, group.row.id)
        except PocketstackError as exc:
            raise translated(exc, ON_CHANGE) from None

    # -- rules -------------------------------------------------------------------------------
    def create_rule(
        self,
        ctx: RequestContext,
        parent_group_id: str,
        group_id: str | None,
        request: dict[str, Any],
    ) -> ProxyRule:
        """An ingress rule in ``parent_group_id``, from ``group_id`` or from the CIDR of
        ``request`` (``ip_protocol``, ``from_port``, ``to_port``, ``cidr``, unchecked). NotFound
        for either group; 400 for a rule Nova or the network refuses or Nova already has; 403
        for a full quota or a rule the network already has (Neutron's 409s)."""
        parent = self.groups.get(ctx, parent_group_id)
        source = self.groups.get(ctx, group_id).row if group_id is not None else None
        ports = (request.get("ip_protocol"), request.get("from_port"), request.get("to_port"))
        if group_id is not None:
            new = nova_rules.ingress_rule(*ports, group_id=group_id)
        else:
            new = nova_rules.ingress_rule(*ports, cidr=nova_rules.parse_cidr(request.get("cidr")))
        if new is None:
            raise BadRequest(
                "Not enough parameters to build a valid rule.", code="compute.security_group_rule.invalid"
            )
        if "cidr" in new:
            nova_rules.check_prefix(new["cidr"])
        if nova_rules.existing(_ingress(parent), new) is not None:
            raise BadRequest(
                f"This rule already exists in group {parent.row.id}",
                code="compute.security_group_rule.exists",
            )
        try:
            made = self.rules.create(ctx, nova_rules.neutron_attrs(new, parent.row.id))
        except PocketstackError as exc:
            raise translated(exc, ON_CREATE) from None
        rule = nova_rules.from_neutron(made.row)
        return ProxyRule(rule, (source.name, source.project_id) if source is not None else None)

    def delete_rule(self, ctx: RequestContext, ident: str) -> None:
        """400 for an id that is no UUID; NotFound for the rule or its group."""
        rule = self.rules.get(ctx, check_id(ident)).row
        self.groups.get(ctx, rule.security_group_id)
        self.rules.delete(ctx, rule.id)
