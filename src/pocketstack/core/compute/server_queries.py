"""Listing servers: filters, sorting and marker paging, and the per-page facts views need
(zones, host states, tags) read in a few queries for the whole page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.compute import states
from pocketstack.core.compute.servers import tags_of
from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.errors import BadRequest
from pocketstack.core.placement import dag
from pocketstack.store.compute_models import Host, Server, ServerGroupMember
from pocketstack.store.db import Database

SORT_KEYS = {
    "created_at": Server.created_at,
    "updated_at": Server.updated_at,
    "display_name": Server.name,
    "name": Server.name,
    "uuid": Server.id,
    "vm_state": Server.vm_state,
    "task_state": Server.task_state,
    "power_state": Server.power_state,
    "host": Server.host,
    "image_ref": Server.image_id,
    "flavor_id": Server.flavor_id,
    "launched_at": Server.launched_at,
    "terminated_at": Server.terminated_at,
    "availability_zone": Server.requested_zone,
    "key_name": Server.key_name,
    "locked": Server.locked,
    "project_id": Server.project_id,
    "user_id": Server.user_id,
    "hostname": Server.hostname,
}


@dataclass
class ServerQuery:
    all_projects: bool = False
    project_id: str | None = None
    user_id: str | None = None
    name: str | None = None
    status: str | None = None
    image: str | None = None
    flavor: str | None = None
    host: str | None = None
    ip: str | None = None
    ip6: str | None = None
    reservation_id: str | None = None
    changes_since: datetime | None = None
    changes_before: datetime | None = None
    locked: bool | None = None
    deleted: bool = False
    zone: str | None = None
    tags: list[str] = field(default_factory=list)
    tags_any: list[str] = field(default_factory=list)
    not_tags: list[str] = field(default_factory=list)
    not_tags_any: list[str] = field(default_factory=list)
    sort: list[tuple[str, str]] = field(default_factory=list)
    limit: int | None = None
    marker: str | None = None


@dataclass
class PageFacts:
    zones: dict[str, str]  # host name -> zone
    host_status: dict[str, str]
    tags: dict[str, list[str]]
    groups: dict[str, list[str]]


def _regex(value: str, what: str) -> re.Pattern[str]:
    try:
        return re.compile(value)
    except re.error:
        raise BadRequest(f"Invalid regular expression for {what}: {value!r}.") from None


class ServerLister:
    def __init__(self, db: Database) -> None:
        self.db = db

    def list(self, ctx: RequestContext, q: ServerQuery) -> tuple[list[Server], PageFacts]:
        """The page of whole servers and the facts their views need."""
        with self.db.read() as s:
            ids = [r.id for r in self._matching(s, ctx, q, (Server.id,))]
            loaded = {sv.id: sv for sv in s.scalars(select(Server).where(Server.id.in_(ids)))} if ids else {}
            servers = [loaded[i] for i in ids]
            return servers, self.facts(s, servers)

    def list_names(self, ctx: RequestContext, q: ServerQuery) -> list[Any]:
        """The page as (id, name) rows: all the summary list shows."""
        with self.db.read() as s:
            return self._matching(s, ctx, q, (Server.id, Server.name))

    def _matching(
        self, s: Session, ctx: RequestContext, q: ServerQuery, wanted: tuple[Any, ...]
    ) -> list[Any]:
        """Filter and page on light rows. Without filters that need Python (regexes, tags,
        zones, task-dependent statuses) or a marker, the database pages by itself."""
        in_python = bool(q.name or q.ip or q.ip6 or q.zone or q.status or q.tags or q.tags_any)
        in_python = in_python or bool(q.not_tags or q.not_tags_any)
        columns = list(wanted)
        if in_python:
            columns = [Server.id, Server.name, Server.vm_state, Server.task_state, Server.host]
            if q.ip or q.ip6:
                columns.append(Server.addresses)
        stmt = select(*columns)
        if not (q.all_projects and is_admin(ctx)):
            stmt = stmt.where(Server.project_id == ctx.project_id)
        elif q.project_id:
            stmt = stmt.where(Server.project_id == q.project_id)
        if q.changes_since is None and not q.deleted:
            stmt = stmt.where(Server.deleted.is_(False))
        elif q.deleted and not q.changes_since:
            stmt = stmt.where(Server.deleted.is_(True))
        stmt = self._simple_filters(stmt, q).order_by(*self._order(q))
        if not in_python and q.marker is None and q.limit is not None:
            return list(s.execute(stmt.limit(q.limit)))
        return self._page(self._python_filters(s, list(s.execute(stmt)), q), q)

    @staticmethod
    def _simple_filters(stmt: Any, q: ServerQuery) -> Any:
        if q.user_id:
            stmt = stmt.where(Server.user_id == q.user_id)
        if q.image:
            stmt = stmt.where(Server.image_id == q.image.rsplit("/", 1)[-1])
        if q.flavor:
            stmt = stmt.where(Server.flavor_id == q.flavor.rsplit("/", 1)[-1])
        if q.host:
            stmt = stmt.where(Server.host == q.host)
        if q.reservation_id:
            stmt = stmt.where(Server.reservation_id == q.reservation_id)
        if q.changes_since:
            stmt = stmt.where(Server.updated_at >= q.changes_since)
        if q.changes_before:
            stmt = stmt.where(Server.updated_at <= q.changes_before)
        if q.locked is not None:
            stmt = stmt.where(Server.locked.is_(q.locked))
        if q.status:
            pairs = states.vm_states_for_status(q.status)
            if not pairs:
                return stmt.where(Server.id.is_(None))
            stmt = stmt.where(Server.vm_state.in_({vm for vm, _ in pairs}))
        return stmt

    @staticmethod
    def _order(q: ServerQuery) -> list[Any]:
        order = []
        for key, direction in q.sort or [("created_at", "desc")]:
            column = SORT_KEYS.get(key)
            if column is None:
                raise BadRequest(f"Invalid sort_key: {key}.")
            if direction not in ("asc", "desc"):
                raise BadRequest(f"Invalid sort_dir: {direction}.")
            order.append(column.desc() if direction == "desc" else column.asc())
        order.append(Server.id.desc())
        return order

    def _python_filters(self, s: Session, servers: list[Any], q: ServerQuery) -> list[Any]:
        if q.status:
            servers = [
                sv for sv in servers if states.status_of(sv.vm_state, sv.task_state) == q.status.upper()
            ]
        if q.name:
            pattern = _regex(q.name, "name")
            servers = [sv for sv in servers if pattern.search(sv.name)]
        for value, version in ((q.ip, 4), (q.ip6, 6)):
            if value:
                pattern = _regex(value, "ip")
                servers = [sv for sv in servers if any(pattern.search(a) for a in _ips(sv, version))]
        if q.zone:
            zones = self.zones_by_host(s)
            servers = [sv for sv in servers if zones.get(sv.host or "", "") == q.zone]
        if q.tags or q.tags_any or q.not_tags or q.not_tags_any:
            tags = tags_of(s, [sv.id for sv in servers])

            def keep(sid: str) -> bool:
                have = set(tags[sid])
                return (
                    (not q.tags or set(q.tags) <= have)
                    and (not q.tags_any or bool(set(q.tags_any) & have))
                    and (not q.not_tags or not set(q.not_tags) <= have)
                    and (not q.not_tags_any or not set(q.not_tags_any) & have)
                )

            servers = [sv for sv in servers if keep(sv.id)]
        return servers

    @staticmethod
    def _page(servers: list[Any], q: ServerQuery) -> list[Any]:
        if q.marker is not None:
            index = next((i for i, sv in enumerate(servers) if sv.id == q.marker), None)
            if index is None:
                raise BadRequest(f"marker [{q.marker}] not found")
            servers = servers[index + 1 :]
        if q.limit is not None:
            servers = servers[: q.limit]
        return servers

    def zones_by_host(self, s: Session) -> dict[str, str]:
        by_id = dag.zones_of_hosts(s)
        names = dict(s.execute(select(Host.id, Host.name)).all())
        return {names[hid]: zone for hid, zone in by_id.items() if hid in names}

    def facts(self, s: Session, servers: list[Server]) -> PageFacts:
        zones = self.zones_by_host(s)
        host_status = {}
        for name, enabled, down in s.execute(select(Host.name, Host.enabled, Host.forced_down)):
            host_status[name] = "DOWN" if down else ("UP" if enabled else "MAINTENANCE")
        ids = [sv.id for sv in servers]
        groups: dict[str, list[str]] = {sid: [] for sid in ids}
        if ids:
            rows = s.execute(
                select(ServerGroupMember.server_id, ServerGroupMember.group_id).where(
                    ServerGroupMember.server_id.in_(ids)
                )
            )
            for sid, gid in rows:
                groups[sid].append(gid)
        return PageFacts(zones, host_status, tags_of(s, ids), groups)


def _ips(server: Any, version: int) -> list[str]:
    return [
        a["addr"] for entries in (server.addresses or {}).values() for a in entries if a["version"] == version
    ]
