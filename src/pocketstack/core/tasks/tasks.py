"""Tasks and their items (steps): written before a task is dispatched, finished by whoever
carries it out, and resolved at start-up when a crash left one running.

These rows are the one record of what was done to a server: Nova's instance actions and
events are a view of them, and so will be vNext's tasks.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import CursorResult, Insert, and_, insert, or_, select, update
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext
from pocketstack.core.identity.common import utcnow
from pocketstack.core.tasks.secrets import erased
from pocketstack.store.compute_models import Task, TaskItem

RUNNING, SUCCEEDED, FAILED = "running", "succeeded", "failed"
ITEM_SUCCESS, ITEM_ERROR = "Success", "Error"


def start(
    s: Session,
    server_id: str,
    project_id: str,
    action: str,
    ctx: RequestContext,
    params: Mapping[str, Any] | None = None,
) -> Task:
    task = Task(**_new_task(server_id, project_id, action, ctx, params))
    s.add(task)
    return task


def start_rows(
    s: Session, server_ids: Sequence[str], project_id: str, action: str, ctx: RequestContext
) -> list[str]:
    """``start`` for each server, inserted at once as rows in one statement, for a caller that
    needs only the ids: no objects for the unit of work to flush (the servers' rows must be in
    the database already)."""
    rows = [_new_task(server_id, project_id, action, ctx, None) for server_id in server_ids]
    if rows:
        s.connection().execute(_task_insert(), rows)
    return [row["id"] for row in rows]


def _new_task(
    server_id: str,
    project_id: str,
    action: str,
    ctx: RequestContext,
    params: Mapping[str, Any] | None,
) -> dict[str, Any]:
    now = utcnow()
    return {
        "id": str(uuid.uuid4()),
        "server_id": server_id,
        "project_id": project_id,
        "user_id": ctx.user_id,
        "action": action,
        "request_id": ctx.request_id,
        "status": RUNNING,
        "message": None,
        "params": dict(params or {}),
        "created_at": now,
        "updated_at": now,
    }


@cache
def _task_insert() -> Insert:
    return insert(Task)


def record_done(
    s: Session,
    server_id: str,
    project_id: str,
    action: str,
    ctx: RequestContext,
    event: str,
    params: Mapping[str, Any] | None = None,
) -> Task:
    """A task that completes in the request itself (lock, unlock, reset state)."""
    task = start(s, server_id, project_id, action, ctx, params)
    task.status = SUCCEEDED
    task.finished_at = task.created_at
    s.add(
        TaskItem(
            task_id=task.id,
            event=event,
            status=ITEM_SUCCESS,
            started_at=task.created_at,
            finished_at=task.created_at,
            host=None,
            details=None,
        )
    )
    return task


def begin_item(s: Session, task_id: str, event: str, host: str | None) -> TaskItem:
    item = TaskItem(task_id=task_id, event=event, status="running", host=host, started_at=utcnow())
    s.add(item)
    s.flush()
    return item


def end_item(s: Session, item_id: int, ok: bool, details: str | None = None) -> None:
    s.execute(
        update(TaskItem)
        .where(TaskItem.id == item_id)
        .values(status=ITEM_SUCCESS if ok else ITEM_ERROR, finished_at=utcnow(), details=details)
    )


def finish(
    s: Session,
    task_id: str,
    ok: bool,
    message: str | None = None,
    params: Mapping[str, Any] | None = None,
) -> bool:
    """End a running task; ``params``, when given, replace its parameters (secrets.erased).
    False when it was not running (another ended it first)."""
    now = utcnow()
    values: dict[str, Any] = {"status": SUCCEEDED if ok else FAILED, "message": message}
    if params is not None:
        values["params"] = dict(params)
    ended = s.execute(
        update(Task)
        .where(Task.id == task_id, Task.status == RUNNING)
        .values(**values, updated_at=now, finished_at=now)
    )
    return cast(CursorResult[Any], ended).rowcount == 1


def end(s: Session, task: Task, ok: bool, message: str | None = None) -> bool:
    """``finish`` a task read earlier, its sealed secrets erased from the row."""
    return finish(s, task.id, ok, message, erased(task.params))


def running(s: Session) -> list[Task]:
    return list(s.scalars(select(Task).where(Task.status == RUNNING).order_by(Task.created_at)))


def of_server(s: Session, server_id: str) -> list[Task]:
    """Newest first, as os-instance-actions lists them."""
    stmt = select(Task).where(Task.server_id == server_id).order_by(Task.created_at.desc(), Task.id)
    return list(s.scalars(stmt))


def items_of(s: Session, task_id: str) -> list[TaskItem]:
    return list(s.scalars(select(TaskItem).where(TaskItem.task_id == task_id).order_by(TaskItem.id)))


def get(s: Session, task_id: str) -> Task | None:
    return s.get(Task, task_id) if len(task_id) <= 36 else None


def running_of(s: Session, server_id: str, action: str) -> str | None:
    """The id of the newest running task of ``action`` on the server, if any."""
    stmt = (
        select(Task.id)
        .where(Task.server_id == server_id, Task.action == action, Task.status == RUNNING)
        .order_by(Task.created_at.desc())
        .limit(1)
    )
    return s.scalars(stmt).first()


def page_of_server(
    s: Session,
    server_id: str,
    limit: int,
    after: Task | None = None,
    since: datetime | None = None,
    statuses: Collection[str] = (),
) -> list[Task]:
    """At most ``limit`` of the server's tasks, newest first (as of_server), after ``after``
    in that order; only those created at or after ``since`` and in ``statuses`` when given."""
    stmt = select(Task).where(Task.server_id == server_id)
    if since is not None:
        stmt = stmt.where(Task.created_at >= since)
    if statuses:
        stmt = stmt.where(Task.status.in_(sorted(statuses)))
    if after is not None:
        stmt = stmt.where(
            or_(
                Task.created_at < after.created_at,
                and_(Task.created_at == after.created_at, Task.id > after.id),
            )
        )
    return list(s.scalars(stmt.order_by(Task.created_at.desc(), Task.id).limit(limit)))
