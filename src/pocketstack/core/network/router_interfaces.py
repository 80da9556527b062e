"""Router interfaces (``add_router_interface`` / ``remove_router_interface``), after Neutron.

By subnet: a new port on the subnet's network holding the subnet's gateway address (so a subnet
attached to one router cannot be attached to another: the address is taken, 409); an IPv6
subnet joins the router's IPv6 port on that network when it has one. By port: an unbound port
of the caller's becomes the router's. Detaching refuses while a floating IP, a port forwarding
or an extra route needs the subnet.
"""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.network import extra_routes, ipam, l3_ports, port_attrs, sharing
from pocketstack.core.network.access import get_visible, target
from pocketstack.core.network.allocation import Allocator, Claim
from pocketstack.core.network.common import touch
from pocketstack.core.network.l3_errors import (
    bad,
    interface_in_use,
    interface_not_found,
    no_interface_on_subnet,
    port_in_use,
    subnet_mismatch,
)
from pocketstack.core.network.l3_guards import ROUTER_INTERFACE
from pocketstack.core.network.ports import status_of
from pocketstack.store.network_l3_models import FloatingIP, PortForwarding, Router, RouterPort
from pocketstack.store.network_models import IpAllocation, Network, Port, Subnet

if TYPE_CHECKING:
    from pocketstack.core.network.routers import RouterService


@dataclass(frozen=True)
class Interface:
    """What Neutron answers about an interface added or removed."""

    router_id: str
    project_id: str
    port_id: str
    network_id: str
    subnet_ids: list[str]


def load_for(service: RouterService, s: Session, ctx: RequestContext, ident: str, action: str) -> Router:
    """The router, locked, if the caller may see it (else 404) and may do ``action`` (else 403)."""
    router = get_visible(s, ctx, "router", ident, lock=True)
    service.access.enforce(ctx, action, target(router))
    return router


def _request(body: Any, removing: bool) -> tuple[str | None, str | None]:
    """(port_id, subnet_id) of an interface request, checked as Neutron checks it."""
    port_id = body.get("port_id") if isinstance(body, dict) else None
    subnet_id = body.get("subnet_id") if isinstance(body, dict) else None
    if port_id is None and subnet_id is None:
        raise bad("router", "Either subnet_id or port_id must be specified")
    for value in (port_id, subnet_id):
        if value is not None:
            try:
                uuid.UUID(str(value))
            except ValueError:
                raise bad("router", f"'{value}' is not a valid UUID") from None
    if port_id is not None and subnet_id is not None and not removing:
        raise bad("router", "Cannot specify both subnet-id and port-id")
    return port_id, subnet_id


def _check_address_mode(subnet: Subnet) -> None:
    if subnet.ip_version == 6 and subnet.ipv6_ra_mode is None and subnet.ipv6_address_mode is not None:
        raise bad(
            "router",
            f"IPv6 subnet {subnet.id} configured to receive RAs from an external router cannot be added to "
            "Neutron Router",
        )


def _info(router: Router, port: Port, subnets: list[Subnet]) -> Interface:
    return Interface(router.id, port.project_id, port.id, port.network_id, [x.id for x in subnets])


def add(service: RouterService, s: Session, ctx: RequestContext, ident: str, body: Any) -> Interface:
    port_id, subnet_id = _request(body, removing=False)
    router = load_for(service, s, ctx, ident, "add_router_interface")
    if subnet_id is not None:
        port, subnets = _add_subnet(service, s, ctx, router, subnet_id)
    else:
        assert port_id is not None
        port, subnets = _add_port(s, ctx, router, port_id)
    touch(router)
    return _info(router, port, subnets)


def _add_subnet(
    service: RouterService, s: Session, ctx: RequestContext, router: Router, subnet_id: str
) -> tuple[Port, list[Subnet]]:
    subnet = get_visible(s, ctx, "subnet", subnet_id)
    if not subnet.gateway_ip:
        raise bad("router", "Subnet for router interface must have a gateway IP")
    # COMPAT: as Neutron, a subnet of another project's network is attachable only when the network
    # is shared with the caller's project by name, not when it is shared with everyone.
    shared_with = sharing.targets(s, subnet.network_id, sharing.SHARED)
    if subnet.project_id != ctx.project_id and not is_admin(ctx) and ctx.project_id not in shared_with:
        raise bad(
            "router",
            f"Cannot add interface to router because subnet {subnet.id} is not owned by project making the "
            "request",
        )
    _check_address_mode(subnet)
    l3_ports.check_new_subnets(s, router.id, [subnet])
    network = s.get(Network, subnet.network_id)
    assert network is not None
    claim = Claim([subnet], subnet.gateway_ip)
    if subnet.ip_version == 6:
        for port in l3_ports.router_ports(s, router.id, ROUTER_INTERFACE):
            held = l3_ports.addresses(s, [port.id])[port.id]
            if port.network_id == network.id and any(":" in ip.ip_address for ip in held):
                Allocator(s, network, port.id, port.mac_address, port.device_owner).allocate([claim])
                touch(port)
                return port, [subnet]
    service.quotas.check(s, router.project_id, {"port": 1})
    request = [{"subnet_id": subnet.id, "ip_address": subnet.gateway_ip}]
    port = l3_ports.add_port(
        s,
        network,
        project_id=router.project_id,
        device_owner=ROUTER_INTERFACE,
        device_id=router.id,
        requests=request,
    )
    l3_ports.attach(s, router.id, port, ROUTER_INTERFACE)
    return port, [subnet]


def _add_port(s: Session, ctx: RequestContext, router: Router, port_id: str) -> tuple[Port, list[Subnet]]:
    port = get_visible(s, ctx, "port", port_id, lock=True)
    if port.device_id:
        raise port_in_use(port.id, port.network_id, port.device_id)
    held = l3_ports.addresses(s, [port.id])[port.id]
    if not held:
        raise bad("router", "Router port must have at least one fixed IP")
    subnets = [x for x in (s.get(Subnet, ip.subnet_id) for ip in held) if x is not None]
    for subnet in subnets:
        _check_address_mode(subnet)
    l3_ports.check_new_subnets(s, router.id, subnets)
    if len([x for x in subnets if x.ip_version == 4]) > 1:
        raise bad("router", "Cannot have multiple IPv4 subnets on router port")
    if not is_admin(ctx):
        _check_in_pools(ctx, port, held, {x.id: x for x in subnets})
    port.device_id = router.id
    port.device_owner = ROUTER_INTERFACE
    port.binding_host_id = l3_ports.L3_HOST
    port.binding_vif_type, port.binding_vif_details = port_attrs.binding(port.binding_host_id)
    port.status = status_of(port)
    touch(port)
    l3_ports.attach(s, router.id, port, ROUTER_INTERFACE)
    return port, subnets


def _check_in_pools(
    ctx: RequestContext, port: Port, held: list[IpAllocation], subnets: dict[str, Subnet]
) -> None:
    """A member may attach a port whose address lies outside the pools only on their own subnet."""
    for ip in held:
        subnet = subnets[ip.subnet_id]
        value = int(ipaddress.ip_address(ip.ip_address))
        in_pool = any(a <= value <= b for a, b in ipam.pools_of(subnet.allocation_pools))
        if not in_pool and subnet.project_id != ctx.project_id:
            raise bad(
                "router",
                f"Cannot add interface to router because specified port {port.id} has an IP address out "
                f"of the allocation pool of subnet {subnet.id}, which is not owned by the project making "
                "the request",
            )


def remove(service: RouterService, s: Session, ctx: RequestContext, ident: str, body: Any) -> Interface:
    port_id, subnet_id = _request(body, removing=True)
    router = load_for(service, s, ctx, ident, "remove_router_interface")
    if port_id is not None:
        attached = s.get(RouterPort, port_id)
        port = s.get(Port, port_id)
        if (
            attached is None
            or port is None
            or attached.router_id != router.id
            or attached.port_type != ROUTER_INTERFACE
        ):
            raise interface_not_found(router.id, port_id)
        held = l3_ports.addresses(s, [port.id])[port.id]
        if subnet_id is not None and subnet_id not in {ip.subnet_id for ip in held}:
            raise subnet_mismatch(port.id, subnet_id)
        subnets = [x for x in (s.get(Subnet, i) for i in dict.fromkeys(ip.subnet_id for ip in held)) if x]
        for subnet in subnets:
            _check_unused(s, router, subnet)
        l3_ports.delete_port(s, port)
        touch(router)
        return _info(router, port, subnets)
    assert subnet_id is not None
    subnet = get_visible(s, ctx, "subnet", subnet_id)
    for port in l3_ports.router_ports(s, router.id, ROUTER_INTERFACE):
        held = l3_ports.addresses(s, [port.id])[port.id]
        mine = [ip for ip in held if ip.subnet_id == subnet.id]
        if port.network_id != subnet.network_id or not mine:
            continue
        _check_unused(s, router, subnet)
        if len(held) > len(mine):  # an IPv6 port with other prefixes keeps them
            for ip in mine:
                s.delete(ip)
            touch(port)
        else:
            l3_ports.delete_port(s, port)
        touch(router)
        return _info(router, port, [subnet])
    raise no_interface_on_subnet(router.id, subnet.id)


def _check_unused(s: Session, router: Router, subnet: Subnet) -> None:
    """409 while a floating IP or a port forwarding reaches an address of the subnet through the
    router, or a route's nexthop lies on it."""
    net = ipaddress.ip_network(subnet.cidr)
    on_subnet = select(IpAllocation.port_id).where(IpAllocation.subnet_id == subnet.id)
    fips = s.scalars(
        select(FloatingIP.fixed_ip_address).where(
            FloatingIP.router_id == router.id, FloatingIP.fixed_port_id.in_(on_subnet)
        )
    )
    forwarded = s.scalars(
        select(PortForwarding.internal_ip_address)
        .join(FloatingIP, FloatingIP.id == PortForwarding.floatingip_id)
        .where(FloatingIP.router_id == router.id, PortForwarding.internal_port_id.in_(on_subnet))
    )
    if any(address and ipaddress.ip_address(address) in net for address in [*fips, *forwarded]):
        raise interface_in_use(router.id, subnet.id, "floating IPs")
    if extra_routes.needs(router.routes, subnet.cidr):
        raise interface_in_use(router.id, subnet.id, "routes")
