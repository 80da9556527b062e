"""Operator API: tasks across every project (docs/operator.md section 3), and their abort.

A task is shown with vNext's field names (api/compute_vnext/handlers/tasks.py) and its core
action name, the one the ``action`` filter takes. An operator task (``kind`` operator, a drain)
acts on no server: its ``server_id`` and ``project_id`` are null."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from starlette.responses import Response

from pocketstack.api.common.hal.routes import PAGING, Param, Route, links, page, page_response, since_of
from pocketstack.api.common.responses import isotime, json_response
from pocketstack.api.common.routing import ApiRequest
from pocketstack.core.compute.action_table import ACTIONS
from pocketstack.core.errors import BadRequest
from pocketstack.core.operator import tasks as optasks
from pocketstack.core.operator.drain import DRAIN
from pocketstack.core.tasks import tasks
from pocketstack.store.compute_models import TASK_OPERATOR, TASK_SERVER, Task, TaskItem

PATH = "/tasks"
STATES = {tasks.RUNNING: "RUNNING", tasks.SUCCEEDED: "SUCCEEDED", tasks.FAILED: "FAILED"}
ITEM_STATES = {"running": "RUNNING", tasks.ITEM_SUCCESS: "SUCCEEDED", tasks.ITEM_ERROR: "FAILED"}
MAX_ID = 64  # the widest id column a filter is compared with (tasks.project_id)
OPERATOR_ACTIONS = (DRAIN,)
KINDS = (TASK_SERVER, TASK_OPERATOR)

State = Literal["RUNNING", "SUCCEEDED", "FAILED"]


class TaskItemShape(BaseModel):
    """One step of a task (v2.1's instance action event), in the order they ran."""

    sequence: int
    name: str
    state: State
    host: str | None
    details: str | None
    started_at: datetime
    finished_at: datetime | None


class TaskShape(BaseModel):
    """A task: one action on one server, in any project (``kind`` server), or an operator's
    action on no server (``kind`` operator: a drain, whose items are its servers' moves);
    ``items`` (its steps) only when the task is shown alone."""

    id: str
    kind: Literal["server", "operator"]
    server_id: str | None
    project_id: str | None
    action: str
    parameters: dict[str, Any]
    state: State
    message: str | None
    requested_by: str | None
    request_id: str
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    items: list[TaskItemShape] | None = None
    _links: dict[str, Any]


class TaskList(BaseModel):
    """A page of tasks, newest first."""

    tasks: list[TaskShape]
    _links: dict[str, Any]


def _task(req: ApiRequest, task: Task) -> dict[str, Any]:
    more = {}
    if task.status == tasks.RUNNING and task.kind != TASK_OPERATOR:
        more["abort"] = f"{PATH}/{task.id}/abort"
    if task.action == DRAIN and (task.params or {}).get("host"):
        more["host"] = f"/hosts/{task.params['host']}"
    return {
        "id": task.id,
        "kind": task.kind,
        "server_id": task.server_id,
        "project_id": task.project_id,
        "action": task.action,
        "parameters": optasks.shown_params(task.params),
        "state": STATES.get(task.status, task.status.upper()),
        "message": task.message,
        "requested_by": task.user_id,
        "request_id": task.request_id,
        "created_at": isotime(task.created_at),
        "updated_at": isotime(task.updated_at),
        "finished_at": isotime(task.finished_at),
        "_links": links(req, f"{PATH}/{task.id}", "TaskShape", **more),
    }


def task_detail(req: ApiRequest, task: Task, found: list[TaskItem]) -> dict[str, Any]:
    out = _task(req, task)
    out["items"] = [
        {
            "sequence": n,
            "name": item.event,
            "state": ITEM_STATES.get(item.status, item.status.upper()),
            "host": item.host,
            "details": item.details,
            "started_at": isotime(item.started_at),
            "finished_at": isotime(item.finished_at),
        }
        for n, item in enumerate(found, start=1)
    ]
    return out


# -- filters ------------------------------------------------------------------------------------
def _values(req: ApiRequest, name: str) -> list[str]:
    return [v.strip() for raw in req.query.getlist(name) for v in raw.split(",") if v.strip()]


def _statuses(req: ApiRequest) -> list[str]:
    by_name = {shown: core for core, shown in STATES.items()}
    out = []
    for name in _values(req, "state"):
        if name.upper() not in by_name:
            raise BadRequest(f"Unknown task state {name!r}: one of running, succeeded, failed.")
        out.append(by_name[name.upper()])
    return out


def _actions(req: ApiRequest) -> list[str]:
    names = _values(req, "action")
    known = {*ACTIONS, *OPERATOR_ACTIONS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise BadRequest(f"Unknown action {unknown[0]!r}: one of {', '.join(sorted(known))}.")
    return names


def _kinds(req: ApiRequest) -> list[str]:
    names = _values(req, "kind")
    unknown = [n for n in names if n not in KINDS]
    if unknown:
        raise BadRequest(f"Unknown task kind {unknown[0]!r}: one of {', '.join(KINDS)}.")
    return names


def _id(req: ApiRequest, name: str) -> str | None:
    raw = req.query.get(name)
    if raw is None:
        return None
    if not raw or len(raw) > MAX_ID:
        raise BadRequest(f"{name} must be an id of 1 to {MAX_ID} characters.")
    return raw


def _stuck(req: ApiRequest) -> bool:
    raw = req.query.get("stuck")
    if raw is None:
        return False
    if raw.lower() not in ("true", "false"):
        raise BadRequest(f"stuck must be true or false, not {raw!r}.")
    return raw.lower() == "true"


def _filter(req: ApiRequest) -> optasks.TaskFilter:
    return optasks.TaskFilter(
        statuses=_statuses(req),
        actions=_actions(req),
        kinds=_kinds(req),
        project_id=_id(req, "project"),
        server_id=_id(req, "server"),
        since=since_of(req),
        stuck=_stuck(req),
    )


# -- handlers -----------------------------------------------------------------------------------
def list_tasks(req: ApiRequest) -> Response:
    req.enforce({})
    wanted = _filter(req)

    def read(limit: int, marker: str | None) -> list[Task]:
        with req.cloud.db.read() as s:
            after = None
            if marker is not None:
                after = tasks.get(s, marker)
                if after is None:
                    raise BadRequest(f"Marker {marker} could not be found.")
            return optasks.page(s, wanted, limit, after)

    found, next_marker = page(req, read, lambda t: t.id)
    return page_response(req, PATH, "tasks", [_task(req, t) for t in found], next_marker, "TaskList")


def get_task(req: ApiRequest) -> Response:
    req.enforce({})
    with req.cloud.db.read() as s:
        task = optasks.get(s, req.params["id"])
        found = optasks.items(s, task.id)
    return json_response(task_detail(req, task, found))


def abort_task(req: ApiRequest) -> Response:
    req.enforce({})
    task = optasks.abort(req.cloud.db, req.params["id"])
    with req.cloud.db.read() as s:
        found = optasks.items(s, task.id)
    return json_response(task_detail(req, task, found))


FILTERS = (
    Param("state", "In these states: running, succeeded, failed (comma-separated or repeated)."),
    Param(
        "action",
        "Of these actions (core names: create, stop, resize..., drain; comma-separated or repeated).",
    ),
    Param("kind", "Of these kinds: server, operator (comma-separated or repeated)."),
    Param("project", "Of this project (id)."),
    Param("server", "On this server (id)."),
    Param("since", "Created at or after this time (ISO 8601)."),
    Param(
        "stuck",
        f"true: only the tasks still running {optasks.STUCK_AFTER_SECONDS} seconds after they were "
        "created (the fake driver acts in milliseconds, a real step in well under a minute).",
        "boolean",
    ),
)

ROUTES = [
    Route(
        "GET",
        PATH,
        list_tasks,
        "operator:tasks:list",
        "tasks",
        "Tasks across every project, newest first.",
        returns=TaskList,
        query=(*FILTERS, *PAGING),
        errors=(400, 401, 403),
    ),
    Route(
        "GET",
        f"{PATH}/{{id}}",
        get_task,
        "operator:tasks:get",
        "task",
        "A task with its items.",
        returns=TaskShape,
    ),
    Route(
        "POST",
        f"{PATH}/{{id}}/abort",
        abort_task,
        "operator:tasks:abort",
        "task-abort",
        "Abort a running server task: it ends FAILED, what it claimed is freed, its server goes to "
        "ERROR with a fault. An operator task (a drain) cannot be aborted yet (409).",
        returns=TaskShape,
        errors=(401, 403, 404, 409),
    ),
]
