"""Who may see and touch which network resource.

Visibility comes first, in SQL: a resource the caller may not see does not exist for them
(404, never 403). Networks are visible to their project, and to the projects their RBAC
policies name (``*``, every project, for shared and external networks); subnets with their
network, or to their own project; ports to their project and to the owner of their network;
subnet pools and address scopes to their project, and to everyone when shared; security
groups and RBAC policies to their project, rules also to the owner of their group; routers and
floating IPs to their project, port forwardings with their floating
IP. An administrator sees everything. The policy rule of the action is checked next,
with Neutron's ``rule:shared`` / ``rule:external`` alternatives applied here (see policies.py).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, or_, select, true
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.network.errors import not_found
from pocketstack.core.network.policies import EXTERNAL_ALTERNATIVE, SHARED_ALTERNATIVE
from pocketstack.core.policy import Enforcer
from pocketstack.store.network_l3_models import FloatingIP, PortForwarding, Router
from pocketstack.store.network_models import AddressScope, Network, Port, Subnet, SubnetPool
from pocketstack.store.network_security_models import RbacPolicy, SecurityGroup, SecurityGroupRule

MODELS: dict[str, Any] = {
    "network": Network,
    "subnet": Subnet,
    "port": Port,
    "subnetpool": SubnetPool,
    "address_scope": AddressScope,
    "router": Router,
    "floatingip": FloatingIP,
    "port_forwarding": PortForwarding,
    "security_group": SecurityGroup,
    "security_group_rule": SecurityGroupRule,
    "rbac_policy": RbacPolicy,
}


# A project id, or the parameter that stands for it in a statement built once.
ProjectId = str | None | BindParameter[Any]


def _networks_seen(project_id: ProjectId) -> ColumnElement[bool]:
    """Own networks, and those an RBAC policy opens to the caller's project or to every project
    (a shared network has its ``*`` access_as_shared policy, an external one its ``*``
    access_as_external policy, as in Neutron)."""
    granted = select(RbacPolicy.object_id).where(
        RbacPolicy.object_type == "network", RbacPolicy.target_project.in_(["*", project_id])
    )
    return or_(Network.project_id == project_id, Network.id.in_(granted))


def visible(kind: str, ctx: RequestContext) -> ColumnElement[bool]:
    """The SQL condition for rows of ``kind`` the caller may see."""
    return _visible(kind, ctx.project_id, is_admin(ctx))


@functools.cache
def visible_to_project(kind: str, admin: bool) -> ColumnElement[bool]:
    """``visible`` with the caller's project as the statement's ``project_id`` parameter,
    built once per kind (lists run it on every request)."""
    return _visible(kind, bindparam("project_id"), admin)


def _visible(kind: str, project_id: ProjectId, admin: bool) -> ColumnElement[bool]:
    if admin:
        return true()
    if kind == "network":
        return _networks_seen(project_id)
    if kind == "subnet":
        seen = select(Network.id).where(_networks_seen(project_id))
        return or_(Subnet.project_id == project_id, Subnet.network_id.in_(seen))
    if kind == "port":
        owned = select(Network.id).where(Network.project_id == project_id)
        return or_(Port.project_id == project_id, Port.network_id.in_(owned))
    if kind in ("router", "floatingip"):
        return MODELS[kind].project_id == project_id
    if kind == "port_forwarding":  # seen with the floating IP it belongs to
        owned = select(FloatingIP.id).where(FloatingIP.project_id == project_id)
        return PortForwarding.floatingip_id.in_(owned)
    if kind in ("security_group", "rbac_policy"):
        return MODELS[kind].project_id == project_id
    if kind == "security_group_rule":  # the caller's own, and every rule of the caller's groups
        rule = SecurityGroupRule
        return or_(rule.project_id == project_id, rule.group_project_id == project_id)
    model = MODELS[kind]
    return or_(model.project_id == project_id, model.shared.is_(True))


def get_visible(s: Session, ctx: RequestContext, kind: str, ident: str, *, lock: bool = False) -> Any:
    """The row of ``kind`` with id ``ident`` if the caller may see it, else NotFound. ``lock``
    holds the row (``FOR UPDATE`` on PostgreSQL) until the transaction ends."""
    model = MODELS[kind]
    stmt = select(model).where(model.id == ident, visible(kind, ctx))
    row = s.scalar(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise not_found(kind, ident)
    return row


def target(row: Any, network: Network | None = None) -> dict[str, Any]:
    """The flat policy target of a row: its owner, and the owner of its network."""
    if isinstance(row, Network):
        network = row
    owner = network.project_id if network is not None else None
    return {"project_id": row.project_id, "tenant_id": row.project_id, "network_project_id": owner}


def creation_target(project_id: str | None, network_project_id: str | None = None) -> dict[str, Any]:
    """The policy target of a row about to be made for ``project_id``."""
    return {"project_id": project_id, "tenant_id": project_id, "network_project_id": network_project_id}


def opens(row: Any, network: Network | None = None) -> tuple[bool, bool]:
    """(shared, external) for Neutron's field-based alternatives: of the network a subnet or
    port lives on, or of a network, subnet pool or address scope itself. A network is shared
    for the caller when shared with everyone or, by an RBAC policy, with the caller's project
    (see note_grants)."""
    source = network if network is not None else row
    shared = getattr(source, "shared", False) or getattr(source, "shared_here", False)
    return bool(shared), bool(getattr(source, "external", False))


def note_grants(s: Session, ctx: RequestContext, networks: Iterable[Network]) -> None:
    """Mark (``shared_here``) the networks an access_as_shared policy shares with the caller's
    own project: Neutron shows them as shared to that project, and opens them to it as shared."""
    by_id = {n.id: n for n in networks}
    for network_id in granted(s, ctx, list(by_id)):
        by_id[network_id].shared_here = True


def granted(s: Session, ctx: RequestContext, network_ids: list[str]) -> list[str]:
    """Which of the networks an access_as_shared policy shares with the caller's own project."""
    if not network_ids or ctx.project_id is None:
        return []
    params = {"grant_project": ctx.project_id, "grant_networks": network_ids}
    return list(s.connection().execute(_grants_stmt(), params).scalars())


@functools.cache
def _grants_stmt() -> Select[Any]:
    """note_grants' statement, built once (it runs in every port create and server boot)."""
    return select(RbacPolicy.object_id).where(
        RbacPolicy.object_type == "network",
        RbacPolicy.action == "access_as_shared",
        RbacPolicy.target_project == bindparam("grant_project"),
        RbacPolicy.object_id.in_(bindparam("grant_networks", expanding=True)),
    )


class Access:
    """Policy checks with Neutron's shared/external alternatives (see policies.py)."""

    def __init__(self, policy: Enforcer) -> None:
        self.policy = policy

    def allowed(
        self,
        ctx: RequestContext,
        rule: str,
        tgt: Mapping[str, Any],
        *,
        shared: bool = False,
        external: bool = False,
    ) -> bool:
        if self.policy.check(rule, ctx, tgt):
            return True
        if not self.policy.rule(rule).allows_scope(ctx):
            return False
        return (shared and rule in SHARED_ALTERNATIVE) or (external and rule in EXTERNAL_ALTERNATIVE)

    def enforce(
        self,
        ctx: RequestContext,
        rule: str,
        tgt: Mapping[str, Any],
        *,
        shared: bool = False,
        external: bool = False,
    ) -> None:
        """Forbidden unless the rule (or its shared/external alternative) allows the caller."""
        if not self.allowed(ctx, rule, tgt, shared=shared, external=external):
            self.policy.enforce(rule, ctx, tgt)

    def enforce_attributes(
        self,
        ctx: RequestContext,
        action: str,
        attributes: Iterable[str],
        tgt: Mapping[str, Any],
        **opens: bool,
    ) -> None:
        """Check ``action:attribute`` for each attribute that has a rule (Neutron checks the
        ones a request sets to something other than their default)."""
        for attribute in attributes:
            rule = f"{action}:{attribute}"
            if rule in self.policy.rules:
                self.enforce(ctx, rule, tgt, **opens)

    def hidden(
        self, ctx: RequestContext, action: str, attributes: Iterable[str], tgt: Mapping[str, Any]
    ) -> frozenset[str]:
        """Attributes whose ``action:attribute`` rule denies the caller: left out of views."""
        return frozenset(a for a in attributes if not self.allowed(ctx, f"{action}:{a}", tgt))
