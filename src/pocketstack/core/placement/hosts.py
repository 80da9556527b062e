"""Compute hosts as an operator sees them: each host's capacity and what its servers use, the
compute service on each host (and the control services), and turning a host's service off,
forcing it down or deleting it.

A host is a resource provider and also carries its compute service (``Host.service_id``); the
scheduler skips a host that is disabled or forced down.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest, Conflict, NotFound
from pocketstack.core.identity.common import utcnow
from pocketstack.core.placement import zones
from pocketstack.core.placement.aggregates import forget_host
from pocketstack.store.compute_models import (
    Allocation,
    ControlService,
    Host,
    Migration,
    Server,
)
from pocketstack.store.db import Database

COMPUTE_BINARY = "nova-compute"
# Migration statuses after which a migration holds nothing on its hosts (as Nova counts them).
FINISHED_MIGRATION = ("confirmed", "reverted", "error", "failed", "completed", "cancelled", "done")


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


@dataclass(frozen=True)
class ServiceRecord:
    """A service as os-services lists it. ``host_id`` is set for compute services only."""

    id: str
    binary: str
    host: str
    zone: str
    disabled: bool
    disabled_reason: str | None
    forced_down: bool
    updated_at: datetime | None
    host_id: str | None = None

    @property
    def up(self) -> bool:
        return not self.forced_down


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

    # -- services ------------------------------------------------------------------------------
    def services(self, *, binary: str | None = None, host: str | None = None) -> list[ServiceRecord]:
        """The control services, then one compute service per host (by host name)."""
        found: list[ServiceRecord] = []
        with self.db.read() as s:
            control = select(ControlService).order_by(ControlService.created_at, ControlService.host)
            hosts = select(Host).order_by(Host.name)
            if host:
                control, hosts = control.where(ControlService.host == host), hosts.where(Host.name == host)
            if binary:
                control = control.where(ControlService.binary == binary)
            for svc in s.scalars(control):
                found.append(self._control(svc))
            if not binary or binary == COMPUTE_BINARY:
                rows = list(s.scalars(hosts))
                zone_by_host = zones.zones_of(s)
                found += [self._compute(h, zone_by_host.get(h.id, zones.DEFAULT_ZONE)) for h in rows]
        return found

    @staticmethod
    def _control(svc: ControlService) -> ServiceRecord:
        return ServiceRecord(
            svc.id, svc.binary, svc.host, zones.INTERNAL_ZONE, False, None, False, svc.created_at
        )

    @staticmethod
    def _compute(host: Host, zone: str) -> ServiceRecord:
        return ServiceRecord(
            host.service_id,
            COMPUTE_BINARY,
            host.name,
            zone,
            not host.enabled,
            host.disabled_reason,
            host.forced_down,
            host.updated_at,
            host.id,
        )

    def get_service(self, ident: str | int) -> ServiceRecord:
        """A service by id (or ``short_id``); NotFound otherwise."""
        with self.db.read() as s:
            if isinstance(ident, str):
                host = s.scalar(select(Host).where(Host.service_id == ident))
                control = None if host else s.get(ControlService, ident)
            else:
                prefix = short_prefix(ident) or "-"
                host = s.scalar(select(Host).where(Host.service_id.startswith(prefix)).limit(1))
                control = (
                    None
                    if host
                    else s.scalar(select(ControlService).where(ControlService.id.startswith(prefix)))
                )
            if host is not None:
                return self._compute(host, zones.zone_of(s, host.id))
            if control is not None:
                return self._control(control)
        raise NotFound("service", str(ident), message=f"Service {ident} could not be found.")

    def find_compute_service(self, host_name: str) -> ServiceRecord:
        """The compute service of the host named ``host_name``; NotFound otherwise."""
        with self.db.read() as s:
            host = s.scalar(select(Host).where(Host.name == host_name))
            if host is None:
                raise NotFound(
                    "service",
                    host_name,
                    message=f"Could not find binary {COMPUTE_BINARY} on host {host_name}.",
                )
            return self._compute(host, zones.zone_of(s, host.id))

    def set_service_status(
        self, service_id: str, disabled: bool | None, reason: str | None, forced_down: bool | None
    ) -> ServiceRecord:
        """Enable or disable a compute service (``reason`` is kept only while disabled) and/or
        force it down or up. None leaves that part as it is. NotFound for an unknown service;
        BadRequest for a control service, or for forcing up a host that still has evacuations
        marked ``done`` (its compute service has not restarted since)."""
        with self.db.transaction() as s:
            host = s.scalar(select(Host).where(Host.service_id == service_id))
            if host is None:
                control = s.get(ControlService, service_id)
                if control is None:
                    raise NotFound("service", service_id, message=f"Service {service_id} could not be found.")
                raise BadRequest(
                    f"Updating a {control.binary} service is not supported. "
                    f"Only {COMPUTE_BINARY} services can be updated."
                )
            if disabled is not None:
                host.enabled = not disabled
                host.disabled_reason = reason if disabled else None
            if forced_down is not None:
                if not forced_down:
                    self._check_no_done_evacuations(s, host.name)
                host.forced_down = forced_down
            host.updated_at = utcnow()
            s.flush()
            return self._compute(host, zones.zone_of(s, host.id))

    @staticmethod
    def _check_no_done_evacuations(s: Session, host_name: str) -> None:
        done = s.scalar(
            select(Migration.id)
            .where(
                Migration.source_host == host_name,
                Migration.status == "done",
                Migration.migration_type == "evacuation",
            )
            .limit(1)
        )
        if done is not None:
            raise BadRequest(
                f"Unable to force up host {host_name} as `done` evacuation migration records remain "
                "associated with the host. Ensure the compute service has been restarted, allowing "
                "these records to move to `completed` before retrying this request."
            )

    def delete_service(self, service_id: str) -> None:
        """Delete a service. For a compute service this deletes its host too (inventory,
        placement memberships and aggregate memberships); Conflict while servers are on the host
        or a migration to or from it is under way. A host whose driver still runs comes back
        when pocketstack next starts, as a restarted nova-compute re-registers."""
        with self.db.transaction() as s:
            host = s.scalar(select(Host).where(Host.service_id == service_id))
            if host is None:
                control = s.get(ControlService, service_id)
                if control is None:
                    raise NotFound("service", service_id, message=f"Service {service_id} not found.")
                s.delete(control)
                return
            on_host = select(Server.id).where(Server.host == host.name, Server.deleted == false()).limit(1)
            if s.scalar(on_host) is not None:
                raise Conflict(
                    "Unable to delete compute service that is hosting instances. "
                    "Migrate or delete the instances first."
                )
            moving = select(Migration.id).where(
                or_(Migration.source_host == host.name, Migration.dest_host == host.name),
                Migration.status.not_in(FINISHED_MIGRATION),
            )
            if s.scalar(moving.limit(1)) is not None:
                raise Conflict(
                    "Unable to delete compute service that has in-progress migrations. "
                    "Complete the migrations or delete the instances first."
                )
            forget_host(s, host.name)
            s.delete(host)  # the database cascades to its allocations and placement memberships
