"""GET /os-migrations: every migration, filtered by ``host`` (either end), ``source_compute``,
``status``, ``migration_type`` and ``instance_uuid``. From 2.23 each shows its type (and a link
while a live migration runs); from 2.59 its uuid, paging newest first with ``limit``/``marker``
and ``changes-since``, and unknown query parameters are a 400; 2.66 adds ``changes-before``;
2.80 shows and filters ``user_id`` and ``project_id``.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.common.validation import query_bool
from pocketstack.api.compute_v21.request import (
    changes_window,
    check_query,
    effective_limit,
    next_links,
    page,
)
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.api.compute_v21.views.flavors import links
from pocketstack.api.compute_v21.views.services import nova_time
from pocketstack.core.compute.usage import MigrationQuery
from pocketstack.store.compute_models import Migration

P = "os_compute_api:os-migrations:"
FILTERS = {"hidden", "host", "instance_uuid", "source_compute", "status", "migration_type"}
LIVE_IN_PROGRESS = ("queued", "preparing", "running", "post-migrating")


def _flavor_id(flavor_id: str) -> int | None:
    """COMPAT: Nova shows its flavors' integer row ids (which no API takes); ours are the
    public ids, shown as integers when they are numbers, else null (the schema's other type)."""
    return int(flavor_id) if flavor_id.isascii() and flavor_id.isdigit() else None


def _query(req: ApiRequest) -> MigrationQuery:
    q = req.query
    paged = gated(req, "migration.paging")
    allowed = set(FILTERS)
    if paged:
        allowed |= {"limit", "marker", "changes-since"}
    if gated(req, "query.changes_before"):
        allowed |= {"changes-before"}
    if gated(req, "migration.owner_ids"):
        allowed |= {"user_id", "project_id"}
    check_query(req, allowed, gate="migration.strict_query")
    limit, marker = page(req) if paged else (None, None)
    since, before = changes_window(req) if paged else (None, None)
    by_owner = gated(req, "migration.owner_ids")
    return MigrationQuery(
        host=q.get("host"),
        source_host=q.get("source_compute"),
        status=q.get("status"),
        migration_type=q.get("migration_type"),
        server_id=q.get("instance_uuid"),
        user_id=q.get("user_id") if by_owner else None,
        project_id=q.get("project_id") if by_owner else None,
        changes_since=since,
        changes_before=before,
        limit=effective_limit(limit) if paged else None,
        marker=marker,
        newest_first=paged,
    )


def _migration(req: ApiRequest, m: Migration, dest_ip: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "created_at": nova_time(m.created_at),
        "dest_compute": m.dest_host,
        "dest_host": dest_ip,
        "dest_node": m.dest_host,
        "id": m.id,
        "instance_uuid": m.server_id,
        "new_instance_type_id": _flavor_id(m.new_flavor_id),
        "old_instance_type_id": _flavor_id(m.old_flavor_id),
        "source_compute": m.source_host,
        "source_node": m.source_host,
        "status": m.status,
        "updated_at": nova_time(m.updated_at),
    }
    if gated(req, "migration.type"):
        body["migration_type"] = m.migration_type
        if m.migration_type == "live-migration" and m.status in LIVE_IN_PROGRESS:
            body["links"] = links(req, f"servers/{m.server_id}/migrations", str(m.id))
    return with_owner_ids(req, m, body)


def with_owner_ids(req: ApiRequest, m: Migration, body: dict[str, Any]) -> dict[str, Any]:
    """A migration's ``uuid`` (from 2.59) and its server's owners (from 2.80), in both views."""
    if gated(req, "migration.uuid"):
        body["uuid"] = m.uuid
    if gated(req, "migration.owner_ids"):
        body["user_id"] = m.user_id
        body["project_id"] = m.project_id
    return body


def list_migrations(req: ApiRequest) -> Response:
    req.enforce()
    query = _query(req)
    # COMPAT: Nova hides the source cell's copies of a cross-cell move; none here is hidden.
    hidden = query_bool(req.query.get("hidden"))
    rows = [] if hidden else req.cloud.usage.migrations(query)
    items = [_migration(req, m, ip) for m, ip in rows]
    body: dict[str, Any] = {"migrations": items}
    if query.newest_first:
        found = next_links(req, "os-migrations", items, query.limit, key="uuid")
        if found:
            body["migrations_links"] = found
    return json_response(body)


ROUTES: list[Endpoint] = [Endpoint("GET", "/os-migrations", list_migrations, f"{P}index")]
