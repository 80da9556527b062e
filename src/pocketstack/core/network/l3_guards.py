"""What the port API must respect of L3 (called by ports.py): a router's or a floating IP's own
port is not deleted through it (409 ServicePortInUse, as Neutron); deleting a port takes its
floating IPs off it and ends its port forwardings; a port's fixed IP that has a floating IP
cannot be taken away by an update."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.network import port_attrs
from pocketstack.core.network.common import touch
from pocketstack.core.network.l3_errors import bad, fip_associated, service_port
from pocketstack.store.network_l3_models import FloatingIP, PortForwarding, RouterPort
from pocketstack.store.network_models import Port

ROUTER_INTERFACE = "network:router_interface"
ROUTER_GATEWAY = "network:router_gateway"
FLOATINGIP = "network:floatingip"


def _owned_by_l3(s: Session, port: Port) -> bool:
    if port.device_owner == FLOATINGIP:
        return s.scalar(select(FloatingIP.id).where(FloatingIP.floating_port_id == port.id)) is not None
    return s.get(RouterPort, port.id) is not None


def before_port_delete(s: Session, ctx: RequestContext, port: Port) -> None:
    """Refuse L3's own ports; disassociate the port's floating IPs (409 FipAssociated when one
    of them is not the caller's to change) and drop its port forwardings."""
    if _owned_by_l3(s, port):
        raise service_port(port.id, port.device_owner)
    fips = list(s.scalars(select(FloatingIP).where(FloatingIP.fixed_port_id == port.id)))
    if not is_admin(ctx) and any(f.project_id != ctx.project_id for f in fips):
        raise fip_associated(port.id)
    forwarded = set(
        s.scalars(select(PortForwarding.floatingip_id).where(PortForwarding.internal_port_id == port.id))
    )
    for forwarding in s.scalars(select(PortForwarding).where(PortForwarding.internal_port_id == port.id)):
        s.delete(forwarding)
    s.flush()
    for fip in fips:
        disassociate(s, fip)
    for fip_id in forwarded:
        fip = s.get(FloatingIP, fip_id)
        if fip is not None and fip.fixed_port_id is None:
            disassociate(s, fip)


def disassociate(s: Session, fip: FloatingIP) -> None:
    """Take the floating IP off its port; it keeps its router while port forwardings use it."""
    fip.fixed_port_id = None
    fip.fixed_ip_address = None
    forwarded = s.scalar(select(PortForwarding.id).where(PortForwarding.floatingip_id == fip.id).limit(1))
    if forwarded is None:
        fip.router_id = None
    fip.status = "DOWN"
    touch(fip)


def before_fixed_ips_change(s: Session, port: Port, attrs: Mapping[str, Any]) -> None:
    """400, as Neutron, when an update of ``fixed_ips`` drops the address a floating IP uses."""
    if "fixed_ips" not in attrs:
        return
    used = s.scalar(
        select(FloatingIP.fixed_ip_address).where(
            FloatingIP.fixed_port_id == port.id, FloatingIP.fixed_ip_address.is_not(None)
        )
    )
    if used is None:
        return
    kept = {r.get("ip_address") for r in port_attrs.fixed_ip_requests(attrs["fixed_ips"] or [])}
    if used not in kept:
        raise bad(
            "port",
            f"Cannot update the fixed_ips of the port {port.id}, because its original fixed_ip has been "
            "associated to a floating ip",
        )
