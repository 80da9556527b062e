"""Tasks: POST /servers/{id}/tasks, and the task reads (one history with v2.1's instance actions).

A task is a row of ``tasks`` (core/tasks/tasks.py) under its own id: v2.1 shows the same row
as an instance action (by its request id), so whichever API starts an action, both show it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from starlette.responses import Response

from pocketstack.api.common.hal.routes import PAGING, Param, Route, links, page, page_response, since_of
from pocketstack.api.common.responses import isotime, json_response
from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.common.validation import Wire, parse
from pocketstack.api.compute_vnext.actions import (
    ACTION_NAMES,
    LIVE_MOVE_RULE,
    TASKS,
    TaskCreate,
    core_form,
    shown,
    shown_params,
)
from pocketstack.api.compute_vnext.handlers.servers import Links, readable, writable
from pocketstack.core.errors import BadRequest, Conflict, NotFound
from pocketstack.core.tasks import tasks
from pocketstack.store.compute_models import Server, Task, TaskItem

P = "os_compute_api:"


# -- response bodies ---------------------------------------------------------------------------
STATES = {tasks.RUNNING: "RUNNING", tasks.SUCCEEDED: "SUCCEEDED", tasks.FAILED: "FAILED"}
ITEM_STATES = {"running": "RUNNING", tasks.ITEM_SUCCESS: "SUCCEEDED", tasks.ITEM_ERROR: "FAILED"}


class TaskShape(BaseModel):
    """A task: one action on one server, whichever API started it."""

    id: str
    server_id: str
    action: Literal[ACTION_NAMES]  # type: ignore[valid-type]
    parameters: dict[str, Any]
    state: Literal["RUNNING", "SUCCEEDED", "FAILED"]
    message: str | None
    requested_by: str | None
    project_id: str
    request_id: str
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    links: Links = Field(alias="_links")


class TaskList(BaseModel):
    """A page of a server's tasks, newest first."""

    tasks: list[TaskShape]
    links: Links = Field(alias="_links")


class ItemElevated(BaseModel):
    host: str | None
    details: str | None


class TaskItemShape(BaseModel):
    """One step of a task (v2.1's instance action event)."""

    sequence: int
    name: str
    state: Literal["RUNNING", "SUCCEEDED", "FAILED"]
    started_at: datetime
    finished_at: datetime | None
    elevated: ItemElevated | None = Field(None, alias="_elevated")


class TaskItemList(BaseModel):
    """A page of a task's items, in the order they ran."""

    items: list[TaskItemShape]
    links: Links = Field(alias="_links")


# -- views ----------------------------------------------------------------------------------
def show_task(req: ApiRequest, task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "server_id": task.server_id,
        "action": shown(task.action),
        "parameters": shown_params(task.action, task.params),
        "state": STATES.get(task.status, task.status.upper()),
        "message": task.message,
        "requested_by": task.user_id,
        "project_id": task.project_id,
        "request_id": task.request_id,
        "created_at": isotime(task.created_at),
        "updated_at": isotime(task.updated_at),
        "finished_at": isotime(task.finished_at),
        "_links": links(
            req,
            f"/server_tasks/{task.id}",
            "TaskShape",
            items=f"/server_tasks/{task.id}/items",
            server=f"/servers/{task.server_id}",
        ),
    }


def _item(sequence: int, item: TaskItem, elevated: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "sequence": sequence,
        "name": item.event,
        "state": ITEM_STATES.get(item.status, item.status.upper()),
        "started_at": isotime(item.started_at),
        "finished_at": isotime(item.finished_at),
    }
    if elevated:
        out["_elevated"] = {"host": item.host, "details": item.details}
    return out


# -- starting a task --------------------------------------------------------------------------
def _body(req: ApiRequest) -> Wire:
    doc = req.json()
    if not isinstance(doc, dict):
        raise BadRequest("The body must be a JSON object naming an action.")
    name = doc.get("action")
    model = TASKS[name][1].body if isinstance(name, str) and name in TASKS else None
    if model is None:
        if name is None:
            raise BadRequest("Invalid input for field 'action': Field required.")
        raise BadRequest(f"Unknown action {name!r}: it must be one of {', '.join(TASKS)}.")
    return parse(model, doc)


def create_task(req: ApiRequest) -> Response:
    p = _body(req)
    server = writable(req, req.params["server_id"])
    target = {"project_id": server.project_id}
    rules = TASKS[p.action][1].rules if not getattr(p, "live", False) else (LIVE_MOVE_RULE,)
    for rule in rules:
        req.cloud.policy.enforce(P + rule, req.ctx, target)
    if p.action == "TERMINATE":
        soft = req.cloud.settings.reclaim_instance_interval > 0
        task_id = req.cloud.servers.delete(req.ctx, server.id, soft_delete=soft)
        if task_id is None:
            raise Conflict(f"Server {server.id} is being deleted.", code="compute.server.invalid_state")
    else:
        action, params = core_form(req, p)
        task_id = req.cloud.server_actions.run(req.ctx, server.id, action, params)
    with req.cloud.db.read() as s:
        task = s.get(Task, task_id)
    body = show_task(req, task)
    return json_response(body, 202, {"Location": body["_links"]["self"]["href"]})


# -- reading tasks ------------------------------------------------------------------------------
def _visible_task(req: ApiRequest, rule: str) -> tuple[Task, Server]:
    """The task if the caller may read its server (deleted or not); 404 otherwise."""
    task_id = req.params["task_id"]
    missing = NotFound("task", task_id, message=f"Task {task_id} could not be found.")
    with req.cloud.db.read() as s:
        task = tasks.get(s, task_id)
        if task is None or task.server_id is None:  # an operator's task is no server's
            raise missing
    try:
        server = readable(req, task.server_id, P + rule, include_deleted=True)
    except NotFound:
        raise missing from None
    return task, server


def get_task(req: ApiRequest) -> Response:
    task, _ = _visible_task(req, "os-instance-actions:show")
    return json_response(show_task(req, task))


def list_items(req: ApiRequest) -> Response:
    task, server = _visible_task(req, "os-instance-actions:show")
    target = {"project_id": server.project_id}
    elevated = req.cloud.policy.check(P + "os-instance-actions:events", req.ctx, target)
    with req.cloud.db.read() as s:
        numbered = list(enumerate(tasks.items_of(s, task.id), start=1))

    def read(limit: int, marker: str | None) -> list[tuple[int, TaskItem]]:
        start = 0
        if marker is not None:
            if not marker.isdigit() or not 1 <= int(marker) <= len(numbered):
                raise BadRequest(f"Marker {marker} is not a sequence number of this task's items.")
            start = int(marker)
        return numbered[start : start + limit]

    found, next_marker = page(req, read, lambda pair: str(pair[0]))
    items = [_item(n, item, elevated) for n, item in found]
    path = f"/server_tasks/{task.id}/items"
    return page_response(req, path, "items", items, next_marker, "TaskItemList")


def _states(req: ApiRequest) -> list[str]:
    names = [v for raw in req.query.getlist("state") for v in raw.split(",") if v]
    by_name = {shown: core for core, shown in STATES.items()}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise BadRequest(f"Unknown task state {unknown[0]!r}: one of RUNNING, SUCCEEDED, FAILED.")
    return [by_name[n] for n in names]


def list_tasks(req: ApiRequest) -> Response:
    server = readable(req, req.params["server_id"], P + "os-instance-actions:list", include_deleted=True)
    since, statuses = since_of(req), _states(req)

    def read(limit: int, marker: str | None) -> list[Task]:
        with req.cloud.db.read() as s:
            after = None
            if marker is not None:
                after = tasks.get(s, marker)
                if after is None or after.server_id != server.id:
                    raise BadRequest(f"Marker {marker} could not be found.")
            return tasks.page_of_server(s, server.id, limit, after, since, statuses)

    found, next_marker = page(req, read, lambda t: t.id)
    path = f"/servers/{server.id}/tasks"
    return page_response(req, path, "tasks", [show_task(req, t) for t in found], next_marker, "TaskList")


LIST_FILTERS = (
    Param("since", "Tasks created at or after this time (ISO 8601)."),
    Param("state", "In these states: RUNNING, SUCCEEDED, FAILED (comma-separated or repeated)."),
)

ROUTES = [
    Route(
        "POST",
        "/servers/{server_id}/tasks",
        create_task,
        P + "servers:show",  # the gate; each action is checked under its own rule (RULES)
        "server-tasks",
        "Start a task on a server (the action's own policy rule applies).",
        status=202,
        body=TaskCreate,
        returns=TaskShape,
        errors=(400, 401, 403, 404, 409, 501),
    ),
    Route(
        "GET",
        "/servers/{server_id}/tasks",
        list_tasks,
        P + "os-instance-actions:list",
        "server-tasks",
        "A server's tasks, newest first (also those v2.1 clients started).",
        returns=TaskList,
        query=(*LIST_FILTERS, *PAGING),
    ),
    Route(
        "GET",
        "/server_tasks/{task_id}",
        get_task,
        P + "os-instance-actions:show",
        "server-task",
        "A task.",
        returns=TaskShape,
    ),
    Route(
        "GET",
        "/server_tasks/{task_id}/items",
        list_items,
        P + "os-instance-actions:show",
        "server-task-items",
        "A task's items (its steps), in the order they ran.",
        returns=TaskItemList,
        query=PAGING,
    ),
]
