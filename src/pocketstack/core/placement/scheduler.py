"""The scheduler: filter hosts, weigh the survivors, and claim one.

Selection reads every host with its usage in two queries and filters in memory, so its cost
grows linearly with the number of hosts (bench/scheduler.py measures it). A claim is written
with a generation check: the host row's generation is bumped first (which locks it, on SQLite
the whole database), then its usage is read again and the allocation added only if it still
fits, so concurrent claims never over-commit a host, in one process or many.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from pocketstack.core.identity.common import utcnow
from pocketstack.core.placement import dag
from pocketstack.store.compute_models import Allocation, Host, Server
from pocketstack.store.db import Database

LOG = logging.getLogger("pocketstack.scheduler")
SHORTLIST = 20  # hosts a claim may try in turn before it gives up
NO_VALID_HOST = "No valid host was found. There are not enough hosts available."


class _NoLongerFits(Exception):
    pass


class NoValidHost(Exception):
    def __init__(self, reason: str = "") -> None:
        super().__init__(NO_VALID_HOST + (f" ({reason})" if reason else ""))


@dataclass
class Resources:
    vcpus: int
    memory_mb: int
    disk_gb: int


@dataclass
class RequestSpec:
    """What a server needs from a host."""

    resources: Resources
    zone: str | None = None
    force_host: str | None = None
    exclude_hosts: set[str] = field(default_factory=set)
    group_policy: str | None = None
    group_members: list[str] = field(default_factory=list)
    max_per_host: int = 1
    same_host: list[str] = field(default_factory=list)
    different_host: list[str] = field(default_factory=list)
    image_properties: dict[str, Any] = field(default_factory=dict)
    extra_specs: dict[str, Any] = field(default_factory=dict)


@dataclass
class HostState:
    id: str
    name: str
    generation: int
    free_vcpus: float
    free_memory_mb: float
    free_disk_gb: float
    traits: dict[str, Any]

    def fits(self, r: Resources) -> bool:
        return (
            self.free_vcpus >= r.vcpus
            and self.free_memory_mb >= r.memory_mb
            and self.free_disk_gb >= r.disk_gb
        )


@cache
def _free_columns() -> tuple[Any, Any, Any, Any]:
    """The free capacity of each host, computed in SQL against its summed allocations (built
    once: these expressions are immutable and building them costs more than running them)."""
    usage = (
        select(
            Allocation.host_id.label("host_id"),
            func.sum(Allocation.vcpus).label("vcpus"),
            func.sum(Allocation.memory_mb).label("memory_mb"),
            func.sum(Allocation.disk_gb).label("disk_gb"),
        )
        .group_by(Allocation.host_id)
        .subquery()
    )
    free_vcpus = (
        Host.vcpus * Host.cpu_allocation_ratio - Host.reserved_vcpus - func.coalesce(usage.c.vcpus, 0)
    )
    free_ram = (
        Host.memory_mb * Host.ram_allocation_ratio
        - Host.reserved_memory_mb
        - func.coalesce(usage.c.memory_mb, 0)
    )
    free_disk = (
        Host.disk_gb * Host.disk_allocation_ratio - Host.reserved_disk_gb - func.coalesce(usage.c.disk_gb, 0)
    )
    return usage, free_vcpus, free_ram, free_disk


def host_states(
    s: Session,
    only_enabled: bool = True,
    host_ids: list[str] | None = None,
    fitting: Resources | None = None,
) -> Iterator[HostState]:
    """Hosts with their free capacity, most free RAM first; with ``fitting``, only the hosts
    with room for it (the capacity filter runs in the database)."""
    usage, free_vcpus, free_ram, free_disk = _free_columns()
    stmt = select(
        Host.id, Host.name, Host.generation, free_vcpus, free_ram, free_disk, Host.traits
    ).outerjoin(usage, usage.c.host_id == Host.id)
    if only_enabled:
        stmt = stmt.where(Host.enabled.is_(True), Host.forced_down.is_(False))
    if host_ids is not None:
        stmt = stmt.where(Host.id.in_(host_ids))
    if fitting is not None:
        stmt = stmt.where(
            free_vcpus >= fitting.vcpus, free_ram >= fitting.memory_mb, free_disk >= fitting.disk_gb
        )
    stmt = stmt.order_by(free_ram.desc(), Host.name)
    result = s.execute(stmt.execution_options(yield_per=200))
    try:
        for hid, name, gen, fv, fr, fd, traits in result:
            yield HostState(hid, name, gen, float(fv), float(fr), float(fd), traits or {})
    finally:
        result.close()  # a walk stopped early must not leave a cursor (and SQLite's lock) open


def _host_names_of(s: Session, server_ids: list[str]) -> Counter[str]:
    if not server_ids:
        return Counter()
    rows = s.execute(select(Server.host).where(Server.id.in_(server_ids), Server.deleted.is_(False)))
    return Counter(h for h in rows.scalars() if h)


def _properties_match(host: HostState, spec: RequestSpec) -> bool:
    """Image properties (architecture, hypervisor type) and flavor ``capabilities:`` extra
    specs must agree with what the host reports."""
    wanted = {
        "architecture": spec.image_properties.get("hw_architecture")
        or spec.image_properties.get("architecture"),
        "hypervisor_type": spec.image_properties.get("img_hv_type")
        or spec.image_properties.get("hypervisor_type"),
    }
    for key, value in spec.extra_specs.items():
        if key.startswith("capabilities:"):
            wanted[key.split(":", 1)[1]] = value
    return all(v is None or str(host.traits.get(k, "")).lower() == str(v).lower() for k, v in wanted.items())


class Scheduler:
    def __init__(self, db: Database) -> None:
        self.db = db

    def candidates(self, s: Session, spec: RequestSpec, enough: int = SHORTLIST) -> list[HostState]:
        """Hosts that pass every filter, best first. Without a soft group policy (which weighs
        every host) the walk stops after ``enough`` survivors: the database already returns
        the hosts with room, ordered by the spreading weigher."""
        inside = (dag.hosts_in(s, spec.zone) or set()) if spec.zone else None
        near = _host_names_of(s, spec.same_host) if spec.same_host else None
        far = _host_names_of(s, spec.different_host) if spec.different_host else Counter()
        group_hosts = _host_names_of(s, spec.group_members)
        soft = spec.group_policy in ("soft-affinity", "soft-anti-affinity")
        found: list[HostState] = []
        hosts = host_states(s, fitting=spec.resources)
        for h in hosts:
            if spec.force_host and h.name != spec.force_host:
                continue
            if inside is not None and h.id not in inside:
                continue
            if h.name in spec.exclude_hosts or h.name in far or (near is not None and h.name not in near):
                continue
            if not _properties_match(h, spec):
                continue
            if spec.group_policy == "affinity" and group_hosts and h.name not in group_hosts:
                continue
            if spec.group_policy == "anti-affinity" and group_hosts[h.name] >= spec.max_per_host:
                continue
            found.append(h)
            if not soft and len(found) >= enough:
                break
        hosts.close()
        return sorted(found, key=lambda h: self._weight(h, spec, group_hosts), reverse=True)

    @staticmethod
    def _weight(host: HostState, spec: RequestSpec, group_hosts: Counter[str]) -> tuple[float, float]:
        """Spread by default (most free RAM first); soft group policies come first."""
        soft = 0.0
        if spec.group_policy == "soft-affinity":
            soft = group_hosts[host.name]
        elif spec.group_policy == "soft-anti-affinity":
            soft = -group_hosts[host.name]
        return soft, host.free_memory_mb

    def claim(self, consumer_id: str, spec: RequestSpec, server_id: str | None = None) -> str:
        """Pick a host and write ``consumer_id``'s allocation there; returns the host name.
        When ``server_id`` is given, that server's ``host`` is set in the same transaction,
        so group policies see it at once. Raises NoValidHost."""
        with self.db.read() as s:
            hosts = self.candidates(s, spec)
        for host in hosts:
            for _ in range(5):
                outcome = self._try_claim(host, consumer_id, spec, server_id)
                if outcome is True:
                    return host.name
                if outcome is False:
                    break
                host = outcome  # the host changed under us: look again with fresh figures
        raise NoValidHost()

    def _try_claim(
        self, host: HostState, consumer_id: str, spec: RequestSpec, server_id: str | None
    ) -> bool | HostState:
        try:
            return self._claim_in_transaction(host, consumer_id, spec, server_id)
        except _NoLongerFits:
            return False

    def _claim_in_transaction(
        self, host: HostState, consumer_id: str, spec: RequestSpec, server_id: str | None
    ) -> bool | HostState:
        with self.db.transaction() as s:
            bumped = s.execute(
                update(Host)
                .where(Host.id == host.id, Host.generation == host.generation)
                .values(generation=Host.generation + 1)
            ).rowcount
            if not bumped:
                fresh = list(host_states(s, host_ids=[host.id]))
                return fresh[0] if fresh and fresh[0].fits(spec.resources) else False
            current = list(host_states(s, only_enabled=False, host_ids=[host.id]))[0]
            if not current.fits(spec.resources) or not self._group_still_ok(s, host.name, spec):
                raise _NoLongerFits  # rolls the generation bump back
            r = spec.resources
            s.add(
                Allocation(
                    consumer_id=consumer_id,
                    host_id=host.id,
                    vcpus=r.vcpus,
                    memory_mb=r.memory_mb,
                    disk_gb=r.disk_gb,
                    created_at=utcnow(),
                )
            )
            if server_id is not None:
                s.execute(update(Server).where(Server.id == server_id).values(host=host.name))
            return True

    @staticmethod
    def _group_still_ok(s: Session, host_name: str, spec: RequestSpec) -> bool:
        """The late group check, under the host's lock: members placed since selection count."""
        if spec.group_policy not in ("affinity", "anti-affinity"):
            return True
        placed = _host_names_of(s, spec.group_members)
        if spec.group_policy == "anti-affinity":
            return placed[host_name] < spec.max_per_host
        return not placed or host_name in placed


def free(s: Session, consumer_id: str) -> None:
    """Drop every allocation of ``consumer_id`` (bumping the hosts' generations)."""
    host_ids = list(s.scalars(select(Allocation.host_id).where(Allocation.consumer_id == consumer_id)))
    if not host_ids:
        return
    s.execute(update(Host).where(Host.id.in_(host_ids)).values(generation=Host.generation + 1))
    s.query(Allocation).filter(Allocation.consumer_id == consumer_id).delete()


def move(s: Session, from_consumer: str, to_consumer: str) -> None:
    """Hand allocations to another consumer (a resize parks the source side on the migration)."""
    s.execute(
        update(Allocation).where(Allocation.consumer_id == from_consumer).values(consumer_id=to_consumer)
    )
