"""Who may see and touch which network resource.

Visibility comes first, in SQL: a resource the caller may not see does not exist for them
(404, never 403). Networks are visible to their project, and to everyone when shared or
external; subnets with their network, or to their own project; ports to their project and to
the owner of their network; subnet pools and address scopes to their project, and to everyone
when shared. An administrator sees everything. The policy rule of the action is checked next,
with Neutron's ``rule:shared`` / ``rule:external`` alternatives applied here (see policies.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.network.errors import not_found
from pocketstack.core.network.policies import EXTERNAL_ALTERNATIVE, SHARED_ALTERNATIVE
from pocketstack.core.policy import Enforcer
from pocketstack.store.network_models import AddressScope, Network, Port, Subnet, SubnetPool

MODELS: dict[str, Any] = {
    "network": Network,
    "subnet": Subnet,
    "port": Port,
    "subnetpool": SubnetPool,
    "address_scope": AddressScope,
}


def _networks_seen(ctx: RequestContext) -> ColumnElement[bool]:
    return or_(Network.project_id == ctx.project_id, Network.shared.is_(True), Network.external.is_(True))


def visible(kind: str, ctx: RequestContext) -> ColumnElement[bool]:
    """The SQL condition for rows of ``kind`` the caller may see."""
    if is_admin(ctx):
        return true()
    if kind == "network":
        return _networks_seen(ctx)
    if kind == "subnet":
        seen = select(Network.id).where(_networks_seen(ctx))
        return or_(Subnet.project_id == ctx.project_id, Subnet.network_id.in_(seen))
    if kind == "port":
        owned = select(Network.id).where(Network.project_id == ctx.project_id)
        return or_(Port.project_id == ctx.project_id, Port.network_id.in_(owned))
    model = MODELS[kind]
    return or_(model.project_id == ctx.project_id, model.shared.is_(True))


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


def opens(row: Any, network: Network | None = None) -> tuple[bool, bool]:
    """(shared, external) for Neutron's field-based alternatives: of the network a subnet or
    port lives on, or of a network, subnet pool or address scope itself."""
    source = network if network is not None else row
    return bool(getattr(source, "shared", False)), bool(getattr(source, "external", False))


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
