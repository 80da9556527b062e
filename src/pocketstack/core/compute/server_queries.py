"""Listing servers: filters, sorting and marker paging, and the per-page facts views need
(zones, host states, tags) read in a few queries for the whole page."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select, true, tuple_
from sqlalchemy.orm import Session

from pocketstack.core.compute import nics, states
from pocketstack.core.compute.servers import tags_of
from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.errors import BadRequest
from pocketstack.core.placement import dag
from pocketstack.store.compute_models import Host, Server, ServerGroupMember
from pocketstack.store.db import Database

# Sort keys that may be null: paging past a marker on them is done in Python (NULLs sort first
# on SQLite, last on PostgreSQL, as before).
NULLABLE_SORT = frozenset(
    {"task_state", "host", "image_id", "launched_at", "terminated_at", "requested_zone", "key_name"}
)
PROGRESS_SHOWN = frozenset({"ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING"})
ROOT_DEVICE = "/dev/vda"  # every fake-driver guest boots from its first virtio disk
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
    """What a server list asks for. ``patterns`` holds Nova's regular-expression filters by
    their wire name (see TEXT_FILTERS); the other filters match exactly. ``deleted`` None means
    "not asked" (deleted servers are left out unless a changes-since/before window is given);
    ``soft_deleted`` False leaves out soft-deleted servers, True (or None) keeps them."""

    all_projects: bool = False
    project_id: str | None = None
    user_id: str | None = None
    uuid: str | None = None
    status: str | None = None
    vm_state: str | None = None
    task_state: str | None = None
    image: str | None = None
    flavor: str | None = None
    host: str | None = None
    patterns: dict[str, str] = field(default_factory=dict)
    changes_since: datetime | None = None
    changes_before: datetime | None = None
    locked: bool | None = None
    deleted: bool | None = None
    soft_deleted: bool | None = None
    tags: list[str] = field(default_factory=list)
    tags_any: list[str] = field(default_factory=list)
    not_tags: list[str] = field(default_factory=list)
    not_tags_any: list[str] = field(default_factory=list)
    sort: list[tuple[str, str]] = field(default_factory=list)
    limit: int | None = None
    marker: str | None = None
    # Any of these values (vNext's list filters). ``project_ids`` replaces the context's scope:
    # the API layer names only projects the caller may read.
    vm_states: list[str] = field(default_factory=list)
    power_states: list[int] = field(default_factory=list)
    user_ids: list[str] = field(default_factory=list)
    project_ids: list[str] = field(default_factory=list)


@dataclass
class PageFacts:
    zones: dict[str, str]  # host name -> zone
    host_status: dict[str, str]
    tags: dict[str, list[str]]
    groups: dict[str, list[str]]
    nics: dict[str, list[nics.Attachment]]


def zone_of(host: str | None, requested_zone: str | None, zones: dict[str, str]) -> str:
    """The zone a server is in: its host's, else the one it asked for, else none ("")."""
    return zones.get(host or "") or requested_zone or ""


def progress_of(vm_state: str, task_state: str | None) -> int | None:
    """Nova's ``progress`` as shown: 100 once ACTIVE, 0 while building or moving; None (not
    shown) in other states."""
    status = states.status_of(vm_state, task_state)
    if status not in PROGRESS_SHOWN:
        return None
    return 100 if status == "ACTIVE" else 0


def _texts(value: Any) -> list[str]:
    """What a regex filter is matched against. COMPAT: Nova matches a timestamp's database
    text (``2024-05-01 12:00:00``); its API form (``2024-05-01T12:00:00Z``) matches too."""
    if value is None:
        return []
    if isinstance(value, datetime):
        return [value.isoformat(sep=" ", timespec="seconds"), value.strftime("%Y-%m-%dT%H:%M:%SZ")]
    return [str(value)]


@dataclass(frozen=True)
class TextFilter:
    """What a regex filter reads: columns of the light row, and ``texts(row, known)``, where
    ``known`` holds what is looked up once for all rows (``zones`` by host, ``ip``/``ip6``
    addresses by server id)."""

    columns: tuple[Any, ...]
    texts: Callable[[Any, dict[str, Any]], list[str]]


def _column(column: Any) -> TextFilter:
    return TextFilter((column,), lambda row, _known: _texts(getattr(row, column.key)))


def _constant(text: str) -> TextFilter:
    return TextFilter((), lambda _row, _known: [text])


# Nova's regex filters (searched, not anchored, as its database's REGEXP): wire name -> what
# it is matched against. A server without the value (null) never matches. The constants are
# what the views show for attributes pocketstack does not keep.
TEXT_FILTERS: dict[str, TextFilter] = {
    "name": _column(Server.name),
    "display_name": _column(Server.name),
    "description": _column(Server.description),
    "display_description": _column(Server.description),
    "hostname": _column(Server.hostname),
    "key_name": _column(Server.key_name),
    "node": _column(Server.host),
    "reservation_id": _column(Server.reservation_id),
    "access_ip_v4": _column(Server.access_ipv4),
    "access_ip_v6": _column(Server.access_ipv6),
    "locked_by": _column(Server.locked_by),
    "config_drive": _column(Server.config_drive),
    "power_state": _column(Server.power_state),
    "launch_index": _column(Server.launch_index),
    "created_at": _column(Server.created_at),
    "launched_at": _column(Server.launched_at),
    "terminated_at": _column(Server.terminated_at),
    "availability_zone": TextFilter(
        (Server.host, Server.requested_zone),
        lambda row, known: [zone_of(row.host, row.requested_zone, known["zones"])],
    ),
    "progress": TextFilter(
        (Server.vm_state, Server.task_state),
        lambda row, _known: _texts(progress_of(row.vm_state, row.task_state)),
    ),
    "ip": TextFilter((), lambda row, known: known["ip"][row.id]),
    "ip6": TextFilter((), lambda row, known: known["ip6"][row.id]),
    "kernel_id": _constant(""),
    "ramdisk_id": _constant(""),
    "root_device_name": _constant(ROOT_DEVICE),
    "auto_disk_config": _constant("False"),
}


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
        """Filter and page on light rows. Without filters that need Python (regexes, tags) the
        database filters, sorts and pages by itself: a marker becomes a condition on the sort
        keys (when none of them can be null, whose place in the order differs between
        databases); otherwise every matching light row is read and paged here."""
        in_python = bool(q.patterns or q.tags or q.tags_any or q.not_tags or q.not_tags_any)
        columns = list(wanted)
        if in_python:
            columns += [Server.vm_state, Server.task_state]
            for name in q.patterns:
                columns += TEXT_FILTERS[name].columns
        stmt = select(*dict.fromkeys(columns))
        stmt = self._exact_filters(self._deleted_filter(self._scoped(stmt, ctx, q), q), q).order_by(
            *self._order(q)
        )
        if not in_python and (q.marker is None or self._keyset_ready(q)):
            if q.marker is not None:
                stmt = stmt.where(self._after_marker(s, stmt, q))
            return list(s.execute(stmt.limit(q.limit)))
        return self._page(self._python_filters(s, list(s.execute(stmt)), q), q)

    @staticmethod
    def _scoped(stmt: Any, ctx: RequestContext, q: ServerQuery) -> Any:
        if q.project_ids:
            return stmt  # the caller chose projects it may read (vNext); _exact_filters keeps them
        if not (q.all_projects and is_admin(ctx)):
            return stmt.where(Server.project_id == ctx.project_id)
        if q.project_id:
            return stmt.where(Server.project_id == q.project_id)
        return stmt

    @staticmethod
    def _keyset_ready(q: ServerQuery) -> bool:
        return all(SORT_KEYS[key].key not in NULLABLE_SORT for key, _ in q.sort if key in SORT_KEYS)

    def _after_marker(self, s: Session, stmt: Any, q: ServerQuery) -> Any:
        """The rows after the marker in the list's order; 400 when the marker is not in the
        list, as Nova."""
        keys = [(SORT_KEYS[k], d) for k, d in (q.sort or [("created_at", "desc")])] + [(Server.id, "desc")]
        columns = [column for column, _ in keys]
        marker = s.execute(
            stmt.with_only_columns(*columns).where(Server.id == q.marker).order_by(None)
        ).first()
        if marker is None:
            raise BadRequest(f"marker [{q.marker}] not found")
        if len({d for _, d in keys}) == 1:  # one direction: a row-value comparison, index-friendly
            row, seen = tuple_(*[c for c, _ in keys]), tuple_(*marker)
            return row < seen if keys[0][1] == "desc" else row > seen
        ties: list[Any] = []
        after = []
        for (column, direction), value in zip(keys, marker, strict=True):
            after.append(and_(*ties, column < value if direction == "desc" else column > value))
            ties.append(column == value)
        return or_(*after)

    @staticmethod
    def _deleted_filter(stmt: Any, q: ServerQuery) -> Any:
        """As Nova: deleted servers only when asked for (or within a changes-since/before
        window); soft-deleted ones with them unless ``soft_deleted`` is false."""
        deleted = q.deleted
        if deleted is None and q.changes_since is None and q.changes_before is None:
            deleted = False
        if deleted is True:
            gone = Server.deleted.is_(True)
            return stmt.where(
                gone if q.soft_deleted is False else or_(gone, Server.vm_state == states.SOFT_DELETED)
            )
        if deleted is False:
            stmt = stmt.where(Server.deleted.is_(False))
        if q.soft_deleted is False:
            stmt = stmt.where(Server.vm_state != states.SOFT_DELETED)
        return stmt

    @staticmethod
    def _exact_filters(stmt: Any, q: ServerQuery) -> Any:
        exact = {
            Server.user_id: q.user_id,
            Server.id: q.uuid,
            Server.host: q.host,
            Server.image_id: q.image.rsplit("/", 1)[-1] if q.image else None,
            Server.flavor_id: q.flavor.rsplit("/", 1)[-1] if q.flavor else None,
        }
        if not q.status:  # a status stands for its own vm and task states, as in Nova
            exact.update({Server.vm_state: q.vm_state, Server.task_state: q.task_state})
        for column, value in exact.items():
            if value:
                stmt = stmt.where(column == value)
        if q.changes_since:
            stmt = stmt.where(Server.updated_at >= q.changes_since)
        if q.changes_before:
            stmt = stmt.where(Server.updated_at <= q.changes_before)
        if q.locked is not None:
            stmt = stmt.where(Server.locked.is_(q.locked))
        any_of = (
            (Server.vm_state, q.vm_states),
            (Server.power_state, q.power_states),
            (Server.user_id, q.user_ids),
            (Server.project_id, q.project_ids),
        )
        for column, values in any_of:
            if values:
                stmt = stmt.where(column.in_(values))
        if q.status:
            stmt = stmt.where(status_condition(q.status))
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
        known: dict[str, Any] = {"zones": self.zones_by_host(s) if "availability_zone" in q.patterns else {}}
        for name, version in (("ip", 4), ("ip6", 6)):
            if name in q.patterns:
                known[name] = nics.ips(s, [sv.id for sv in servers], version)
        for name, value in q.patterns.items():
            pattern, texts = _regex(value, name), TEXT_FILTERS[name].texts
            servers = [sv for sv in servers if any(pattern.search(t) for t in texts(sv, known))]
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

    def zones_by_host(self, s: Session, names: Collection[str] | None = None) -> dict[str, str]:
        """Host name -> zone, of every host or of those named."""
        stmt = select(Host.id, Host.name)
        if names is not None:
            stmt = stmt.where(Host.name.in_(list(names)))
        by_name = dict(s.execute(stmt).all())
        by_id = dag.zones_of_hosts(s, list(by_name) if names is not None else None)
        return {by_name[hid]: zone for hid, zone in by_id.items() if hid in by_name}

    def facts(self, s: Session, servers: list[Server]) -> PageFacts:
        """What the views of these servers need, read for their hosts and ids only."""
        hosts = {sv.host for sv in servers if sv.host}
        zones = self.zones_by_host(s, hosts) if hosts else {}
        host_status = {}
        if hosts:
            stmt = select(Host.name, Host.enabled, Host.forced_down).where(Host.name.in_(sorted(hosts)))
            for name, enabled, down in s.execute(stmt):
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
        return PageFacts(zones, host_status, tags_of(s, ids), groups, nics.attachments(s, ids))


def status_condition(status: str) -> ColumnElement[bool]:
    """The servers showing ``status`` (as ``states.status_of`` names it), as SQL."""
    cases = []
    for vm_state, named, listed in states.status_cases(status):
        shown = [Server.task_state.in_(named)] if named else []
        if listed == []:
            shown.append(true())  # every task state shows the vm state's status
        elif listed is not None:
            shown.append(or_(Server.task_state.is_(None), Server.task_state.not_in(listed)))
        cases.append(and_(Server.vm_state == vm_state, or_(*shown)))
    return or_(*cases) if cases else false()
