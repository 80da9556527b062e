"""Errors of routers, floating IPs and port forwardings. Codes map to Neutron's exception names
in the Network v2 front end; the messages keep Neutron's wording (COMPAT), which clients show."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pocketstack.core.errors import BadRequest, Conflict, NotFound


def bad(resource: str, message: str) -> BadRequest:
    """COMPAT: Neutron's generic BadRequest, "Bad <resource> request: <message>."."""
    return BadRequest(f"Bad {resource} request: {message.rstrip('.')}.", code="network.request.bad")


def router_in_use(router_id: str, reason: str) -> Conflict:
    return Conflict(f"Router {router_id} {reason}", code="network.router.in_use")


def gateway_in_use(router_id: str, network_id: str) -> Conflict:
    return Conflict(
        f"Gateway cannot be updated for router {router_id}, since a gateway to external network "
        f"{network_id} is required by one or more floating IPs.",
        code="network.router.gateway_in_use",
    )


def interface_not_found(router_id: str, port_id: str) -> NotFound:
    return NotFound(
        "router interface",
        port_id,
        code="network.router.interface_not_found",
        message=f"Router {router_id} does not have an interface with id {port_id}",
    )


def no_interface_on_subnet(router_id: str, subnet_id: str) -> NotFound:
    return NotFound(
        "router interface",
        subnet_id,
        code="network.router.interface_not_found_for_subnet",
        message=f"Router {router_id} has no interface on subnet {subnet_id}",
    )


def interface_in_use(router_id: str, subnet_id: str, by: str) -> Conflict:
    """``by``: ``floating IPs`` or ``routes``."""
    condition = "in_use_by_fip" if by == "floating IPs" else "in_use_by_route"
    return Conflict(
        f"Router interface for subnet {subnet_id} on router {router_id} cannot be deleted, as it is "
        f"required by one or more {by}.",
        code=f"network.router.interface_{condition}",
    )


def invalid_routes(routes: Sequence[Any], reason: str) -> BadRequest:
    return BadRequest(
        f"Invalid input for operation: Invalid format for routes: {list(routes)}, {reason}.",
        code="network.router.invalid_routes",
    )


def routes_exhausted(router_id: str, limit: int) -> BadRequest:
    return BadRequest(
        f"Unable to complete operation for {router_id}. The number of routes exceeds the maximum {limit}.",
        code="network.router.routes_exhausted",
    )


def port_in_use(port_id: str, network_id: str, device_id: str) -> Conflict:
    return Conflict(
        f"Unable to complete operation on port {port_id} for network {network_id}. Port already has an "
        f"attached device {device_id}.",
        code="network.port.in_use",
    )


def service_port(port_id: str, device_owner: str) -> Conflict:
    return Conflict(
        f"Port {port_id} cannot be deleted directly via the port API: has device owner {device_owner}.",
        code="network.port.service_port",
    )


def subnet_mismatch(port_id: str, subnet_id: str) -> BadRequest:
    return BadRequest(
        f"Subnet on port {port_id} does not match the requested subnet {subnet_id}.",
        code="network.port.subnet_mismatch",
    )


def unreachable(network_id: str, subnet_id: str, port_id: str) -> NotFound:
    return NotFound(
        "external gateway",
        network_id,
        code="network.floatingip.no_gateway",
        message=f"External network {network_id} is not reachable from subnet {subnet_id}.  Therefore, "
        f"cannot associate Port {port_id} with a Floating IP.",
    )


def fixed_ip_taken(fip: Any, port_id: str, fixed_ip: str) -> Conflict:
    return Conflict(
        f"Cannot associate floating IP {fip.floating_ip_address} ({fip.id}) with port {port_id} using "
        f"fixed IP {fixed_ip}, as that fixed IP already has a floating IP on external network "
        f"{fip.floating_network_id}.",
        code="network.floatingip.port_associated",
    )


def fip_in_use_by_forwarding(fip_id: str) -> Conflict:
    return Conflict(
        f"Floating IP {fip_id} in use by Port Forwarding resources.", code="network.floatingip.forwarded"
    )


def fip_associated(port_id: str) -> Conflict:
    return Conflict(
        f"Unable to complete the operation on port {port_id} because the port still has an associated "
        "floating IP.",
        code="network.port.fip_associated",
    )


def port_has_fip(fip: Any, port_id: str, fixed_ip: str) -> Conflict:
    return Conflict(
        f"Cannot create port forwarding to floating IP {fip.floating_ip_address} ({fip.id}) with port "
        f"{port_id} using fixed IP {fixed_ip}, as that port already has a binding floating IP.",
        code="network.port_forwarding.port_has_fip",
    )
