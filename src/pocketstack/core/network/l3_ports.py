"""Ports the L3 services make and remove themselves (router interfaces and gateways, the ports
that hold floating IPs), and what a router is connected to.

Their addresses come from the same allocator as every port's (allocation.py), so they obey the
same guarantee: no address is ever held twice. Gateway and floating IP ports belong to no
project (as in Neutron: users never see them); interfaces belong to the router's project and
count against its port quota. Router ports are bound to a nominal host, so they are ACTIVE.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.network import port_attrs
from pocketstack.core.network import tags as tagging
from pocketstack.core.network.allocation import Allocator, plan_automatic, plan_requested
from pocketstack.core.network.common import lock_rows, new_id, stamp
from pocketstack.core.network.l3_errors import bad
from pocketstack.core.network.l3_guards import FLOATINGIP, ROUTER_GATEWAY
from pocketstack.core.network.ports import PortService, status_of
from pocketstack.store.network_l3_models import RouterPort
from pocketstack.store.network_models import IpAllocation, Network, Port, Subnet

L3_HOST = "pocketstack-l3"  # the binding host of router ports (there are no agents here)


def add_port(
    s: Session,
    network: Network,
    *,
    project_id: str,
    device_owner: str,
    device_id: str,
    requests: list[dict[str, str]] | None = None,
    only_ipv4: bool = False,
) -> Port:
    """A new port on ``network`` with the addresses asked for (or automatic ones), inside the
    caller's transaction. Raises what allocation raises (IpAddressGenerationFailure, ...)."""
    lock_rows(s, Network, [network.id], share=True)
    mac = PortService._mac(s, network, None)
    host = "" if device_owner == FLOATINGIP else L3_HOST
    vif_type, vif_details = port_attrs.binding(host)
    port = Port(
        **stamp(id=new_id(), project_id=project_id, description=""),
        network_id=network.id,
        name="",
        admin_state_up=True,
        mac_address=mac,
        device_id=device_id,
        device_owner=device_owner,
        port_security_enabled=network.port_security_enabled,
        binding_host_id=host,
        binding_vnic_type="normal",
        binding_vif_type=vif_type,
        binding_vif_details=vif_details,
        binding_profile={},
        allowed_address_pairs=[],
        extra_dhcp_opts=[],
        dns_name="",
    )
    port.status = "N/A" if device_owner == FLOATINGIP else status_of(port)
    s.add(port)
    s.flush()
    allocator = Allocator(s, network, port.id, mac, device_owner)
    subnets = [x for x in allocator.subnets() if x.ip_version == 4 or not only_ipv4]
    claims = (
        plan_automatic(subnets, device_owner)
        if requests is None
        else plan_requested(network, subnets, requests)
    )
    allocator.allocate(claims)
    return port


def delete_port(s: Session, port: Port) -> None:
    """Remove a port the L3 services own (its addresses and router_ports row go with it)."""
    tagging.forget(s, [port.id])
    s.delete(port)
    s.flush()


def addresses(s: Session, port_ids: Iterable[str]) -> dict[str, list[IpAllocation]]:
    """Each port's addresses, in subnet then address order."""
    found: dict[str, list[IpAllocation]] = {p: [] for p in port_ids}
    if found:
        stmt = select(IpAllocation).where(IpAllocation.port_id.in_(list(found)))
        for ip in sorted(s.scalars(stmt), key=lambda a: (a.subnet_id, a.ip_address)):
            found[ip.port_id].append(ip)
    return found


def router_ports(s: Session, router_id: str, port_type: str | None = None) -> list[Port]:
    """The ports attaching the router (of one type when given), oldest first."""
    stmt = select(Port).join(RouterPort, RouterPort.port_id == Port.id)
    stmt = stmt.where(RouterPort.router_id == router_id)
    if port_type is not None:
        stmt = stmt.where(RouterPort.port_type == port_type)
    return list(s.scalars(stmt.order_by(Port.created_at, Port.id)))


def gateway_port(s: Session, router_id: str) -> Port | None:
    found = router_ports(s, router_id, ROUTER_GATEWAY)
    return found[0] if found else None


def attach(s: Session, router_id: str, port: Port, port_type: str) -> None:
    s.add(RouterPort(port_id=port.id, router_id=router_id, port_type=port_type))


def _subnets(s: Session, ids: Iterable[str]) -> list[Subnet]:
    wanted = sorted(set(ids))
    return list(s.scalars(select(Subnet).where(Subnet.id.in_(wanted)))) if wanted else []


def connected_subnets(s: Session, router_id: str) -> list[Subnet]:
    """The subnets the router reaches: those its interfaces hold addresses on, and every subnet of
    its gateway's network."""
    ids: set[str] = set()
    for port in router_ports(s, router_id):
        if port.device_owner == ROUTER_GATEWAY:
            ids.update(s.scalars(select(Subnet.id).where(Subnet.network_id == port.network_id)))
        else:
            ids.update(s.scalars(select(IpAllocation.subnet_id).where(IpAllocation.port_id == port.id)))
    return _subnets(s, ids)


def router_addresses(s: Session, router_id: str) -> set[str]:
    ports = [p.id for p in router_ports(s, router_id)]
    return {ip.ip_address for ips in addresses(s, ports).values() for ip in ips}


def check_new_subnets(s: Session, router_id: str, new: Sequence[Subnet]) -> None:
    """BadRequest, as Neutron, when the router already has a port on one of ``new`` or one of its
    subnets overlaps one of them."""
    new_ids = {n.id for n in new}
    held = addresses(s, [p.id for p in router_ports(s, router_id)])
    for ips in held.values():
        for ip in ips:
            if ip.subnet_id in new_ids:
                raise bad("router", f"Router already has a port on subnet {ip.subnet_id}")
    for existing in connected_subnets(s, router_id):
        for subnet in new:
            if ipaddress.ip_network(existing.cidr).overlaps(ipaddress.ip_network(subnet.cidr)):  # type: ignore[arg-type]
                raise bad(
                    "router",
                    f"Cidr {subnet.cidr} of subnet {subnet.id} overlaps with cidr {existing.cidr} of subnet "
                    f"{existing.id}",
                )
