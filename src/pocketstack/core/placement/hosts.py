"""Compute hosts as an operator sees them: each host's capacity and what its servers use.
Their services (enable, disable, force down, delete) are in ``services.py``.

A host is a resource provider and also carries its compute service (``Host.service_id``); the
scheduler skips a host that is disabled or forced down.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest, NotFound
from pocketstack.store.compute_models import (
    Allocation,
    Host,
    Server,
)
from pocketstack.store.db import Database


@dataclass(frozen=True)
class HostRecord:
    """A host with the sums of its allocations and the count of its servers (``busy``: those
    with a task under way)."""

    host: Host
    vcpus_used: int = 0
    allocated_memory_mb: int = 0
    allocated_disk_gb: int = 0
    servers: int = 0
    busy: int = 0

    @property
    def memory_mb_used(self) -> int:
        return self.host.reserved_memory_mb + self.allocated_memory_mb

    @property
    def disk_gb_used(self) -> int:
        return self.host.reserved_disk_gb + self.allocated_disk_gb

    @property
    def free_memory_mb(self) -> int:
        return self.host.memory_mb - self.memory_mb_used

    @property
    def free_disk_gb(self) -> int:
        return self.host.disk_gb - self.disk_gb_used


def short_id(ident: str) -> int:
    """COMPAT: below microversion 2.53 Nova names hypervisors and services by integer. Ours are
    UUIDs; their first 48 bits (12 hex digits) serve as that integer: stable for the life of the
    row, in the same order as the UUIDs, and found again with an indexed prefix match."""
    return int(ident.replace("-", "")[:12], 16)


def short_prefix(number: int) -> str | None:
    """The UUID prefix a ``short_id`` stands for; None when no UUID could give it."""
    if not 0 <= number < 16**12:
        return None
    digits = f"{number:012x}"
    return f"{digits[:8]}-{digits[8:]}"


def _records(s: Session, query) -> list[HostRecord]:  # noqa: ANN001 - a Select of Host
    """Hosts of ``query`` with their usage, in one statement (grouped subqueries joined in)."""
    alloc = (
        select(
            Allocation.host_id,
            func.sum(Allocation.vcpus).label("vcpus"),
            func.sum(Allocation.memory_mb).label("memory_mb"),
            func.sum(Allocation.disk_gb).label("disk_gb"),
        )
        .group_by(Allocation.host_id)
        .subquery()
    )
    servers = (
        select(Server.host, func.count().label("servers"), func.count(Server.task_state).label("busy"))
        .where(Server.deleted == false(), Server.host.is_not(None))
        .group_by(Server.host)
        .subquery()
    )
    stmt = (
        query.add_columns(
            alloc.c.vcpus, alloc.c.memory_mb, alloc.c.disk_gb, servers.c.servers, servers.c.busy
        )
        .outerjoin(alloc, alloc.c.host_id == Host.id)
        .outerjoin(servers, servers.c.host == Host.name)
    )
    return [HostRecord(row[0], *(int(v or 0) for v in row[1:])) for row in s.execute(stmt)]


def uptime() -> str | None:
    """The ``uptime(1)``-style line of the machine that runs this cloud's hosts, or None where
    the system does not say. COMPAT: every host answers the same (they all run in this process
    today), and the user count, which a service has no use for, is always 0."""
    try:
        seconds = float(Path("/proc/uptime").read_text().split()[0])
        load = os.getloadavg()
    except (OSError, ValueError, IndexError):
        return None
    days, rest = divmod(int(seconds), 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    since = (
        f"{days} day{'s' if days != 1 else ''}, {hours:2d}:{minutes:02d}"
        if days
        else f"{hours:2d}:{minutes:02d}"
    )
    averages = ", ".join(f"{x:.2f}" for x in load)
    return f" {datetime.now():%H:%M:%S} up {since},  0 users,  load average: {averages}"


class HostService:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- hosts ---------------------------------------------------------------------------------
    def list(
        self, *, limit: int | None = None, marker: str | int | None = None, pattern: str | None = None
    ) -> list[HostRecord]:
        """Hosts in id order with their usage. ``marker`` is a host id (or its ``short_id``);
        ``pattern`` keeps hosts whose name contains it. BadRequest for an unknown marker."""
        query = select(Host).order_by(Host.id)
        if pattern is not None:
            query = query.where(Host.name.contains(pattern, autoescape=True))
        with self.db.read() as s:
            if marker is not None:
                after = self._find(s, marker)
                if after is None:
                    raise BadRequest(f"marker [{marker}] not found")
                query = query.where(Host.id > after.id)
            if limit is not None:
                query = query.limit(limit)
            return _records(s, query)

    def get(self, ident: str | int) -> HostRecord:
        """One host by id (or ``short_id``); NotFound otherwise."""
        with self.db.read() as s:
            host = self._find(s, ident)
            if host is None:
                raise NotFound(
                    "hypervisor", str(ident), message=f"Hypervisor with ID '{ident}' could not be found."
                )
            return _records(s, select(Host).where(Host.id == host.id))[0]

    def find(self, host_id: str) -> HostRecord | None:
        """One host by id with its usage, or None."""
        with self.db.read() as s:
            found = _records(s, select(Host).where(Host.id == host_id))
            return found[0] if found else None

    @staticmethod
    def _find(s: Session, ident: str | int) -> Host | None:
        if isinstance(ident, str):
            return s.get(Host, ident)
        prefix = short_prefix(ident)
        return None if prefix is None else s.scalar(select(Host).where(Host.id.startswith(prefix)).limit(1))

    def servers_on(self, host_names: list[str]) -> dict[str, list[tuple[str, str]]]:
        """Host name -> (server id, server name) of the servers on it, oldest first."""
        found: dict[str, list[tuple[str, str]]] = {name: [] for name in host_names}
        with self.db.read() as s:
            rows = s.execute(
                select(Server.host, Server.id, Server.name)
                .where(Server.deleted == false(), Server.host.in_(host_names))
                .order_by(Server.created_at, Server.id)
            )
            for host, server_id, name in rows:
                found[host].append((server_id, name))
        return found

    def statistics(self) -> tuple[int, HostRecord]:
        """How many hosts are enabled, and their capacities and usage summed into one record."""
        with self.db.read() as s:
            records = _records(s, select(Host).where(Host.enabled.is_(True)))
        total = Host(
            vcpus=sum(r.host.vcpus for r in records),
            memory_mb=sum(r.host.memory_mb for r in records),
            disk_gb=sum(r.host.disk_gb for r in records),
            reserved_memory_mb=sum(r.host.reserved_memory_mb for r in records),
            reserved_disk_gb=sum(r.host.reserved_disk_gb for r in records),
        )
        summed = HostRecord(
            total,
            sum(r.vcpus_used for r in records),
            sum(r.allocated_memory_mb for r in records),
            sum(r.allocated_disk_gb for r in records),
            sum(r.servers for r in records),
            sum(r.busy for r in records),
        )
        return len(records), summed
