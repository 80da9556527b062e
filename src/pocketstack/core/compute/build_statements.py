"""The statements a server build runs, built once and run on the session's connection.

A build runs about fifteen statements in two transactions; building a SQLAlchemy statement
and going through the ORM's execution costs several times what SQLite takes to run it, so the
build path uses these instead of composing its statements each time. They write no identity
table and no row the session has loaded (a build's sessions load none of these).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, Select, Update, bindparam, insert, select, update
from sqlalchemy.orm import Session

from pocketstack.core.compute import states
from pocketstack.core.identity.common import utcnow
from pocketstack.core.tasks import tasks
from pocketstack.store.compute_models import Server, Task, TaskItem
from pocketstack.store.image_models import Image


@cache
def _to_spawning() -> Update:
    return (
        update(Server)
        .where(
            Server.id == bindparam("sid"),
            Server.deleted.is_(False),
            Server.vm_state == states.BUILDING,
            Server.task_state == "scheduling",
        )
        .values(task_state="spawning", host=bindparam("p_host"), updated_at=bindparam("now"))
    )


def to_spawning(s: Session, server_id: str, host: str) -> bool:
    """A server still being scheduled (not deleted, not taken over) starts spawning on
    ``host``; False when it is no longer so (``claims.swap``'s rule)."""
    result = s.connection().execute(_to_spawning(), {"sid": server_id, "p_host": host, "now": utcnow()})
    return result.rowcount == 1


@cache
def _to_active() -> Update:
    return (
        update(Server)
        .where(
            Server.id == bindparam("sid"),
            Server.deleted.is_(False),
            Server.vm_state == states.BUILDING,
            Server.task_state == "spawning",
        )
        .values(
            vm_state=states.ACTIVE,
            task_state=None,
            power_state=bindparam("power"),
            updated_at=bindparam("now"),
            launched_at=bindparam("now"),
        )
    )


def to_active(s: Session, server_id: str, power_state: int) -> bool:
    now = utcnow()
    result = s.connection().execute(_to_active(), {"sid": server_id, "power": power_state, "now": now})
    return result.rowcount == 1


@cache
def _add_item() -> Insert:
    return insert(TaskItem).values(
        task_id=bindparam("task_id"),
        event=bindparam("event"),
        status=bindparam("status"),
        host=bindparam("p_host"),
        details=bindparam("p_details"),
        started_at=bindparam("started"),
        finished_at=bindparam("finished", type_=TaskItem.finished_at.type),
    )


def add_item(
    s: Session,
    task_id: str,
    event: str,
    host: str | None,
    started: datetime,
    *,
    ok: bool | None = None,
    details: str | None = None,
) -> int:
    """A task item begun at ``started``: running (``ok`` None), or ended now with its result."""
    status, finished = "running", None
    if ok is not None:
        status, finished = (tasks.ITEM_SUCCESS if ok else tasks.ITEM_ERROR), utcnow()
    params = {"task_id": task_id, "event": event, "status": status, "p_host": host, "p_details": details}
    result = s.connection().execute(_add_item(), {**params, "started": started, "finished": finished})
    return result.inserted_primary_key[0]


@cache
def _end_item() -> Update:
    return (
        update(TaskItem)
        .where(TaskItem.id == bindparam("item_id"))
        .values(status=bindparam("status"), finished_at=bindparam("now"), details=None)
    )


def end_item_ok(s: Session, item_id: int) -> None:
    """``tasks.end_item(s, item_id, True)``."""
    params = {"item_id": item_id, "status": tasks.ITEM_SUCCESS, "now": utcnow()}
    s.connection().execute(_end_item(), params)


@cache
def _finish_ok() -> Update:
    return (
        update(Task)
        .where(Task.id == bindparam("task_id"), Task.status == tasks.RUNNING)
        .values(
            status=tasks.SUCCEEDED, message=None, updated_at=bindparam("now"), finished_at=bindparam("now")
        )
    )


def finish_ok(s: Session, task_id: str) -> None:
    """``tasks.finish(s, task_id, True)``."""
    s.connection().execute(_finish_ok(), {"task_id": task_id, "now": utcnow()})


@cache
def task_and_server() -> Select[Any]:
    """A task and its server, in one statement (parameter ``task_id``)."""
    joined = select(Task, Server).join(Server, Server.id == Task.server_id)
    return joined.where(Task.id == bindparam("task_id"))


@cache
def _image_properties() -> Select[Any]:
    return select(Image.properties).where(Image.id == bindparam("image_id"))


def image_properties(s: Session, image_id: str | None) -> dict[str, Any]:
    """The image's properties ({} when it is gone)."""
    if not image_id:
        return {}
    return dict(s.connection().execute(_image_properties(), {"image_id": image_id}).scalar() or {})
