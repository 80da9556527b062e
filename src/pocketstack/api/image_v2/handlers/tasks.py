"""/v2/tasks (Glance's legacy import tasks; admins only, as Glance's tasks_api_access) and the
task schemas ``/v2/schemas/task`` and ``/v2/schemas/tasks``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.image_v2 import task_views
from pocketstack.api.image_v2.list_params import limit_param, sort_params
from pocketstack.core.errors import BadRequest
from pocketstack.core.image.tasks import STATUSES, TYPES

SORT_KEYS = ("created_at", "updated_at", "status", "type", "id")


def create_task(req: ApiRequest) -> Response:
    req.enforce()
    body = req.json()
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    for key in ("type", "input"):
        if key not in body:
            raise BadRequest(f"Task '{key}' is required")
    extra = sorted(set(body) - {"type", "input"})
    if extra:
        raise BadRequest(f"Additional properties are not allowed ({', '.join(extra)}).")
    if body["type"] not in TYPES:
        raise BadRequest(f"Invalid type value: {body['type']}")
    task_input = body["input"]
    if not isinstance(task_input, dict):
        raise BadRequest("Task 'input' must be a JSON object.")
    props = task_input.get("image_properties") or {}
    if not isinstance(props, dict):
        raise BadRequest("Task input 'image_properties' must be a JSON object.")
    for key in ("import_from", "import_from_format"):
        if not isinstance(task_input.get(key), str):
            raise BadRequest(f"Task input '{key}' is required.")
    imports = req.cloud.image_imports
    uri = imports.uri_filter.check(task_input["import_from"])
    task_id = imports.tasks.create(req.ctx, body["type"], task_input, None)
    ctx, images = req.ctx, req.cloud.images
    imports.legacy_import(task_id, lambda: images.create(ctx, dict(props)), uri)
    task = imports.tasks.get(req.ctx, task_id)
    return json_response(task_views.task(task), 201, {"Location": f"{req.base_url}/v2/tasks/{task_id}"})


def list_tasks(req: ApiRequest) -> Response:
    req.enforce()
    q = req.query
    sort_key, sort_dir = sort_params(q, SORT_KEYS)
    filters: dict[str, str] = {}
    if "status" in q:
        if q["status"] not in STATUSES:
            raise BadRequest(f"Invalid status value: {q['status']}")
        filters["status"] = q["status"]
    if "type" in q:
        if q["type"] not in TYPES:
            raise BadRequest(f"Invalid type value: {q['type']}")
        filters["type"] = q["type"]
    limit = limit_param(q.get("limit"), 25)
    rows = req.cloud.image_imports.tasks.list(req.ctx, filters, sort_key, sort_dir, limit, q.get("marker"))
    params = [(k, v) for k, v in q.multi_items() if k != "marker"]
    body: dict[str, Any] = {
        "tasks": [task_views.task_stub(t) for t in rows],
        "first": "/v2/tasks" + (f"?{urlencode(params)}" if params else ""),
        "schema": "/v2/schemas/tasks",
    }
    if rows and len(rows) == limit:
        body["next"] = f"/v2/tasks?{urlencode([*params, ('marker', rows[-1].id)])}"
    return json_response(body)


def show_task(req: ApiRequest) -> Response:
    req.enforce()
    return json_response(task_views.task(req.cloud.image_imports.tasks.get(req.ctx, req.params["task_id"])))


_UUID = "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"
_TIME = {"type": "string", "format": "date-time"}


def task_schema() -> dict[str, Any]:
    return {
        "name": "task",
        "properties": {
            "id": {"type": "string", "pattern": _UUID, "description": "The task's identifier."},
            "type": {"type": "string", "enum": list(TYPES), "description": "What the task does."},
            "status": {"type": "string", "enum": list(STATUSES), "description": "Where the task is."},
            "input": {"type": "object", "description": "What the task was given."},
            "result": {"type": ["null", "object"], "description": "What the task made."},
            "owner": {"type": "string", "description": "The project that owns the task."},
            "message": {"type": "string", "description": "Why the task failed, or its progress."},
            "image_id": {"type": "string", "pattern": _UUID},
            "request_id": {"type": "string"},
            "user_id": {"type": "string"},
            "expires_at": {"type": ["null", "string"], "format": "date-time"},
            "created_at": _TIME,
            "updated_at": _TIME,
            "self": {"type": "string"},
            "schema": {"type": "string"},
        },
    }


def tasks_schema() -> dict[str, Any]:
    return {
        "name": "tasks",
        "properties": {
            "tasks": {"type": "array", "items": task_schema()},
            "first": {"type": "string"},
            "next": {"type": "string"},
            "schema": {"type": "string"},
        },
        "links": [
            {"rel": "first", "href": "{first}"},
            {"rel": "next", "href": "{next}"},
            {"rel": "describedby", "href": "{schema}"},
        ],
    }


def show_task_schema(req: ApiRequest) -> Response:
    return json_response(task_schema())


def show_tasks_schema(req: ApiRequest) -> Response:
    return json_response(tasks_schema())


ROUTES: list[Endpoint] = [
    Endpoint("POST", "/v2/tasks", create_task, "image:tasks:create"),
    Endpoint("GET", "/v2/tasks", list_tasks, "image:tasks:list"),
    Endpoint("GET", "/v2/tasks/{task_id}", show_task, "image:tasks:get"),
    Endpoint("GET", "/v2/schemas/task", show_task_schema, "image:schemas:get"),
    Endpoint("GET", "/v2/schemas/tasks", show_tasks_schema, "image:schemas:get"),
]
