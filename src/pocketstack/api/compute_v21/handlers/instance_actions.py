"""Compute v2.1: os-instance-actions, a view of the server's tasks and their items."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from pocketstack.api.common.responses import isotime, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.request import (
    changes_window,
    check_query,
    effective_limit,
    next_links,
    page,
)
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.api.compute_v21.views.servers import host_id
from pocketstack.core.compute.servers import get_visible
from pocketstack.core.errors import BadRequest, NotFound
from pocketstack.core.tasks import tasks
from pocketstack.store.compute_models import Server, Task, TaskItem

P = "os_compute_api:os-instance-actions:"


def _server(req: ApiRequest, rule: str) -> Server:
    with req.cloud.db.read() as s:
        deleted = gated(req, "instance_actions.deleted_servers")
        server = get_visible(s, req.ctx, req.params["server_id"], include_deleted=deleted)
    req.cloud.policy.enforce(P + rule, req.ctx, {"project_id": server.project_id})
    return server


def _action(req: ApiRequest, task: Task) -> dict[str, Any]:
    out = {
        "action": task.action,
        "instance_uuid": task.server_id,
        "message": "Error" if task.status == tasks.FAILED else None,
        "project_id": task.project_id,
        "request_id": task.request_id,
        "start_time": isotime(task.created_at),
        "user_id": task.user_id,
    }
    if gated(req, "instance_actions.updated_at"):
        out["updated_at"] = isotime(task.updated_at)
    return out


def _event(req: ApiRequest, item: TaskItem, server: Server, admin: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "event": item.event,
        "start_time": isotime(item.started_at),
        "finish_time": isotime(item.finished_at),
        "result": item.status if item.status != "running" else None,
    }
    if admin:
        out["traceback"] = item.details if item.status == tasks.ITEM_ERROR else None
    if gated(req, "instance_actions.event_host"):
        if admin:
            out["host"] = item.host or ""
        out["hostId"] = host_id(Server(project_id=server.project_id, host=item.host)) if item.host else ""
    if admin and gated(req, "instance_actions.event_details"):
        out["details"] = item.details
    return out


def list_actions(req: ApiRequest) -> Response:
    server = _server(req, "list")
    limit, marker, since, before = None, None, None, None
    if gated(req, "instance_actions.paging"):
        check_query(req, ("limit", "marker", "changes-since", "changes-before"), since=(2, 58))
        (limit, marker), (since, before) = page(req), changes_window(req)
        limit = effective_limit(limit)
    with req.cloud.db.read() as s:
        found = tasks.of_server(s, server.id)
    found = [t for t in found if (since is None or t.updated_at >= since)]
    found = [t for t in found if (before is None or t.updated_at <= before)]
    if marker is not None:
        index = next((i for i, t in enumerate(found) if t.request_id == marker), None)
        if index is None:
            raise BadRequest(f"Marker {marker} could not be found.")
        found = found[index + 1 :]
    if limit is not None:
        found = found[:limit]
    out: dict[str, Any] = {"instanceActions": [_action(req, t) for t in found]}
    links = next_links(req, f"servers/{server.id}/os-instance-actions", found, limit, key="request_id")
    if links:
        out["links"] = links
    return json_response(out)


def show_action(req: ApiRequest) -> Response:
    server = _server(req, "show")
    with req.cloud.db.read() as s:
        task = s.scalars(
            select(Task).where(Task.server_id == server.id, Task.request_id == req.params["request_id"])
        ).first()
        if task is None:
            raise NotFound(
                "action", req.params["request_id"], message=f"Action {req.params['request_id']} not found"
            )
        items = tasks.items_of(s, task.id)
    body = _action(req, task)
    admin = req.cloud.policy.check(P + "events", req.ctx, {"project_id": server.project_id})
    if admin or gated(req, "instance_actions.events_for_all"):
        body["events"] = [_event(req, i, server, admin) for i in items]
    return json_response({"instanceAction": body})


ROUTES = [
    Endpoint("GET", "/servers/{server_id}/os-instance-actions", list_actions, P + "list"),
    Endpoint("GET", "/servers/{server_id}/os-instance-actions/{request_id}", show_action, P + "show"),
]
