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

Finding the lowest free address costs the same however full the subnet is: this process keeps,
per subnet, a floor below which every pool address is held (``_Floors``), and looks at the
addresses from the floor up a few at a time (one query each). The floor rises when an
allocation commits and falls when a port or address delete commits (seen as the session
flushes them), so a single process hands out exactly the lowest free address; an address
another process freed below the floor is found when the pools run out above it, by one full
read of the subnet, before the subnet is called full.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Engine, Insert, Select, bindparam, event, insert, select
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
from pocketstack.store.db import after_commit
from pocketstack.store.network_models import IpAllocation, Network, Port, Subnet


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
        return list(self.s.scalars(_subnets_stmt(), {"network_id": self.network.id}))

    def allocate(self, claims: Sequence[Claim], *, writing: bool = False) -> None:
        """Hand out every claim (locking the subnets involved first) and insert the rows (as
        rows: the port's own row must be in the database already). ``writing``: the
        transaction has written already, which on SQLite makes it the one writer, so the
        subnets need no lock of their own there."""
        if not (writing and self.s.get_bind().dialect.name == "sqlite"):
            lock_rows(self.s, Subnet, {s.id for c in claims for s in c.subnets})
        rows = [self._claim(c) for c in claims]
        if rows:
            self.s.connection().execute(_insert_stmt(), rows)

    def _claim(self, claim: Claim) -> dict[str, str]:
        for subnet in claim.subnets:
            address = self._address(subnet, claim.ip)
            if address is not None:
                self.claimed.add((subnet.id, address))
                return {
                    "subnet_id": subnet.id,
                    "ip_address": address,
                    "port_id": self.port_id,
                    "network_id": self.network.id,
                }
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
        pools = ipam.pools_of(subnet.allocation_pools)
        gateway = _as_int(version, subnet.gateway_ip) if subnet.gateway_ip else None
        floors = _floors_of(self.s)
        key = (tuple(pools), gateway)
        floor, epoch = floors.get(subnet.id, key)
        mine = {_as_int(version, a) for sid, a in self.claimed if sid == subnet.id}
        found = self._probe(subnet, pools, floor, {gateway, *mine})
        if found is None and floor is not None:
            found = self._scan(subnet, pools, {gateway, *mine})  # what another process freed below
        if found is None:
            return None
        after_commit(self.s, lambda: floors.advance(subnet.id, key, epoch, found + 1))
        return ipam.text(version, found)

    def _probe(
        self, subnet: Subnet, pools: list[ipam.Pool], floor: int | None, skip: set[int | None]
    ) -> int | None:
        """The lowest free address at or above ``floor``, read a window at a time."""
        version, size = subnet.ip_version, 8
        candidates = _addresses(pools, floor, skip)
        while True:
            window = [a for _, a in zip(range(size), candidates, strict=False)]
            if not window:
                return None
            texts = {ipam.text(version, a): a for a in window}
            params = {"subnet_id": subnet.id, "candidates": list(texts)}
            held = self.s.connection().execute(_held_stmt(), params).scalars()
            taken = {texts[a] for a in held if a in texts}
            free = next((a for a in window if a not in taken), None)
            if free is not None:
                return free
            size = min(size * 8, 512)

    def _scan(self, subnet: Subnet, pools: list[ipam.Pool], skip: set[int | None]) -> int | None:
        """The lowest free address of the pools, from every address held: the last resort."""
        version = subnet.ip_version
        held = self.s.scalars(select(IpAllocation.ip_address).where(IpAllocation.subnet_id == subnet.id))
        taken = {_as_int(version, a) for a in held} | {a for a in skip if a is not None}
        return ipam.first_free(pools, taken)


@cache
def _subnets_stmt() -> Select[Any]:
    return (
        select(Subnet)
        .where(Subnet.network_id == bindparam("network_id"))
        .order_by(Subnet.created_at, Subnet.id)
    )


@cache
def _insert_stmt() -> Insert:
    return insert(IpAllocation)


@cache
def _held_stmt() -> Select[Any]:
    """Which of the ``candidates`` addresses of the subnet are held."""
    return select(IpAllocation.ip_address).where(
        IpAllocation.subnet_id == bindparam("subnet_id"),
        IpAllocation.ip_address.in_(bindparam("candidates", expanding=True)),
    )


def _addresses(pools: list[ipam.Pool], floor: int | None, skip: set[int | None]) -> Iterator[int]:
    """Every pool address from ``floor`` up, lowest first, but those in ``skip``."""
    for first, last in pools:
        candidate = first if floor is None else max(first, floor)
        while candidate <= last:
            if candidate not in skip:
                yield candidate
            candidate += 1


@dataclass
class _Floors:
    """Per subnet: the lowest pool address that may be free, valid for the pools and gateway
    it was found with, and an epoch that every free raises (a rise of the floor decided before
    a free committed is dropped)."""

    floors: dict[str, tuple[Any, int]] = field(default_factory=dict)
    epochs: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, subnet_id: str, key: Any) -> tuple[int | None, int]:
        with self.lock:
            epoch = self.epochs.get(subnet_id, 0)
            known = self.floors.get(subnet_id)
            return (known[1] if known is not None and known[0] == key else None), epoch

    def advance(self, subnet_id: str, key: Any, epoch: int, floor: int) -> None:
        with self.lock:
            if self.epochs.get(subnet_id, 0) != epoch:
                return
            known = self.floors.get(subnet_id)
            if known is None or known[0] != key or known[1] < floor:
                self.floors[subnet_id] = (key, floor)

    def freed(self, addresses: list[tuple[str, str, int]]) -> None:
        """(subnet id, address, IP version) given back."""
        with self.lock:
            for subnet_id, address, version in addresses:
                self.epochs[subnet_id] = self.epochs.get(subnet_id, 0) + 1
                known = self.floors.get(subnet_id)
                if known is not None:
                    self.floors[subnet_id] = (known[0], min(known[1], _as_int(version, address)))


# Per database (engine) in this process.
_floors: weakref.WeakKeyDictionary[Engine, _Floors] = weakref.WeakKeyDictionary()
_floors_lock = threading.Lock()


def _engine_of(s: Session) -> Engine:
    bind = s.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def _floors_of(s: Session) -> _Floors:
    engine = _engine_of(s)
    with _floors_lock:
        found = _floors.get(engine)
        if found is None:
            found = _floors[engine] = _Floors()
        return found


@event.listens_for(Session, "before_flush")
def _note_frees(s: Session, _context: Any, _instances: Any) -> None:
    """Addresses a flush gives back (deleted addresses, and those of deleted ports, which the
    database deletes with them) lower their subnets' floors once the transaction commits."""
    if not s.deleted:
        return
    freed = [(a.subnet_id, a.ip_address) for a in s.deleted if isinstance(a, IpAllocation)]
    ports = [p.id for p in s.deleted if isinstance(p, Port)]
    if ports:
        with s.no_autoflush:
            held = s.execute(
                select(IpAllocation.subnet_id, IpAllocation.ip_address).where(IpAllocation.port_id.in_(ports))
            )
            freed.extend((subnet_id, address) for subnet_id, address in held)
    if freed:
        floors = _floors_of(s)
        addresses = [(sid, a, 6 if ":" in a else 4) for sid, a in freed]
        after_commit(s, lambda: floors.freed(addresses))
