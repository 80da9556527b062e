"""The scheduler: filter hosts, weigh the survivors, and claim one.

Selection works on a cache of every host's free capacity (one per database, shared by the
process), kept in the order of the spreading weigher (most free RAM first), so it looks at the
first hosts that fit, not at every host. What the cache may miss is caught in two ways:

- a claim is written with a generation check: the host row's generation is bumped only if it
  is still the one read (which locks the row, on SQLite the whole database), then its usage is
  read again and the allocation added only if it still fits, so a stale cache (another
  process claimed meanwhile) never over-commits a host, in one process or many; the figures
  read again replace the cached ones;
- what gives capacity back or changes a host (a free, enabling, disabling, forcing down,
  adding or removing a host, a new inventory) also bumps ``placement.hosts_version`` in the
  ``meta`` table (``hosts_changed``), which every selection reads first: a version the cache
  did not see reloads it. This process's own claims and frees are applied to the cache after
  their transaction commits, so a single process never reloads for its own work.
"""

from __future__ import annotations

import bisect
import logging
import threading
import weakref
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from sqlalchemy import Engine, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from pocketstack.core.identity.common import utcnow
from pocketstack.core.placement import dag
from pocketstack.store.compute_models import Allocation, Host, Server
from pocketstack.store.db import Database, after_commit
from pocketstack.store.models import Meta

LOG = logging.getLogger("pocketstack.scheduler")
SHORTLIST = 20  # hosts a claim may try in turn before it gives up
NO_VALID_HOST = "No valid host was found. There are not enough hosts available."
VERSION_KEY = "placement.hosts_version"


# A prometheus Counter of decisions by result, once the API's metrics are set up
# (api/common/metrics.py); None until then, and in a process without them.
DECISIONS: Any = None


def _count_decision(result: str) -> None:
    if DECISIONS is not None:
        DECISIONS.labels(result).inc()


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
    zone: str | None = None  # a placement by name (an availability zone, or a MOVE's target)
    # A placement inside another that the server asked for (``servers.placement_id``, see
    # ``dag.inner_placement``); ``zone``, when set, wins.
    placement_id: str | None = None
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
    schedulable: bool = True  # enabled and not forced down

    def fits(self, r: Resources) -> bool:
        return (
            self.free_vcpus >= r.vcpus
            and self.free_memory_mb >= r.memory_mb
            and self.free_disk_gb >= r.disk_gb
        )

    @property
    def rank(self) -> tuple[float, str, str]:
        """Its place in the spreading order: most free RAM first, then by name."""
        return -self.free_memory_mb, self.name, self.id


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
    s: Session, only_enabled: bool = True, host_ids: list[str] | None = None
) -> Iterator[HostState]:
    """Hosts with their free capacity, most free RAM first."""
    usage, free_vcpus, free_ram, free_disk = _free_columns()
    schedulable = Host.enabled.is_(True) & Host.forced_down.is_(False)
    stmt = select(
        Host.id, Host.name, Host.generation, free_vcpus, free_ram, free_disk, Host.traits, schedulable
    ).outerjoin(usage, usage.c.host_id == Host.id)
    if only_enabled:
        stmt = stmt.where(schedulable)
    if host_ids is not None:
        stmt = stmt.where(Host.id.in_(host_ids))
    stmt = stmt.order_by(free_ram.desc(), Host.name)
    for hid, name, gen, fv, fr, fd, traits, ok in s.execute(stmt):
        yield HostState(hid, name, gen, float(fv), float(fr), float(fd), traits or {}, bool(ok))


@cache
def _one_host_stmt() -> Any:
    """One host with its free capacity, its usage summed over its own allocations only."""
    used = [
        select(func.coalesce(func.sum(column), 0)).where(Allocation.host_id == Host.id).scalar_subquery()
        for column in (Allocation.vcpus, Allocation.memory_mb, Allocation.disk_gb)
    ]
    return select(
        Host.id,
        Host.name,
        Host.generation,
        Host.vcpus * Host.cpu_allocation_ratio - Host.reserved_vcpus - used[0],
        Host.memory_mb * Host.ram_allocation_ratio - Host.reserved_memory_mb - used[1],
        Host.disk_gb * Host.disk_allocation_ratio - Host.reserved_disk_gb - used[2],
        Host.traits,
        Host.enabled.is_(True) & Host.forced_down.is_(False),
    )


@cache
def _host_stmt() -> Any:
    return _one_host_stmt().where(Host.id == bindparam("host_id"))


def host_state(s: Session, host_id: str) -> HostState | None:
    """One host as it is now (enabled or not)."""
    row = s.connection().execute(_host_stmt(), {"host_id": host_id}).one_or_none()
    if row is None:
        return None
    hid, name, gen, fv, fr, fd, traits, ok = row
    return HostState(hid, name, gen, float(fv), float(fr), float(fd), traits or {}, bool(ok))


@cache
def _version_stmt() -> Any:
    return select(Meta.value).where(Meta.key == VERSION_KEY)


def _version(s: Session) -> int:
    value = s.connection().execute(_version_stmt()).scalar()
    return int(value) if value else 0


@cache
def _bump_stmt() -> Any:
    """A claim's generation check: the host's generation rises only from the one read."""
    return (
        update(Host)
        .where(Host.id == bindparam("host_id"), Host.generation == bindparam("seen"))
        .values(generation=Host.generation + 1)
    )


@cache
def _allocate_stmt() -> Any:
    return insert(Allocation).values(
        consumer_id=bindparam("consumer_id"),
        host_id=bindparam("host_id"),
        vcpus=bindparam("p_vcpus"),
        memory_mb=bindparam("p_memory_mb"),
        disk_gb=bindparam("p_disk_gb"),
        created_at=bindparam("now"),
    )


def hosts_changed(s: Session) -> None:
    """Tell every process's host cache to read the hosts again once ``s`` commits: call it in
    any transaction that changes a host's settings, adds or removes a host (frees call it
    themselves). This process's cache is dropped at once."""
    _bump_version(s)
    _caches.pop(_engine_of(s), None)


def _bump_version(s: Session) -> int:
    """The version before the bump (SQLite holds the database, PostgreSQL the row, until the
    transaction ends, so two bumps never read the same one)."""
    row = s.execute(select(Meta.value).where(Meta.key == VERSION_KEY).with_for_update()).scalar()
    before = int(row) if row else 0
    if row is None:
        s.execute(insert(Meta).values(key=VERSION_KEY, value=str(before + 1)))
    else:
        s.execute(
            update(Meta)
            .where(Meta.key == VERSION_KEY)
            .values(value=str(before + 1))
            .execution_options(synchronize_session=False)
        )
    return before


class HostCache:
    """Every host's state as of ``version``, and the schedulable ones in spreading order."""

    def __init__(self, version: int, states: list[HostState]) -> None:
        self.version = version
        self.states = {h.id: h for h in states}
        self.order = sorted(h.rank for h in states if h.schedulable)
        self.lock = threading.Lock()

    def ranked(self) -> Iterator[HostState]:
        for _, _, host_id in self.order:
            yield self.states[host_id]

    def put(self, host: HostState) -> None:
        """Take ``host`` as the host is now, unless the cache knows a later generation."""
        old = self.states.get(host.id)
        if old is not None and old.generation > host.generation:
            return
        if old is not None and old.schedulable:
            index = bisect.bisect_left(self.order, old.rank)
            if index < len(self.order) and self.order[index] == old.rank:
                del self.order[index]
        self.states[host.id] = host
        if host.schedulable:
            bisect.insort(self.order, host.rank)

    def freed(self, before: int, amounts: list[tuple[str, int, Resources]]) -> bool:
        """Apply a free committed by this process (host id, generation before, amount); False
        when the cache missed a change in between and must be reloaded."""
        if self.version != before:
            return False
        for host_id, generation, r in amounts:
            old = self.states.get(host_id)
            if old is None or old.generation != generation:
                return False
            self.put(
                replace(
                    old,
                    generation=generation + 1,
                    free_vcpus=old.free_vcpus + r.vcpus,
                    free_memory_mb=old.free_memory_mb + r.memory_mb,
                    free_disk_gb=old.free_disk_gb + r.disk_gb,
                )
            )
        self.version = before + 1
        return True


# One cache per database (engine) in this process, shared by its schedulers and frees.
_caches: weakref.WeakKeyDictionary[Engine, HostCache] = weakref.WeakKeyDictionary()


def _engine_of(s: Session) -> Engine:
    bind = s.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


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

    @staticmethod
    def hosts(s: Session, *, reload: bool = False) -> HostCache:
        """The host cache of ``s``'s database, reloaded first when ``placement.hosts_version``
        says it is stale (or when asked)."""
        engine = _engine_of(s)
        version = _version(s)
        cached = _caches.get(engine)
        if cached is not None and cached.version == version and not reload:
            return cached
        fresh = HostCache(version, list(host_states(s, only_enabled=False)))
        _caches[engine] = fresh
        return fresh

    def candidates(self, s: Session, spec: RequestSpec, enough: int = SHORTLIST) -> list[HostState]:
        """Hosts that pass every filter, best first. Without a soft group policy (which weighs
        every host) the walk stops after ``enough`` survivors: the cache keeps the hosts in the
        order of the spreading weigher."""
        return self._candidates(s, self.hosts(s), spec, enough)

    def _candidates(self, s: Session, hosts: HostCache, spec: RequestSpec, enough: int) -> list[HostState]:
        inside = None
        if spec.zone:
            inside = dag.hosts_in(s, spec.zone) or set()
        elif spec.placement_id:
            inside = dag.hosts_in_placement(s, spec.placement_id) or set()
        near = _host_names_of(s, spec.same_host) if spec.same_host else None
        far = _host_names_of(s, spec.different_host) if spec.different_host else Counter()
        group_hosts = _host_names_of(s, spec.group_members)
        soft = spec.group_policy in ("soft-affinity", "soft-anti-affinity")
        found: list[HostState] = []
        with hosts.lock:
            for h in hosts.ranked():
                if not h.fits(spec.resources):
                    continue
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
                found.append(h)  # states are replaced, never changed: safe to hand out
                if not soft and len(found) >= enough:
                    break
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
        """Pick a host and write ``consumer_id``'s allocation there, in a transaction of its
        own; returns the host name. See ``claim_in``."""
        with self.db.transaction() as s:
            return self.claim_in(s, consumer_id, spec, server_id)

    def claim_in(self, s: Session, consumer_id: str, spec: RequestSpec, server_id: str | None = None) -> str:
        """Pick a host and write ``consumer_id``'s allocation there inside ``s``'s transaction;
        returns the host name. When ``server_id`` is given, that server's ``host`` is set too,
        so group policies see it at once. Raises NoValidHost; ``s`` may then hold generation
        bumps of hosts that no longer fitted, which tell other claimers to read them again and
        nothing more."""
        hosts = self.hosts(s)
        for attempt in range(2):
            for host in self._candidates(s, hosts, spec, SHORTLIST):
                for _ in range(5):
                    outcome = self._claim_host(s, hosts, host, consumer_id, spec, server_id)
                    if outcome is True:
                        _count_decision("claimed")
                        return host.name
                    if outcome is False:
                        break
                    host = outcome  # the host changed under us: look again with fresh figures
            if attempt == 0:
                hosts = self.hosts(s, reload=True)  # before giving up, with every host read again
        _count_decision("no_valid_host")
        raise NoValidHost()

    def _claim_host(
        self,
        s: Session,
        hosts: HostCache,
        host: HostState,
        consumer_id: str,
        spec: RequestSpec,
        server_id: str | None,
    ) -> bool | HostState:
        conn = s.connection()
        bumped = conn.execute(_bump_stmt(), {"host_id": host.id, "seen": host.generation}).rowcount
        current = host_state(s, host.id)
        if current is None:
            return False
        if not bumped:
            with hosts.lock:
                hosts.put(current)  # committed by someone else: true whatever becomes of ``s``
            return current if current.schedulable and current.fits(spec.resources) else False
        fits = current.schedulable and current.fits(spec.resources)
        if not fits or not self._group_still_ok(s, host.name, spec):
            return False  # the bump stays: it tells others to read the host again, nothing more
        r = spec.resources
        amounts = {"p_vcpus": r.vcpus, "p_memory_mb": r.memory_mb, "p_disk_gb": r.disk_gb}
        conn.execute(
            _allocate_stmt(), {"consumer_id": consumer_id, "host_id": host.id, **amounts, "now": utcnow()}
        )
        if server_id is not None:
            s.execute(
                update(Server)
                .where(Server.id == server_id)
                .values(host=host.name)
                .execution_options(synchronize_session=False)
            )
        claimed = replace(
            current,
            free_vcpus=current.free_vcpus - r.vcpus,
            free_memory_mb=current.free_memory_mb - r.memory_mb,
            free_disk_gb=current.free_disk_gb - r.disk_gb,
        )

        def apply() -> None:
            with hosts.lock:
                hosts.put(claimed)

        after_commit(s, apply)
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
    """Drop every allocation of ``consumer_id`` (bumping the hosts' generations and the hosts
    version, see the module docstring)."""
    held = s.execute(
        select(
            Allocation.host_id, Allocation.vcpus, Allocation.memory_mb, Allocation.disk_gb, Host.generation
        )
        .join(Host, Host.id == Allocation.host_id)
        .where(Allocation.consumer_id == consumer_id)
    ).all()
    if not held:
        return
    s.execute(
        update(Host)
        .where(Host.id.in_([h for h, *_ in held]))
        .values(generation=Host.generation + 1)
        .execution_options(synchronize_session=False)
    )
    s.execute(
        delete(Allocation)
        .where(Allocation.consumer_id == consumer_id)
        .execution_options(synchronize_session=False)
    )
    before = _bump_version(s)
    amounts = [(host_id, generation, Resources(v, m, d)) for host_id, v, m, d, generation in held]
    engine = _engine_of(s)

    def apply() -> None:
        cached = _caches.get(engine)
        if cached is None:
            return
        with cached.lock:
            if cached.freed(before, amounts):
                return
        if _caches.get(engine) is cached:
            del _caches[engine]

    after_commit(s, apply)


def move(s: Session, from_consumer: str, to_consumer: str) -> None:
    """Hand allocations to another consumer (a resize parks the source side on the migration)."""
    s.execute(
        update(Allocation).where(Allocation.consumer_id == from_consumer).values(consumer_id=to_consumer)
    )
