"""Draining a host (docs/operator.md section 3): an operator task that disables the host, so the
scheduler places nothing new there, then moves every server off it through ordinary server
tasks: a live migration for a running server when the driver can, else a cold migration, whose
resize is confirmed here (Nova leaves it in VERIFY_RESIZE). Each move is an item of the drain
task, its details naming the server and the move's task; the drain ends once every move has.

The drain runs on a thread of its own rather than on the bus's workers: it waits for the moves,
which need those workers. It survives what a server task survives: a restart leaves it running,
and start-up recovery ends it failed as an interrupted task (core/compute/recovery.py).
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import false, select, update
from sqlalchemy.orm import Session

from pocketstack.core.compute import states
from pocketstack.core.compute.actions import ServerActions
from pocketstack.core.context import RequestContext
from pocketstack.core.errors import Conflict, PocketstackError
from pocketstack.core.identity.common import utcnow
from pocketstack.core.placement.host_registry import host_not_found
from pocketstack.core.placement.scheduler import hosts_changed
from pocketstack.core.tasks import tasks
from pocketstack.store.compute_models import TASK_OPERATOR, Host, Server, Task, TaskItem
from pocketstack.store.db import Database

LOG = logging.getLogger("pocketstack.operator.drain")
DRAIN = "drain"
LIVE, COLD, CONFIRM = "live-migration", "migrate", "confirmResize"
POLL_SECONDS = 0.05


def reason(task_id: str) -> str:
    return f"Drained by operator task {task_id}."


def running_drain(s: Session, host_id: str) -> str | None:
    """The id of the running drain of the host, if any."""
    stmt = select(Task.id, Task.params).where(
        Task.kind == TASK_OPERATOR, Task.action == DRAIN, Task.status == tasks.RUNNING
    )
    return next((tid for tid, params in s.execute(stmt) if (params or {}).get("host") == host_id), None)


def begin(s: Session, ctx: RequestContext, host_id: str) -> tuple[str, str]:
    """Disable the host and record its drain task, running; returns (task id, host name).
    Conflict when a drain of the host runs already: the host's row is locked first, so of two
    concurrent drains one waits for the other's commit and then sees it."""
    host = s.scalars(select(Host).where(Host.id == host_id).with_for_update()).first()
    if host is None:
        raise host_not_found(host_id)
    other = running_drain(s, host_id)
    if other is not None:
        raise Conflict(
            f"Host {host.name} is being drained already (operator task {other}).",
            code="operator.host.draining",
        )
    now = utcnow()
    task_id = str(uuid.uuid4())
    host.enabled, host.disabled_reason, host.updated_at = False, reason(task_id), now
    s.flush()
    hosts_changed(s)
    s.add(
        Task(
            id=task_id,
            kind=TASK_OPERATOR,
            server_id=None,
            project_id=None,
            user_id=ctx.user_id,
            action=DRAIN,
            request_id=ctx.request_id,
            status=tasks.RUNNING,
            message=None,
            params={"host": host_id},
            created_at=now,
            updated_at=now,
        )
    )
    return task_id, host.name


@dataclass
class _Move:
    server_id: str
    name: str
    item_id: int
    action: str
    task_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


class Drains:
    """Starts drains and owns their threads; ``close`` stops them where they are (their tasks
    stay running, as a server task's do when the process stops)."""

    def __init__(self, db: Database, actions: ServerActions, capabilities: Collection[str]) -> None:
        self.db = db
        self.actions = actions
        self.capabilities = capabilities
        self._stop = threading.Event()
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()

    def start(self, ctx: RequestContext, host_id: str) -> str:
        with self.db.transaction() as s:
            task_id, host_name = begin(s, ctx, host_id)
        thread = threading.Thread(
            target=self._run, args=(ctx, task_id, host_name), name=f"drain-{host_name}", daemon=True
        )
        with self._lock:
            self._threads.add(thread)
        thread.start()
        return task_id

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            running = list(self._threads)
        for thread in running:
            thread.join()

    def _run(self, ctx: RequestContext, task_id: str, host_name: str) -> None:
        try:
            self._drain(ctx, task_id, host_name)
        except Exception as exc:  # a bug: still never leave the drain running
            LOG.exception("event=drain_failed task_id=%s", task_id)
            with self.db.transaction() as s:
                tasks.finish(s, task_id, False, f"Unexpected error during the drain: {type(exc).__name__}")
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())

    def _drain(self, ctx: RequestContext, task_id: str, host_name: str) -> None:
        with self.db.read() as s:
            found = s.execute(
                select(Server.id, Server.name, Server.vm_state)
                .where(Server.host == host_name, Server.deleted == false())
                .order_by(Server.created_at, Server.id)
            ).all()
        moves = [self._start_move(ctx, task_id, host_name, sid, name, vm) for sid, name, vm in found]
        pending = [m for m in moves if m.task_id is not None]
        failed = [m.name for m in moves if m.task_id is None]
        while pending:
            if self._stop.wait(POLL_SECONDS):
                return
            with self.db.read() as s:
                ids = [m.task_id for m in pending]
                ended = dict(s.execute(select(Task.id, Task.status).where(Task.id.in_(ids))).all())
            for move in [m for m in pending if ended.get(m.task_id) != tasks.RUNNING]:
                pending.remove(move)
                if not self._finish_move(ctx, host_name, move, ended.get(move.task_id)):
                    failed.append(move.name)
        message = None
        if failed:
            message = f"{len(failed)} of {len(moves)} servers were not moved off {host_name}: " + ", ".join(
                failed
            )
        with self.db.transaction() as s:
            tasks.finish(s, task_id, not failed, message)
        LOG.info("event=drain_ended task_id=%s host=%s failed=%d", task_id, host_name, len(failed))

    def _action_for(self, vm_state: str) -> str | None:
        live = "live_migrate" in self.capabilities
        if vm_state in (states.ACTIVE, states.PAUSED) and live:
            return LIVE
        if vm_state in (states.ACTIVE, states.STOPPED):
            return COLD
        return None

    def _start_move(
        self, ctx: RequestContext, task_id: str, host_name: str, server_id: str, name: str, vm_state: str
    ) -> _Move:
        action = self._action_for(vm_state)
        details: dict[str, Any] = {"server_id": server_id, "server_name": name, "action": action}
        with self.db.transaction() as s:
            item = TaskItem(
                task_id=task_id,
                event=f"move {name}",
                status="running",
                host=host_name,
                details=json.dumps(details),
                started_at=utcnow(),
            )
            s.add(item)
            s.flush()
            move = _Move(server_id, name, item.id, action or "", details=details)
        if action is None:
            self._end_item(move, False, f"A server that is {vm_state} cannot be moved.")
            return move
        try:
            move.task_id = self.actions.run(ctx, server_id, action, {})
        except PocketstackError as exc:
            self._end_item(move, False, str(exc))
            return move
        details["task_id"] = move.task_id
        with self.db.transaction() as s:
            s.execute(update(TaskItem).where(TaskItem.id == move.item_id).values(details=json.dumps(details)))
        return move

    def _finish_move(self, ctx: RequestContext, host_name: str, move: _Move, status: str | None) -> bool:
        if status != tasks.SUCCEEDED:
            with self.db.read() as s:
                task = s.get(Task, move.task_id)
                why = task.message if task is not None and task.message else "the move failed"
            return self._end_item(move, False, why)
        if move.action == COLD:
            try:
                move.details["confirm_task_id"] = self.actions.run(ctx, move.server_id, CONFIRM, {})
            except PocketstackError as exc:
                return self._end_item(move, False, f"The resize could not be confirmed: {exc}")
        with self.db.read() as s:
            now_on = s.scalar(select(Server.host).where(Server.id == move.server_id))
        if now_on == host_name:
            return self._end_item(move, False, f"The server is still on {host_name}.")
        move.details["host"] = now_on
        return self._end_item(move, True)

    def _end_item(self, move: _Move, ok: bool, error: str | None = None) -> bool:
        if error is not None:
            move.details["error"] = error
        with self.db.transaction() as s:
            tasks.end_item(s, move.item_id, ok, json.dumps(move.details))
        return ok
