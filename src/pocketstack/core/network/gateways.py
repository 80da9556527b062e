"""A router's external gateway (``external_gateway_info``): a port on an external network, with
addresses from its subnets (chosen by an admin through ``external_fixed_ips``, or handed out),
and whether the router SNATs through it (``enable_snat``, admins only, true by default)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext
from pocketstack.core.network import l3_ports, port_attrs
from pocketstack.core.network.access import get_visible
from pocketstack.core.network.errors import invalid
from pocketstack.core.network.l3_errors import bad, gateway_in_use
from pocketstack.core.network.l3_guards import ROUTER_GATEWAY
from pocketstack.core.network.ports import PortService
from pocketstack.store.network_l3_models import FloatingIP, Router
from pocketstack.store.network_models import Port, Subnet

KEYS = ("network_id", "enable_snat", "external_fixed_ips")


@dataclass(frozen=True)
class GatewayRequest:
    network_id: str
    enable_snat: bool | None = None  # None: not given (back to true)
    fixed_ips: list[dict[str, str]] | None = None


def parse(value: Any) -> GatewayRequest | None:
    """``external_gateway_info`` as asked: None (or {}) clears the gateway."""
    if value is None or value == {}:
        return None
    if not isinstance(value, dict):
        raise invalid(f"'{value}' is not a dictionary")
    unexpected = sorted(set(value) - set(KEYS))
    if unexpected:
        raise invalid(f"Unexpected keys supplied: {', '.join(unexpected)}")
    if "network_id" not in value:
        raise invalid(
            f"Validation of dictionary's keys failed. Expected keys: {{'network_id'}} Provided keys: "
            f"{set(value)}"
        )
    if not isinstance(value["network_id"], str):
        raise invalid(f"'{value['network_id']}' is not a valid UUID")
    snat = value.get("enable_snat")
    if snat is not None and not isinstance(snat, bool):
        raise invalid(f"'{snat}' is not a valid boolean value")
    fixed = value.get("external_fixed_ips")
    return GatewayRequest(
        value["network_id"], snat, port_attrs.fixed_ip_requests(fixed) if fixed is not None else None
    )


def subnets_of(s: Session, network_id: str) -> list[Subnet]:
    return list(s.scalars(select(Subnet).where(Subnet.network_id == network_id).order_by(Subnet.id)))


def set_gateway(s: Session, ctx: RequestContext, router: Router, wanted: GatewayRequest | None) -> None:
    """Give the router the gateway asked for (None: none), inside the caller's transaction."""
    current = l3_ports.gateway_port(s, router.id)
    if wanted is None:
        if current is not None:
            clear(s, router, current)
        return
    network = get_visible(s, ctx, "network", wanted.network_id)
    if not network.external:
        raise bad("router", f"Network {network.id} is not an external network")
    subnets = subnets_of(s, network.id)
    gateways = {subnet.gateway_ip for subnet in subnets if subnet.gateway_ip}
    for request in wanted.fixed_ips or []:
        if request.get("ip_address") in gateways:
            raise bad("router", f"External IP {request['ip_address']} is the same as the gateway IP")
    router.enable_snat = True if wanted.enable_snat is None else wanted.enable_snat
    if current is not None and current.network_id == network.id:
        if wanted.fixed_ips:
            PortService._readdress(s, current, network, wanted.fixed_ips)
        return
    if current is not None:
        clear(s, router, current)
    l3_ports.check_new_subnets(s, router.id, subnets)
    port = l3_ports.add_port(
        s, network, project_id="", device_owner=ROUTER_GATEWAY, device_id=router.id, requests=wanted.fixed_ips
    )
    l3_ports.attach(s, router.id, port, ROUTER_GATEWAY)


def clear(s: Session, router: Router, port: Port) -> None:
    """Remove the gateway; 409 while floating IPs reach the router through it."""
    if s.scalar(select(FloatingIP.id).where(FloatingIP.router_id == router.id).limit(1)) is not None:
        raise gateway_in_use(router.id, port.network_id)
    l3_ports.delete_port(s, port)
