"""Crash safety: resolve at start what a crash left running, and, while running, fail builds
that exceed the build timeout and reclaim soft-deleted servers whose time is up.

At start no task can really be running (this process is the only one carrying tasks out), so
every task still marked running is resolved: builds go to ERROR with their allocations freed,
deletes are completed, moves are rolled back, every other action is cleared (its task state
removed, the server left in the state it had). The periodic jobs run while tasks do, so they
claim a server (``claims.swap``) before they change it: a build that completes, a delete or a
restore that comes first wins.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from pocketstack.core.compute import claims, states
from pocketstack.core.compute.states import fault_record
from pocketstack.core.identity.common import utcnow
from pocketstack.core.placement import scheduler as sched
from pocketstack.core.tasks import tasks
from pocketstack.store.compute_models import Server, Task
from pocketstack.store.db import Database

if TYPE_CHECKING:
    from pocketstack.core.compute.conductor import Conductor

LOG = logging.getLogger("pocketstack.recovery")
INTERRUPTED = "The task was interrupted by a restart of the service."


def any_busy(db: Database) -> bool:
    """Whether a task runs or a server is busy (building, or in a task). When none is, neither
    ``resolve_interrupted`` nor ``fail_overdue_builds`` has anything to do, and the caller need
    not build the compute machinery to run them."""
    busy = (Server.task_state.is_not(None)) | (Server.vm_state == states.BUILDING)
    with db.read() as s:
        if s.scalar(select(Task.id).where(Task.status == tasks.RUNNING).limit(1)) is not None:
            return True
        return s.scalar(select(Server.id).where(Server.deleted.is_(False), busy).limit(1)) is not None


def resolve_interrupted(conductor: Conductor) -> int:
    """Returns how many tasks were resolved."""
    db = conductor.db
    with db.transaction() as s:
        running = tasks.running(s)
        for task in running:
            server = s.get(Server, task.server_id) if task.server_id else None
            _resolve(conductor, s, task, server)
        # Servers marked busy without a running task (a crash between commit points).
        stuck = s.scalars(
            select(Server).where(
                Server.deleted.is_(False),
                (Server.task_state.is_not(None)) | (Server.vm_state == states.BUILDING),
            )
        )
        for server in stuck:
            _settle(conductor, s, server)
    if running:
        LOG.info("event=tasks_recovered count=%d", len(running))
    return len(running)


def _resolve(conductor: Conductor, s, task: Task, server: Server | None) -> None:  # noqa: ANN001
    ok = False
    if server is not None:
        if task.action in ("delete", "forceDelete") and not (task.params or {}).get("soft"):
            conductor.finish_delete(s, server.id)
            ok = True
        else:
            _settle(conductor, s, server, task)
    tasks.end(s, task, ok, None if ok else INTERRUPTED)


def _settle(conductor: Conductor, s, server: Server, task: Task | None = None) -> None:  # noqa: ANN001
    values: dict = {"task_state": None}
    if server.vm_state == states.BUILDING:
        sched.free(s, server.id)
        values.update(vm_state=states.ERROR, host=None, fault=fault_record(INTERRUPTED))
    elif server.task_state == "deleting":
        conductor.finish_delete(s, server.id)
        return
    elif task is not None and _undoes_claim(task.action):
        from pocketstack.core.compute.steps.moves import undo_resize_claim  # as the conductor's

        undo_resize_claim(conductor, s, task, server)
    conductor.set_server(s, server.id, **values)


def _undoes_claim(action: str) -> bool:
    """Whether an interrupted task of ``action`` gives its move's destination back, as a failed
    one does (the action table's ``on_failure``)."""
    from pocketstack.core.compute import action_table  # the compute machinery: not needed at start

    return action_table.failure_of(action).undo_claim


def fail_overdue_builds(conductor: Conductor, timeout: int) -> int:
    """Builds older than ``timeout`` seconds go to ERROR with their allocations freed (not the
    ones being deleted: their delete frees them)."""
    from pocketstack.core.compute import nics  # the network machinery: not needed at start

    cutoff = utcnow() - timedelta(seconds=timeout)
    count = 0
    with conductor.db.transaction() as s:
        overdue = s.scalars(
            select(Server.id).where(Server.vm_state == states.BUILDING, Server.created_at < cutoff)
        ).all()
        for server_id in overdue:
            message = f"Build of instance {server_id} timed out after {timeout} seconds."
            failed = claims.swap(
                s,
                server_id,
                vm_states=[states.BUILDING],
                task_states=["scheduling", "spawning"],
                vm_state=states.ERROR,
                task_state=None,
                host=None,
                fault=fault_record(message),
            )
            if not failed:
                continue
            nics.bind(s, server_id, None)
            sched.free(s, server_id)
            for task in s.scalars(
                select(Task).where(Task.server_id == server_id, Task.status == tasks.RUNNING)
            ):
                tasks.end(s, task, False, message)
            count += 1
    return count


def reclaim_soft_deleted(conductor: Conductor, interval: int) -> int:
    """Soft-deleted servers older than ``interval`` seconds are deleted, unless a restore or a
    force delete has claimed them meanwhile."""
    cutoff = utcnow() - timedelta(seconds=interval)
    count = 0
    with conductor.db.transaction() as s:
        due = s.scalars(
            select(Server.id).where(
                Server.vm_state == states.SOFT_DELETED,
                Server.deleted.is_(False),
                Server.deleted_at < cutoff,
            )
        ).all()
        for server_id in due:
            claimed = claims.swap(
                s, server_id, vm_states=[states.SOFT_DELETED], task_states=[None], task_state="deleting"
            )
            if claimed:
                conductor.finish_delete(s, server_id)
                count += 1
    return count
