"""Routers: create, change and delete, with their gateway (gateways.py) and extra routes
(extra_routes.py); interfaces are router_interfaces.py's. Reading is the base service's.

A router is ACTIVE from the start (there is no agent to wait for); ``distributed`` and ``ha``
are admin attributes and always false here (one simulated network node).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext
from pocketstack.core.network import extra_routes, gateways, l3_ports, router_interfaces
from pocketstack.core.network import tags as tagging
from pocketstack.core.network.access import target
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
from pocketstack.core.network.errors import invalid
from pocketstack.core.network.l3_errors import router_in_use
from pocketstack.core.network.l3_guards import ROUTER_GATEWAY, ROUTER_INTERFACE
from pocketstack.core.network.listing import Lister
from pocketstack.core.network.validation import string_list
from pocketstack.store.network_l3_models import Router, RouterPort
from pocketstack.store.network_models import IpAllocation, Port

GW = "external_gateway_info"
UPDATABLE = frozenset({"name", "description", "admin_state_up", GW, "routes", "distributed", "ha"})
COLUMNS = {
    key: getattr(Router, key)
    for key in (
        "id",
        "name",
        "description",
        "project_id",
        "admin_state_up",
        "status",
        "revision_number",
        "created_at",
        "updated_at",
    )
}


def attribute_rules(attrs: Mapping[str, Any]) -> list[str]:
    """Attribute rules a request triggers, as Neutron: ``distributed`` / ``ha`` whenever given,
    the gateway and each of its keys given (on create, only a gateway that is not null)."""
    rules = [a for a in ("distributed", "ha") if a in attrs]
    if GW in attrs and attrs[GW] is not None:
        rules.append(GW)
        if isinstance(attrs[GW], dict):
            rules += [f"{GW}:{key}" for key in gateways.KEYS if key in attrs[GW]]
    return rules


def _check_flags(attrs: Mapping[str, Any]) -> None:
    for flag in ("distributed", "ha"):
        if attrs.get(flag):
            raise invalid(f"{flag} routers are not supported: this cloud has one simulated network node")


class RouterService(ResourceService):
    kind = "router"
    collection = "routers"
    lister = Lister("router", COLUMNS)
    hideable = {"distributed": "distributed", "ha": "ha"}

    def extras(self, s: Session, rows: Sequence[Any]) -> dict[str, dict[str, Any]]:
        """Each router's gateway: its network and addresses (None without one)."""
        result: dict[str, dict[str, Any]] = {r.id: {"gateway": None} for r in rows}
        if not rows:
            return result
        stmt = (
            select(RouterPort.router_id, Port.network_id, IpAllocation.subnet_id, IpAllocation.ip_address)
            .join(Port, Port.id == RouterPort.port_id)
            .outerjoin(IpAllocation, IpAllocation.port_id == Port.id)
            .where(RouterPort.router_id.in_(list(result)), RouterPort.port_type == ROUTER_GATEWAY)
            .order_by(IpAllocation.subnet_id, IpAllocation.ip_address)
        )
        for router_id, network_id, subnet_id, address in s.execute(stmt):
            gateway = result[router_id]["gateway"] or {"network_id": network_id, "external_fixed_ips": []}
            if subnet_id is not None:
                gateway["external_fixed_ips"].append({"subnet_id": subnet_id, "ip_address": address})
            result[router_id]["gateway"] = gateway
        return result

    # -- create ------------------------------------------------------------------------------
    def create(self, ctx: RequestContext, attrs: Mapping[str, Any]) -> Item:
        """A new router, with a gateway when asked. Forbidden for admin-only attributes;
        NotFound for the gateway's network; BadRequest, Conflict (OverQuota, addresses)."""
        project = owner_of(ctx, attrs)
        tgt = {"project_id": project, "tenant_id": project}
        self.access.enforce(ctx, "create_router", tgt)
        self.access.enforce_attributes(ctx, "create_router", attribute_rules(attrs), tgt)
        tags = self.creation_tags(ctx, attrs, tgt)
        _check_flags(attrs)
        hints = string_list(attrs.get("availability_zone_hints", []), "availability_zone_hints")
        wanted = gateways.parse(attrs.get(GW))

        def work(s: Session) -> str:
            self.quotas.check(s, project, {"router": 1})
            router = Router(
                **stamp(id=new_id(), project_id=project, description=attrs.get("description", "")),
                name=attrs.get("name", ""),
                admin_state_up=attrs.get("admin_state_up", True),
                status="ACTIVE",
                enable_snat=True,
                routes=[],
                availability_zone_hints=hints,
            )
            s.add(router)
            s.flush()
            gateways.set_gateway(s, ctx, router, wanted)
            tagging.tag_new(s, self.collection, router.id, tags)
            return router.id

        return self.described(ctx, retrying(self.db, work))

    # -- update ------------------------------------------------------------------------------
    def update(
        self, ctx: RequestContext, ident: str, attrs: Mapping[str, Any], revision: int | None = None
    ) -> Item:
        check_read_only(attrs, UPDATABLE)
        wanted = gateways.parse(attrs[GW]) if GW in attrs else None

        def work(s: Session) -> None:
            router = self.load(s, ctx, ident, "update", lock=True)
            check_revision(router, revision)
            rules = attribute_rules({**attrs, GW: attrs[GW] or {}} if GW in attrs else attrs)
            self.access.enforce_attributes(ctx, "update_router", rules, target(router))
            _check_flags(attrs)
            for key in ("name", "description", "admin_state_up"):
                if key in attrs:
                    setattr(router, key, attrs[key])
            if GW in attrs:
                gateways.set_gateway(s, ctx, router, wanted)
            if "routes" in attrs:
                router.routes = extra_routes.checked(s, router, attrs["routes"])
            elif GW in attrs:
                extra_routes.check_connected(s, router, router.routes)
            touch(router)

        retrying(self.db, work)
        return self.described(ctx, ident)

    def change_routes(self, ctx: RequestContext, ident: str, action: str, routes: Any) -> Item:
        """``add_extraroutes`` / ``remove_extraroutes``: change the set of routes atomically."""
        combine = extra_routes.added if action == "add_extraroutes" else extra_routes.removed

        def work(s: Session) -> None:
            router = router_interfaces.load_for(self, s, ctx, ident, action)
            router.routes = extra_routes.checked(s, router, combine(router.routes, routes))
            touch(router)

        retrying(self.db, work)
        return self.described(ctx, ident)

    # -- interfaces --------------------------------------------------------------------------
    def add_interface(self, ctx: RequestContext, ident: str, body: Any) -> router_interfaces.Interface:
        """Attach a subnet (a new port with its gateway address) or an unbound port."""
        return retrying(self.db, lambda s: router_interfaces.add(self, s, ctx, ident, body))

    def remove_interface(self, ctx: RequestContext, ident: str, body: Any) -> router_interfaces.Interface:
        """Detach a subnet or a port; 409 while floating IPs or routes need it."""
        return retrying(self.db, lambda s: router_interfaces.remove(self, s, ctx, ident, body))

    # -- delete ------------------------------------------------------------------------------
    def delete(self, ctx: RequestContext, ident: str, revision: int | None = None) -> None:
        """Delete the router and its gateway; 409 RouterInUse while interfaces remain."""

        def work(s: Session) -> None:
            router = self.load(s, ctx, ident, "delete", lock=True)
            check_revision(router, revision)
            attached = l3_ports.router_ports(s, router.id, ROUTER_INTERFACE)
            if attached:
                # COMPAT: Neutron's RouterInUse wording.
                raise router_in_use(
                    router.id, "has ports still attached: " + ", ".join(p.id for p in attached)
                )
            gateways.set_gateway(s, ctx, router, None)
            tagging.forget(s, [router.id])
            s.delete(router)

        retrying(self.db, work)
