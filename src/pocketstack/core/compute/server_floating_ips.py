"""``addFloatingIp`` and ``removeFloatingIp`` (Compute v2.1 up to 2.43), over Neutron as Nova
does them: the floating IP, named by its address, is pointed at one of the server's fixed IPs
(the one asked for, or the first IPv4 one), on the port that holds it; or pointed at nothing.
"""

from __future__ import annotations

import ipaddress

from pocketstack.core.compute.network_proxy import NetworkProxy
from pocketstack.core.compute.proxy_support import fixed_addresses, server_ports
from pocketstack.core.context import RequestContext
from pocketstack.core.errors import BadRequest, Conflict, NotFound, PocketstackError
from pocketstack.core.network.services import NetworkServices


def _bad(message: str) -> BadRequest:
    return BadRequest(message, code="compute.floating_ip.associate_failed")


def _is_ipv4(address: str) -> bool:
    return ipaddress.ip_address(address).version == 4


class ServerFloatingIps:
    def __init__(self, network: NetworkServices) -> None:
        self.ports = network.ports
        self.floating_ips = network.floating_ips
        self.proxy = NetworkProxy(network)

    def add(self, ctx: RequestContext, server_id: str, address: str, fixed_address: str | None) -> None:
        """Associate the floating IP ``address`` with the server. 400 when the server has no
        port or no fixed IP, for a fixed address it does not have, or when the network refuses
        (Nova says why in one message); NotFound for the floating IP."""
        ports = server_ports(self.ports, ctx, server_id)
        if not ports:
            raise _bad("Instance network is not ready yet")
        fixed = fixed_addresses(ports)
        if not fixed:
            raise _bad("No fixed IPs associated to instance")
        if fixed_address is not None and fixed_address not in fixed:
            raise _bad("Specified fixed address not assigned to instance")
        if fixed_address is None:
            fixed_address = next((a for a in fixed if _is_ipv4(a)), None)
            if fixed_address is None:
                raise _bad(
                    f"Unable to associate floating IP {address} to any fixed IPs for instance {server_id}. "
                    "Instance has no fixed IPv4 addresses to associate."
                )
        port_id = next(p.row.id for p in ports if fixed_address in fixed_addresses([p]))
        failed = (
            f"Unable to associate floating IP {address} to fixed IP {fixed_address} for instance {server_id}."
        )
        try:
            fip = self.proxy.by_address(ctx, address)
        except Conflict as exc:
            raise _bad(f"{failed} Error: {exc.message}") from None
        if fip is None:
            raise NotFound(
                "floating IP", address, code="compute.floating_ip.not_found", message="floating IP not found"
            )
        try:
            self.floating_ips.update(
                ctx, fip.row.id, {"fixed_port_id": port_id, "fixed_ip_address": fixed_address}
            )
        except Conflict as exc:  # COMPAT: Nova's FloatingIpAssociateFailed, with Neutron's words
            raise _bad(exc.message) from None
        except PocketstackError as exc:
            raise _bad(f"{failed} Error: {exc.message}") from None

    def remove(self, ctx: RequestContext, server_id: str, address: str) -> None:
        """Disassociate the floating IP ``address`` from the server. NotFound for the floating
        IP; 409 when it is not associated with this server (or there are several)."""
        fip = self.proxy.by_address(ctx, address)
        if fip is None:
            raise NotFound(
                "floating IP",
                address,
                code="compute.floating_ip.not_found",
                message=f"Floating IP not found for address {address}.",
            )
        details = fip.extra.get("port_details") or {}
        if not fip.row.fixed_port_id or details.get("device_id") != server_id:
            raise Conflict(
                f"Floating IP {address} is not associated with instance {server_id}.",
                code="compute.floating_ip.not_associated",
            )
        self.floating_ips.update(ctx, fip.row.id, {"fixed_port_id": None})
