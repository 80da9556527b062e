"""Tasks across the cloud for an operator: the filtered list, and the abort of a running task.
Operator tasks (a drain) act on no server and cannot be aborted yet.

An abort ends the task FAILED and leaves its server as a failed build would: ERROR, its task
state cleared, a fault recorded, and what the task claimed freed (``release_claims``). The
conductor may still be carrying the task out in a worker thread; it notices the task is no
longer running at its next step, when it settles or when it fails, and stops
(core/compute/conductor.py), so nothing it does later overwrites the abort.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from pocketstack.core.compute import claims, nics, states
from pocketstack.core.compute.conductor import release_claims
from pocketstack.core.errors import Conflict, NotFound
from pocketstack.core.identity.common import utcnow
from pocketstack.core.tasks import tasks
from pocketstack.core.tasks.secrets import SEALED
from pocketstack.store.compute_models import TASK_OPERATOR, Server, Task, TaskItem
from pocketstack.store.db import Database

# The fake driver acts in milliseconds and the slowest real step (a snapshot upload of a
# large image) in well under a minute; a task running for longer than this is stuck.
STUCK_AFTER_SECONDS = 120
ABORTED = "Aborted by the operator."


@dataclass(frozen=True)
class TaskFilter:
    statuses: Collection[str] = ()
    actions: Collection[str] = ()
    kinds: Collection[str] = ()
    project_id: str | None = None
    server_id: str | None = None
    since: datetime | None = None
    stuck: bool = False


def _not_found(task_id: str) -> NotFound:
    return NotFound("task", task_id, message=f"Task {task_id} could not be found.")


def page(s: Session, f: TaskFilter, limit: int, after: Task | None = None) -> list[Task]:
    """At most ``limit`` tasks matching ``f``, newest first, after ``after`` in that order."""
    stmt = select(Task)
    if f.statuses:
        stmt = stmt.where(Task.status.in_(sorted(f.statuses)))
    if f.actions:
        stmt = stmt.where(Task.action.in_(sorted(f.actions)))
    if f.kinds:
        stmt = stmt.where(Task.kind.in_(sorted(f.kinds)))
    if f.project_id is not None:
        stmt = stmt.where(Task.project_id == f.project_id)
    if f.server_id is not None:
        stmt = stmt.where(Task.server_id == f.server_id)
    if f.since is not None:
        stmt = stmt.where(Task.created_at >= f.since)
    if f.stuck:
        cutoff = utcnow() - timedelta(seconds=STUCK_AFTER_SECONDS)
        stmt = stmt.where(Task.status == tasks.RUNNING, Task.created_at < cutoff)
    if after is not None:
        stmt = stmt.where(
            or_(
                Task.created_at < after.created_at,
                and_(Task.created_at == after.created_at, Task.id > after.id),
            )
        )
    return list(s.scalars(stmt.order_by(Task.created_at.desc(), Task.id).limit(limit)))


def get(s: Session, task_id: str) -> Task:
    task = tasks.get(s, task_id)
    if task is None:
        raise _not_found(task_id)
    return task


def items(s: Session, task_id: str) -> list[TaskItem]:
    return tasks.items_of(s, task_id)


def shown_params(params: dict[str, Any] | None) -> dict[str, Any]:
    """A task's parameters without its sealed secrets."""
    return {k: v for k, v in (params or {}).items() if k != SEALED}


def abort(db: Database, task_id: str, message: str = ABORTED) -> Task:
    """End a running task FAILED and put its server in ERROR with a fault, freeing what the
    task claimed. Conflict when the task is not running (it ended meanwhile: the conditional
    update of its row decides, so an abort and the conductor's end never both win)."""
    with db.transaction() as s:
        task = get(s, task_id)
        if task.status != tasks.RUNNING:
            raise _conflict(task)
        if task.kind == TASK_OPERATOR or task.server_id is None:
            raise Conflict(
                f"Task {task.id} is an operator task ({task.action}): aborting it is not supported "
                "yet; the server tasks it started can be aborted one by one.",
                code="operator.task.abort_unsupported",
            )
        # The server's row first, then the task's: the order the conductor writes them in
        # (settle, then end), so that on PostgreSQL the two never wait on each other crosswise.
        s.execute(select(Server.id).where(Server.id == task.server_id).with_for_update())
        values: dict[str, Any] = {
            "vm_state": states.ERROR,
            "task_state": None,
            "fault": states.fault_record(f"Task {task.action} aborted by the operator."),
        }
        if release_claims(s, task):
            values["host"] = None
        if claims.swap(s, task.server_id, **values) and "host" in values:
            nics.bind(s, task.server_id, None)
        if not tasks.end(s, task, False, message):
            raise _conflict(task)  # rolls back the server's and the allocations' changes
    with db.read() as s:
        return get(s, task_id)


def _conflict(task: Task) -> Conflict:
    return Conflict(
        f"Task {task.id} is not running: only a running task can be aborted.",
        code="operator.task.not_running",
    )
