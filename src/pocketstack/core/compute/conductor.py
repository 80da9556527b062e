"""The conductor carries out tasks: it schedules, claims, drives the driver and moves the
server's state, recording each step as a task item. It runs on the bus's worker threads.

What a task does is its action's row in core/compute/action_table.py: the conductor runs the
row's step (core/compute/steps/, plain functions given the conductor) and keeps here only the
plumbing they share. Every step ends the task: success puts the server in the action's end
state; a failure (no valid host, a driver error, an injected fault) clears the task state,
records a fault and does what the row's ``on_failure`` says (builds: ERROR with allocations
freed; moves: the destination claim given back). Both write the server only
where it still holds the task's own task state (``settle``): a delete or a reset that came in
while the task ran wins, and a deleted server is never brought back.

An operator may abort a running task (core/operator/tasks.py) while a worker thread still
carries it out: the conductor looks at the task's status before and after each step, when it
settles and when it fails, and stops once the task is no longer running (``TaskAborted``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pocketstack.core.compute import action_table, claims, nics, states
from pocketstack.core.compute import build_statements as build
from pocketstack.core.compute.faults import FaultInjection
from pocketstack.core.compute.guests import guest_of, plugged_guest, resources_of
from pocketstack.core.compute.nics import Nics
from pocketstack.core.compute.servers import forget_membership_stmt
from pocketstack.core.compute.steps import InjectedFault
from pocketstack.core.compute.steps.moves import undo_resize_claim
from pocketstack.core.identity.common import utcnow
from pocketstack.core.placement import dag
from pocketstack.core.placement import scheduler as sched
from pocketstack.core.placement.scheduler import NoValidHost, RequestSpec, Scheduler
from pocketstack.core.tasks import tasks
from pocketstack.core.tasks.secrets import TaskSecrets
from pocketstack.drivers.base import Driver, DriverError, GuestSpec
from pocketstack.store.compute_models import (
    Migration,
    Server,
    ServerGroup,
    ServerGroupMember,
    Task,
)
from pocketstack.store.db import Database

__all__ = ["Conductor", "InjectedFault", "TaskAborted"]

LOG = logging.getLogger("pocketstack.conductor")
OPEN_MIGRATIONS = ("pre-migrating", "migrating", "error")


class TaskAborted(Exception):
    """The task was ended by someone else (an operator's abort) while it ran."""


def still_running(s: Session, task_id: str) -> bool:
    return s.scalar(select(Task.status).where(Task.id == task_id)) == tasks.RUNNING


def claims_for_task(action: str) -> bool:
    """Whether a task of ``action`` claims allocations of its own: a build's, an unshelve's, a
    move's destination (with the source parked on its migration)."""
    failure = action_table.failure_of(action)
    return failure.free_allocations or failure.undo_claim or action == "unshelve"


def release_claims(s: Session, task: Task) -> bool:
    """Free what ``task`` claimed for its server (``claims_for_task``): the server's
    allocations and those of its unfinished migrations, which are marked ``error``. True when
    the task's action claims any (the server is then left on no host)."""
    if not claims_for_task(task.action):
        return False
    sched.free(s, task.server_id)
    stmt = select(Migration).where(
        Migration.server_id == task.server_id, Migration.status.in_(OPEN_MIGRATIONS)
    )
    for migration in s.scalars(stmt):
        sched.free(s, migration.uuid)
        if migration.status != "error":
            migration.status, migration.updated_at = "error", utcnow()
    return True


class Conductor:
    """Runs tasks: looks each up in the action table (core/compute/action_table.py) and runs its
    step (core/compute/steps/) with itself, which offers the plumbing the steps share."""

    def __init__(
        self,
        db: Database,
        driver: Driver,
        scheduler: Scheduler,
        faults: FaultInjection,
        nics: Nics,
        snapshots: Any,
        secrets: TaskSecrets,
    ) -> None:
        self.db = db
        self.driver = driver
        self.scheduler = scheduler
        self.faults = faults
        self.nics = nics
        self.snapshots = snapshots  # uploads image data for createImage/createBackup/shelve
        self.secrets = secrets

    # -- plumbing ------------------------------------------------------------------------
    def run(self, task_id: str) -> None:
        with self.db.read() as s:
            found = s.execute(build.task_and_server(), {"task_id": task_id}).first()
        task, server = found if found is not None else (None, None)
        if task is None or server is None or task.status != tasks.RUNNING:
            return
        step = action_table.step_of(task.action)
        try:
            if step is None:
                raise DriverError(f"No handler for action {task.action}.")
            if not step(self, task, server):  # True: the step finished the task itself
                with self.db.transaction() as s:
                    tasks.end(s, task, True)
        except TaskAborted:
            self.after_abort(task)
        except (NoValidHost, DriverError, InjectedFault) as exc:
            self.fail(task, server, str(exc))
        except Exception as exc:  # a bug: still never leave the server stuck
            LOG.exception("event=task_failed task_id=%s action=%s", task.id, task.action)
            self.fail(task, server, f"Unexpected error during {task.action}: {type(exc).__name__}")

    @contextmanager
    def step(self, task: Task, event: str, host: str | None = None) -> Iterator[None]:
        """One recorded step. Raises TaskAborted, before the step or after it, when the task
        was aborted meanwhile: what the step claimed is then given back (``after_abort``)."""
        with self.db.transaction() as s:
            if not still_running(s, task.id):
                raise TaskAborted(task.id)
            item_id = tasks.begin_item(s, task.id, event, host).id
        try:
            yield
        except BaseException as exc:
            with self.db.transaction() as s:
                tasks.end_item(s, item_id, False, str(exc))
            raise
        with self.db.transaction() as s:
            tasks.end_item(s, item_id, True)
            running = still_running(s, task.id)
        if not running:
            raise TaskAborted(task.id)

    def after_abort(self, task: Task) -> None:
        """Give back what a step claimed after the abort had freed the task's claims, when the
        server is still as the abort left it (ERROR, on no host)."""
        with self.db.transaction() as s:
            server = s.get(Server, task.server_id)
            if server is not None and server.vm_state == states.ERROR and server.host is None:
                release_claims(s, task)
        LOG.info("event=task_aborted task_id=%s action=%s", task.id, task.action)

    def set_server(self, s: Session, server_id: str, **values: Any) -> None:
        """Unconditional: for what is not a change of state, and for deletes, which always win.
        A new host rebinds the server's ports to it."""
        s.execute(update(Server).where(Server.id == server_id).values(updated_at=utcnow(), **values))
        if "host" in values:
            nics.bind(s, server_id, values["host"])

    def settle(self, s: Session, task: Task, **values: Any) -> bool:
        """Write ``values`` to the task's server only if it still holds the task's task state
        (not deleted, not taken over by a delete or a reset) and the task was not aborted; True
        when written."""
        if not still_running(s, task.id):
            return False
        held = claims.running_task_states(task.action, task.params)
        written = claims.swap(s, task.server_id, task_states=held, **values)
        if written and "host" in values:
            nics.bind(s, task.server_id, values["host"])
        return written

    def fail(self, task: Task, server: Server, message: str) -> None:
        """End the task failed, doing what its row's ``on_failure`` says; nothing when it was
        aborted meanwhile (the abort did that already)."""
        failure = action_table.failure_of(task.action)
        with self.db.transaction() as s:
            if not still_running(s, task.id):
                return
            current = s.get(Server, server.id)
            values: dict[str, Any] = {"task_state": None, "fault": states.fault_record(message)}
            if failure.error or current.vm_state == states.BUILDING:
                values["vm_state"] = states.ERROR
            if failure.free_allocations:
                sched.free(s, server.id)  # also when a delete took over: its claim is void
                values["host"] = None
            if failure.undo_claim:
                undo_resize_claim(self, s, task, current)
            self.settle(s, task, **values)
            tasks.end(s, task, False, message)
        LOG.info("event=task_failed task_id=%s action=%s reason=%s", task.id, task.action, message)

    def inject(
        self, server: Server, message: str, key: str = "fail_next_action", global_key: str = "fail_actions"
    ) -> None:
        """Fail with ``message`` when a fault is injected for the server's next action (its own
        ``key``, else one of the global ``global_key``)."""
        with self.db.transaction() as s:
            current = s.get(Server, server.id)
            raise_it = self.take_fault(s, current, key, global_key)
        if raise_it:
            raise InjectedFault(message)

    def spec(self, s: Session, server: Server, flavor: dict[str, Any]) -> RequestSpec:
        hints = server.scheduler_hints or {}
        spec = RequestSpec(
            resources=resources_of(flavor),
            image_properties=build.image_properties(s, server.image_id),
            zone=server.requested_zone,
            placement_id=dag.inner_placement(s, server.placement_id, server.requested_zone),
            force_host=hints.get("force_host"),
            extra_specs=flavor.get("extra_specs") or {},
            same_host=_as_list(hints.get("same_host")),
            different_host=_as_list(hints.get("different_host")),
        )
        member = (
            s.get(ServerGroupMember, {"group_id": hints.get("group"), "server_id": server.id})
            if hints.get("group")
            else None
        )
        if member is not None:
            group = s.get(ServerGroup, member.group_id)
            spec.group_policy = group.policy
            spec.max_per_host = int((group.rules or {}).get("max_server_per_host", 1))
            spec.group_members = [
                m.server_id
                for m in s.query(ServerGroupMember).filter_by(group_id=group.id)
                if m.server_id != server.id
            ]
        return spec

    def take_fault(
        self, s: Session, server: Server, key: str, global_key: str, settings: dict[str, Any] | None = None
    ) -> bool:
        """Use up the server's own fault ``key``, else one of the global ``global_key`` (not
        looked for when ``settings``, the global faults read before, has none)."""
        own = dict(server.injected_faults or {})
        if own.pop(key, False):
            s.execute(
                update(Server)
                .where(Server.id == server.id)
                .values(injected_faults=own)
                .execution_options(synchronize_session=False)
            )
            return True
        if settings is not None and settings.get(global_key, 0) <= 0:
            return False
        return self.faults.take(s, global_key)

    def spawn_guest(self, server: Server, host: str | None = None) -> GuestSpec:
        """What spawn is given: the ports to plug only for a driver that plugs them (resolving
        security groups into addresses reads every member of every remote group)."""
        if self.driver.plugs_vifs:
            return plugged_guest(self.db, server, host)
        return guest_of(server, host)

    def finish_delete(self, s: Session, server_id: str) -> None:
        """Free everything a server holds and mark it deleted (also used by recovery)."""
        now = utcnow()
        sched.free(s, server_id)
        for migration in s.query(Migration).filter(Migration.server_id == server_id):
            sched.free(s, migration.uuid)
        self.nics.release(s, server_id)
        s.execute(forget_membership_stmt(server_id))
        self.set_server(
            s,
            server_id,
            vm_state=states.DELETED,
            task_state=None,
            power_state=states.NOSTATE,
            deleted=True,
            deleted_at=now,
            terminated_at=now,
        )


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]
