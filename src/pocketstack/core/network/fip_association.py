"""Which fixed IP a floating IP (or a port forwarding) reaches, and through which router, as
Neutron decides it: the port's only IPv4 address (or the one asked for), on a subnet attached to
a router whose gateway is on the floating IP's network; the router holding the subnet's gateway
address wins when there are several."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.network import l3_ports
from pocketstack.core.network.access import get_visible
from pocketstack.core.network.l3_errors import bad, fixed_ip_taken, unreachable
from pocketstack.core.network.l3_guards import ROUTER_GATEWAY, ROUTER_INTERFACE, disassociate
from pocketstack.store.network_l3_models import FloatingIP, RouterPort
from pocketstack.store.network_models import IpAllocation, Port, Subnet


@dataclass(frozen=True)
class Target:
    port: Port
    subnet: Subnet
    ip_address: str


def internal_address(port: Port, held: list[IpAllocation], wanted: str | None, resource: str) -> IpAllocation:
    """The IPv4 address of ``port`` a floating IP or port forwarding is for."""
    v4 = [ip for ip in held if ipaddress.ip_address(ip.ip_address).version == 4]
    if wanted is not None:
        if ipaddress.ip_address(wanted).version != 4:
            raise bad(
                resource,
                f"Cannot process floating IP association with {wanted}, since that is not an IPv4 address",
            )
        found = next((ip for ip in v4 if ip.ip_address == str(ipaddress.ip_address(wanted))), None)
        if found is None:
            raise bad(resource, f"Port {port.id} does not have fixed ip {wanted}")
        return found
    if not v4:
        raise bad(resource, f"Cannot add floating IP to port {port.id} that has no fixed IPv4 addresses")
    if len(v4) > 1:
        raise bad(
            resource,
            f"Port {port.id} has multiple fixed IPv4 addresses.  Must provide a specific IPv4 address when "
            "assigning a floating IP",
        )
    return v4[0]


def router_for(s: Session, port: Port, subnet: Subnet, external_network_id: str) -> str:
    """The router connecting ``subnet`` (which ``port`` is on) with the external network; 404
    ExternalGatewayForFloatingIPNotFound when none does."""
    gateway_link, gateway_port = aliased(RouterPort), aliased(Port)
    stmt = (
        select(RouterPort.router_id, IpAllocation.ip_address)
        .join(Port, Port.id == RouterPort.port_id)
        .join(IpAllocation, IpAllocation.port_id == Port.id)
        .join(gateway_link, gateway_link.router_id == RouterPort.router_id)
        .join(gateway_port, gateway_port.id == gateway_link.port_id)
        .where(
            Port.network_id == port.network_id,
            RouterPort.port_type == ROUTER_INTERFACE,
            IpAllocation.subnet_id == subnet.id,
            gateway_link.port_type == ROUTER_GATEWAY,
            gateway_port.network_id == external_network_id,
        )
        .order_by(RouterPort.router_id)
    )
    found = list(s.execute(stmt))
    for router_id, address in found:
        if address == subnet.gateway_ip:
            return router_id
    if found:
        return found[0][0]
    raise unreachable(external_network_id, subnet.id, port.id)


def target_of(
    s: Session, ctx: RequestContext, owner: str, port_id: str, wanted: str | None, resource: str
) -> Target:
    """The port (visible to the caller, and the owner's unless an admin asks) and its address."""
    port = get_visible(s, ctx, "port", port_id)
    if port.project_id != owner and not is_admin(ctx):
        raise bad(
            resource,
            f"Cannot process floating IP association with Port {port.id}, since that port is owned by a "
            "different project",
        )
    if port.device_owner == "network:dhcp":
        raise bad(resource, f"Port {port.id} is unable to be assigned a floating IP")
    held = l3_ports.addresses(s, [port.id])[port.id]
    ip = internal_address(port, held, wanted, resource)
    subnet = s.get(Subnet, ip.subnet_id)
    assert subnet is not None
    return Target(port, subnet, ip.ip_address)


def associate(
    s: Session, ctx: RequestContext, fip: FloatingIP, port_id: str | None, wanted: str | None
) -> None:
    """Point the floating IP at a port's fixed IP (None: at nothing). 409
    FloatingIPPortAlreadyAssociated when another floating IP of the network has that fixed IP."""
    if port_id is None:
        if fip.fixed_port_id is not None:
            disassociate(s, fip)
        return
    found = target_of(s, ctx, fip.project_id, port_id, wanted, "floatingip")
    router_id = router_for(s, found.port, found.subnet, fip.floating_network_id)
    taken = s.scalar(
        select(FloatingIP.id).where(
            FloatingIP.floating_network_id == fip.floating_network_id,
            FloatingIP.fixed_port_id == found.port.id,
            FloatingIP.fixed_ip_address == found.ip_address,
            FloatingIP.id != fip.id,
        )
    )
    if taken is not None:
        raise fixed_ip_taken(fip, found.port.id, found.ip_address)
    fip.fixed_port_id = found.port.id
    fip.fixed_ip_address = found.ip_address
    fip.router_id = router_id
    fip.status = "ACTIVE"
