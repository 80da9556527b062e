"""Reports over the servers' history for operators and billing: what each project's servers
used over a period (Nova's os-simple-tenant-usage), and the migrations that moved servers
between hosts (os-migrations).

Usage follows Nova's arithmetic: a server counts from its launch (not its creation: one that
never launched is not billed) to its termination, clipped to the period, and each of its hours
is charged its flavor's vCPUs, RAM and disk (root + ephemeral) as they were when it was built
or last resized (the server's flavor snapshot).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest
from pocketstack.core.identity.common import utcnow
from pocketstack.store.compute_models import Host, Migration, Server
from pocketstack.store.db import Database


@dataclass(frozen=True)
class ServerUsage:
    server: Server
    hours: float
    started_at: datetime | None
    ended_at: datetime | None
    state: str
    uptime: int  # seconds since launch (to termination for a terminated server)
    flavor_name: str
    vcpus: int
    memory_mb: int
    local_gb: int


@dataclass
class ProjectUsage:
    project_id: str
    start: datetime
    stop: datetime
    total_hours: float = 0.0
    total_vcpus_usage: float = 0.0
    total_memory_mb_usage: float = 0.0
    total_local_gb_usage: float = 0.0
    servers: list[ServerUsage] = field(default_factory=list)

    def add(self, usage: ServerUsage) -> None:
        self.total_hours += usage.hours
        self.total_vcpus_usage += usage.vcpus * usage.hours
        self.total_memory_mb_usage += usage.memory_mb * usage.hours
        self.total_local_gb_usage += usage.local_gb * usage.hours
        self.servers.append(usage)


@dataclass(frozen=True)
class MigrationQuery:
    """Filters of GET /os-migrations, already parsed; ``limit``/``marker`` (a migration uuid)
    page newest first, as Nova does once it pages at all."""

    host: str | None = None
    source_host: str | None = None
    status: str | None = None
    migration_type: str | None = None
    server_id: str | None = None
    user_id: str | None = None
    project_id: str | None = None
    changes_since: datetime | None = None
    changes_before: datetime | None = None
    limit: int | None = None
    marker: str | None = None
    newest_first: bool = False


def _ended(server: Server) -> datetime | None:
    return server.terminated_at or (server.deleted_at if server.deleted else None)


def _hours(launched: datetime | None, ended: datetime | None, start: datetime, stop: datetime) -> float:
    if launched is None or launched > stop or (ended is not None and ended < start):
        return 0.0
    begin, end = max(launched, start), min(stop, ended) if ended is not None else stop
    return max((end - begin).total_seconds(), 0.0) / 3600.0


def _usage(server: Server, start: datetime, stop: datetime, now: datetime) -> ServerUsage:
    flavor = server.flavor or {}
    ended = _ended(server)
    launched = server.launched_at
    uptime = int(((ended or now) - launched).total_seconds()) if launched else 0
    return ServerUsage(
        server=server,
        hours=_hours(launched, ended, start, stop),
        started_at=launched,
        ended_at=ended,
        state="terminated" if ended is not None else server.vm_state,
        uptime=max(uptime, 0),
        flavor_name=str(flavor.get("name", "")),
        vcpus=int(flavor.get("vcpus", 0)),
        memory_mb=int(flavor.get("ram", 0)),
        local_gb=int(flavor.get("disk", 0)) + int(flavor.get("ephemeral", 0)),
    )


class UsageService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def report(
        self,
        start: datetime,
        stop: datetime,
        project_id: str | None = None,
        limit: int | None = None,
        marker: str | None = None,
    ) -> tuple[list[ProjectUsage], list[ServerUsage]]:
        """Usage per project between ``start`` and ``stop`` (naive UTC; a stop in the future
        counts up to now), and the usages of the servers it sums, paged by server over
        (project, server id). BadRequest when start is not before stop or the marker is no
        server."""
        if not start < stop:
            raise BadRequest("Invalid start time. The start time cannot occur after the end time.")
        now = utcnow()
        stop = min(stop, now)
        ended = func.coalesce(Server.terminated_at, Server.deleted_at)
        query = (
            select(Server)
            .where(or_(ended.is_(None), ended > start), Server.launched_at < stop)
            .order_by(Server.project_id, Server.id)
        )
        if project_id is not None:
            query = query.where(Server.project_id == project_id)
        with self.db.read() as s:
            if marker is not None:
                after = s.get(Server, marker)
                if after is None:
                    raise BadRequest(f"Marker {marker} could not be found.")
                query = query.where(
                    or_(
                        Server.project_id > after.project_id,
                        and_(Server.project_id == after.project_id, Server.id > after.id),
                    )
                )
            if limit is not None:
                query = query.limit(limit)
            servers = list(s.scalars(query))
        projects: dict[str, ProjectUsage] = {}
        usages = [_usage(server, start, stop, now) for server in servers]
        for usage in usages:
            pid = usage.server.project_id
            projects.setdefault(pid, ProjectUsage(pid, start, stop)).add(usage)
        return list(projects.values()), usages

    def migrations(self, q: MigrationQuery) -> list[tuple[Migration, str | None]]:
        """Migrations matching ``q``, each with its destination host's address (None when that
        host is gone). BadRequest for an unknown marker."""
        query = select(Migration, Host.host_ip).outerjoin(Host, Host.name == Migration.dest_host)
        if q.host is not None:
            query = query.where(or_(Migration.source_host == q.host, Migration.dest_host == q.host))
        elif q.source_host is not None:
            query = query.where(Migration.source_host == q.source_host)
        for column, value in (
            (Migration.status, q.status),
            (Migration.migration_type, q.migration_type),
            (Migration.server_id, q.server_id),
            (Migration.user_id, q.user_id),
            (Migration.project_id, q.project_id),
        ):
            if value is not None:
                query = query.where(column == value)
        if q.changes_since is not None:
            query = query.where(Migration.updated_at >= q.changes_since)
        if q.changes_before is not None:
            query = query.where(Migration.updated_at <= q.changes_before)
        if q.newest_first:
            query = query.order_by(Migration.created_at.desc(), Migration.id.desc())
        else:
            query = query.order_by(Migration.id)
        with self.db.read() as s:
            if q.marker is not None:
                query = query.where(self._older_than(s, q.marker))
            if q.limit is not None:
                query = query.limit(q.limit)
            return [(m, ip) for m, ip in s.execute(query)]

    @staticmethod
    def _older_than(s: Session, marker: str):  # noqa: ANN205 - a SQL condition
        after = s.scalar(select(Migration).where(Migration.uuid == marker))
        if after is None:
            raise BadRequest(f"Marker {marker} could not be found.")
        return or_(
            Migration.created_at < after.created_at,
            and_(Migration.created_at == after.created_at, Migration.id < after.id),
        )
