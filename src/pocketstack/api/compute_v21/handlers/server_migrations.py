"""A server's live migrations in progress: ``GET /servers/{id}/migrations[/{migration_id}]``
(2.23), ``POST .../{migration_id}/action`` with ``force_complete`` (2.22) and ``DELETE
.../{migration_id}`` to abort (2.24; queued and preparing ones too from 2.65). Below those
versions each answers 404, as in Nova. core/compute/server_migrations.py does the work."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.handlers.migrations import with_owner_ids
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.api.compute_v21.views.services import nova_time
from pocketstack.core.compute.server_migrations import RULE, ServerMigrations
from pocketstack.core.errors import BadRequest, NotFound
from pocketstack.store.compute_models import Migration

PATH = "/servers/{server_id}/migrations"


def _since(req: ApiRequest, gate: str) -> ServerMigrations:
    if not gated(req, gate):
        raise NotFound("resource", req.request.url.path, message="The resource could not be found.")
    return ServerMigrations(req.cloud.db, req.cloud.policy)


def _view(req: ApiRequest, m: Migration, dest_ip: str | None) -> dict[str, Any]:
    """COMPAT: pocketstack's drivers report no memory or disk progress: those counts are 0."""
    body: dict[str, Any] = {
        "created_at": nova_time(m.created_at),
        "dest_compute": m.dest_host,
        "dest_host": dest_ip,
        "dest_node": m.dest_host,
        "id": m.id,
        "server_uuid": m.server_id,
        "source_compute": m.source_host,
        "source_node": m.source_host,
        "status": m.status,
        "updated_at": nova_time(m.updated_at),
        **{
            f"{kind}_{part}_bytes": 0
            for kind in ("memory", "disk")
            for part in ("total", "processed", "remaining")
        },
    }
    return with_owner_ids(req, m, body)


def list_server_migrations(req: ApiRequest) -> Response:
    found = _since(req, "server_migration.list").list(req.ctx, req.params["server_id"])
    return json_response({"migrations": [_view(req, m, ip) for m, ip in found]})


def show_server_migration(req: ApiRequest) -> Response:
    m, ip = _since(req, "server_migration.list").get(
        req.ctx, req.params["server_id"], req.params["migration_id"]
    )
    return json_response({"migration": _view(req, m, ip)})


def migration_action(req: ApiRequest) -> Response:
    service = _since(req, "server_migration.force_complete")
    doc = req.json()
    if not isinstance(doc, dict) or set(doc) != {"force_complete"} or doc["force_complete"] is not None:
        raise BadRequest(
            'Invalid input for field/attribute force_complete: {"force_complete": null} is expected.'
        )
    service.force_complete(req.ctx, req.params["server_id"], req.params["migration_id"])
    return empty_response(202)


def abort_migration(req: ApiRequest) -> Response:
    service = _since(req, "server_migration.abort")
    service.abort(
        req.ctx,
        req.params["server_id"],
        req.params["migration_id"],
        queued_too=gated(req, "server_migration.abort_queued"),
    )
    return empty_response(202)


ROUTES: list[Endpoint] = [
    Endpoint("GET", PATH, list_server_migrations, f"{RULE}index"),
    Endpoint("GET", PATH + "/{migration_id}", show_server_migration, f"{RULE}show"),
    Endpoint("DELETE", PATH + "/{migration_id}", abort_migration, f"{RULE}delete"),
    Endpoint("POST", PATH + "/{migration_id}/action", migration_action, f"{RULE}force_complete"),
]
