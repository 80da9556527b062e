"""Handing out a port's fixed IPs.

No address is ever held twice: each held address is a row of ``ip_allocations``, whose primary
key is (subnet, address). Allocation happens with the subnets locked (``SELECT ... FOR UPDATE``
on PostgreSQL; SQLite lets one writer in at a time), so concurrent creates queue per subnet and
each sees what the previous one took; should anything slip past the lock (another process on
SQLite, a racing explicit request), the insert violates the key and the whole transaction is
run again (``common.retrying``). The gateway, the network address and the IPv4 broadcast
address are never handed out; automatic addresses come from the allocation pools, lowest first.

With no ``fixed_ips`` requested a port gets one IPv4 address (from the first subnet with room,
in creation order), one address from the first stateful IPv6 subnet, and its EUI-64 address on
every SLAAC / DHCPv6-stateless subnet. Subnets with ``service_types`` serve only ports whose
device_owner is listed; others take the subnets without service types.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.network import ipam
from pocketstack.core.network.common import lock_rows
from pocketstack.core.network.errors import (
    invalid,
    invalid_ip_for_network,
    invalid_ip_for_subnet,
    ip_already_allocated,
    ip_generation_failure,
)
from pocketstack.core.network.subnet_rules import ROUTER_OWNERS
from pocketstack.store.network_models import IpAllocation, Network, Subnet


@dataclass
class Claim:
    """One address to hand out: from the first of ``subnets`` with room, or exactly ``ip``."""

    subnets: list[Subnet]
    ip: str | None = None


def _auto_address(subnet: Subnet) -> bool:
    return subnet.ip_version == 6 and subnet.ipv6_address_mode in ipam.AUTO_ADDRESS_MODES


def _serving(subnets: Sequence[Subnet], device_owner: str) -> list[Subnet]:
    typed = [s for s in subnets if device_owner and device_owner in (s.service_types or [])]
    return typed or [s for s in subnets if not s.service_types]


def plan_automatic(subnets: Sequence[Subnet], device_owner: str) -> list[Claim]:
    serving = _serving(subnets, device_owner)
    claims = [Claim([s]) for s in serving if _auto_address(s)]
    for version in (4, 6):
        stateful = [s for s in serving if s.ip_version == version and not _auto_address(s)]
        if stateful:
            claims.append(Claim(stateful))
    return claims


def plan_requested(
    network: Network, subnets: Sequence[Subnet], requests: Sequence[dict[str, str]]
) -> list[Claim]:
    by_id = {s.id: s for s in subnets}
    claims = []
    for request in requests:
        ip = request.get("ip_address")
        if "subnet_id" in request:
            subnet = by_id.get(request["subnet_id"])
            if subnet is None:
                raise invalid(
                    f"Failed to create port on network {network.id}, because fixed_ips included invalid "
                    f"subnet {request['subnet_id']}"
                )
        else:
            subnet = next(
                (s for s in subnets if ipaddress.ip_address(ip) in ipaddress.ip_network(s.cidr)), None
            )
            if subnet is None:
                raise invalid_ip_for_network(str(ip))
        if ip is not None and _auto_address(subnet):
            raise invalid(
                f"IPv6 address {ip} cannot be directly assigned to a port on subnet {subnet.id} since the "
                "subnet is configured for automatic addresses"
            )
        claims.append(Claim([subnet], ip))
    return claims


def _as_int(version: int, address: str) -> int:
    family = socket.AF_INET if version == 4 else socket.AF_INET6
    return int.from_bytes(socket.inet_pton(family, address))  # far quicker than ipaddress


class Allocator:
    """Claims addresses for one port inside the caller's transaction."""

    def __init__(self, s: Session, network: Network, port_id: str, mac: str, device_owner: str) -> None:
        self.s = s
        self.network = network
        self.port_id = port_id
        self.mac = mac
        self.device_owner = device_owner
        self.claimed: set[tuple[str, str]] = set()

    def subnets(self) -> list[Subnet]:
        stmt = (
            select(Subnet).where(Subnet.network_id == self.network.id).order_by(Subnet.created_at, Subnet.id)
        )
        return list(self.s.scalars(stmt))

    def allocate(self, claims: Sequence[Claim]) -> list[IpAllocation]:
        """Hand out every claim (locking the subnets involved first) and add the rows."""
        lock_rows(self.s, Subnet, {s.id for c in claims for s in c.subnets})
        rows = [self._claim(c) for c in claims]
        self.s.flush()
        return rows

    def _claim(self, claim: Claim) -> IpAllocation:
        for subnet in claim.subnets:
            address = self._address(subnet, claim.ip)
            if address is not None:
                self.claimed.add((subnet.id, address))
                row = IpAllocation(
                    subnet_id=subnet.id, ip_address=address, port_id=self.port_id, network_id=self.network.id
                )
                self.s.add(row)
                return row
        # COMPAT: Neutron answers IpAddressGenerationFailure naming the network.
        raise ip_generation_failure(self.network.id)

    def _taken(self, subnet: Subnet, address: str) -> bool:
        return (subnet.id, address) in self.claimed or self.s.get(
            IpAllocation, (subnet.id, address)
        ) is not None

    def _address(self, subnet: Subnet, ip: str | None) -> str | None:
        net = ipaddress.ip_network(subnet.cidr)
        if _auto_address(subnet):
            address = str(ipam.eui64(net, self.mac))
        elif ip is not None:
            address = str(ipaddress.ip_address(ip))
            parsed = ipaddress.ip_address(address)
            if not ipam.is_usable(net, parsed):
                raise invalid_ip_for_subnet(address, subnet.id)
            if address == subnet.gateway_ip and self.device_owner not in ROUTER_OWNERS:
                raise ip_already_allocated(address, subnet.id)
        else:
            return self._free(subnet)
        if self._taken(subnet, address):
            raise ip_already_allocated(address, subnet.id)
        return address

    def _free(self, subnet: Subnet) -> str | None:
        """The lowest free address of the subnet's pools, or None when it is full."""
        version = subnet.ip_version
        held = self.s.scalars(select(IpAllocation.ip_address).where(IpAllocation.subnet_id == subnet.id))
        taken = {_as_int(version, a) for a in held}
        taken |= {_as_int(version, a) for sid, a in self.claimed if sid == subnet.id}
        if subnet.gateway_ip:
            taken.add(_as_int(version, subnet.gateway_ip))
        found = ipam.first_free(ipam.pools_of(subnet.allocation_pools), taken)
        return None if found is None else ipam.text(version, found)
