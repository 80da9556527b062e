"""The conductor carries out tasks: it schedules, claims, drives the driver and moves the
server's state, recording each step as a task item. It runs on the bus's worker threads.

Every handler ends the task: success puts the server in the action's end state; a failure
(no valid host, a driver error, an injected fault) clears the task state, records a fault and,
for builds, puts the server in ERROR with its allocations freed. Both write the server only
where it still holds the task's own task state (``settle``): a delete or a reset that came in
while the task ran wins, and a deleted server is never brought back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from pocketstack.core.compute import build_statements as build
from pocketstack.core.compute import claims, nics, states
from pocketstack.core.compute.faults import FaultInjection
from pocketstack.core.compute.moves import MovesMixin
from pocketstack.core.compute.nics import Nics
from pocketstack.core.compute.servers import forget_membership_stmt
from pocketstack.core.identity.common import utcnow
from pocketstack.core.placement import scheduler as sched
from pocketstack.core.placement.scheduler import NoValidHost, RequestSpec, Resources, Scheduler
from pocketstack.core.tasks import tasks
from pocketstack.drivers.base import Driver, DriverError, GuestSpec, VifSpec
from pocketstack.store.compute_models import (
    Migration,
    Server,
    ServerGroup,
    ServerGroupMember,
    Task,
)
from pocketstack.store.db import Database

LOG = logging.getLogger("pocketstack.conductor")
SCHEDULE_EVENT = "conductor_schedule_and_build_instances"
BUILD_EVENT = "compute__do_build_and_run_instance"

# action -> (driver method, vm_state after, power_state after); None keeps the current one.
POWER_ACTIONS: dict[str, tuple[str, str | None, int | None]] = {
    "stop": ("power_off", states.STOPPED, states.SHUTDOWN),
    "start": ("power_on", states.ACTIVE, states.RUNNING),
    "pause": ("pause", states.PAUSED, states.POWER_PAUSED),
    "unpause": ("unpause", states.ACTIVE, states.RUNNING),
    "suspend": ("suspend", states.SUSPENDED, states.POWER_SUSPENDED),
    "resume": ("resume", states.ACTIVE, states.RUNNING),
    "rescue": ("rescue", states.RESCUED, states.RUNNING),
    "unrescue": ("unrescue", states.ACTIVE, states.RUNNING),
    "restore": ("power_on", states.ACTIVE, states.RUNNING),
}


class InjectedFault(Exception):
    pass


class _TakenOver(Exception):
    """The server left the build's state while it was being claimed for (rolls the claim back)."""


def guest_of(server: Server, host: str | None = None, vifs: tuple[VifSpec, ...] = ()) -> GuestSpec:
    f = server.flavor
    return GuestSpec(
        server.id,
        server.name,
        host or server.host or "",
        f["vcpus"],
        f["ram"],
        f["disk"],
        server.image_id,
        {},
        vifs,
    )


def plugged_guest(db: Database, server: Server, host: str | None = None) -> GuestSpec:
    """The guest with the ports it is to have plugged (read now: they may have changed)."""
    with db.read() as s:
        return guest_of(server, host, nics.vif_specs(s, server.id))


def resources_of(flavor: dict[str, Any]) -> Resources:
    return Resources(flavor["vcpus"], flavor["ram"], flavor["disk"] + flavor.get("ephemeral", 0))


class Conductor(MovesMixin):
    def __init__(
        self,
        db: Database,
        driver: Driver,
        scheduler: Scheduler,
        faults: FaultInjection,
        nics: Nics,
        snapshots: Any,
    ) -> None:
        self.db = db
        self.driver = driver
        self.scheduler = scheduler
        self.faults = faults
        self.nics = nics
        self.snapshots = snapshots  # uploads image data for createImage/createBackup/shelve

    # -- plumbing ------------------------------------------------------------------------
    def run(self, task_id: str) -> None:
        with self.db.read() as s:
            found = s.execute(build.task_and_server(), {"task_id": task_id}).first()
        task, server = found if found is not None else (None, None)
        if task is None or server is None or task.status != tasks.RUNNING:
            return
        handler = getattr(self, "_do_" + task.action.replace("-", "_"), None)
        try:
            if handler is None:
                raise DriverError(f"No handler for action {task.action}.")
            if not handler(task, server):  # True: the handler finished the task itself
                with self.db.transaction() as s:
                    tasks.finish(s, task.id, True)
        except (NoValidHost, DriverError, InjectedFault) as exc:
            self._fail(task, server, str(exc))
        except Exception as exc:  # a bug: still never leave the server stuck
            LOG.exception("event=task_failed task_id=%s action=%s", task.id, task.action)
            self._fail(task, server, f"Unexpected error during {task.action}: {type(exc).__name__}")

    @contextmanager
    def step(self, task: Task, event: str, host: str | None = None) -> Iterator[None]:
        with self.db.transaction() as s:
            item_id = tasks.begin_item(s, task.id, event, host).id
        try:
            yield
        except BaseException as exc:
            with self.db.transaction() as s:
                tasks.end_item(s, item_id, False, str(exc))
            raise
        with self.db.transaction() as s:
            tasks.end_item(s, item_id, True)

    @staticmethod
    def _guest(server: Server, host: str | None = None) -> GuestSpec:
        return guest_of(server, host)

    def set_server(self, s: Session, server_id: str, **values: Any) -> None:
        """Unconditional: for what is not a change of state, and for deletes, which always win.
        A new host rebinds the server's ports to it."""
        s.execute(update(Server).where(Server.id == server_id).values(updated_at=utcnow(), **values))
        if "host" in values:
            nics.bind(s, server_id, values["host"])

    def settle(self, s: Session, task: Task, **values: Any) -> bool:
        """Write ``values`` to the task's server only if it still holds the task's task state
        (not deleted, not taken over by a delete or a reset); True when written."""
        held = claims.running_task_states(task.action, task.params)
        written = claims.swap(s, task.server_id, task_states=held, **values)
        if written and "host" in values:
            nics.bind(s, task.server_id, values["host"])
        return written

    def _fail(self, task: Task, server: Server, message: str) -> None:
        with self.db.transaction() as s:
            current = s.get(Server, server.id)
            values: dict[str, Any] = {"task_state": None, "fault": states.fault_record(message)}
            if (
                task.action in ("create", "unshelve", "evacuate", "rebuild")
                or current.vm_state == states.BUILDING
            ):
                values["vm_state"] = states.ERROR
            if task.action == "create":
                sched.free(s, server.id)  # also when a delete took over: its claim is void
                values["host"] = None
            if task.action in ("resize", "migrate", "live-migration", "evacuate"):
                self._undo_resize_claim(s, task, current)
            self.settle(s, task, **values)
            tasks.finish(s, task.id, False, message)
        LOG.info("event=task_failed task_id=%s action=%s reason=%s", task.id, task.action, message)

    def _inject(self, server: Server, key: str, global_key: str, message: str) -> None:
        with self.db.transaction() as s:
            current = s.get(Server, server.id)
            raise_it = self._take_fault(s, current, key, global_key)
        if raise_it:
            raise InjectedFault(message)

    def _spec(self, s: Session, server: Server, flavor: dict[str, Any]) -> RequestSpec:
        hints = server.scheduler_hints or {}
        spec = RequestSpec(
            resources=resources_of(flavor),
            image_properties=build.image_properties(s, server.image_id),
            zone=server.requested_zone,
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

    # -- build and delete --------------------------------------------------------------------
    def _do_create(self, task: Task, server: Server) -> bool:
        """Claim, bind and start spawning in one transaction, spawn, then settle in another:
        the schedule and build steps are recorded as task items with their times."""
        with self.db.read() as s:
            # The global faults as the build starts: a count set while it runs is the next one's.
            settings = self.faults.load(s)
            own_delay = float((server.injected_faults or {}).get("build_delay", 0))
            delay = own_delay or float(settings.get("build_delay", 0))
            spec = None if delay else self._spec(s, server, server.flavor)
        current = server
        if delay:
            time.sleep(delay)
            with self.db.read() as s:
                current = s.get(Server, server.id)
                spec = self._spec(s, server, server.flavor)
        if current.deleted or current.vm_state != states.BUILDING or current.task_state == "deleting":
            return False
        assert spec is not None
        started = utcnow()
        try:
            with self.db.transaction() as s:
                host = self.scheduler.claim_in(s, server.id, spec)
                if not build.to_spawning(s, server.id, host):
                    raise _TakenOver  # deleted, being deleted or timed out meanwhile: no claim
                build.add_item(s, task.id, SCHEDULE_EVENT, None, started, ok=True)
                nics.bind(s, server.id, host)
                build_item = build.add_item(s, task.id, BUILD_EVENT, host, utcnow())
                injected = self._take_fault(s, server, "fail_build", "fail_builds", settings)
        except _TakenOver:
            return False
        except NoValidHost as exc:
            with self.db.transaction() as s:
                build.add_item(s, task.id, SCHEDULE_EVENT, None, started, ok=False, details=str(exc))
            raise
        try:
            if injected:
                raise InjectedFault(f"Build of instance {server.id} aborted: injected fault")
            self.driver.spawn(self._spawn_guest(server, host))
        except BaseException as exc:
            with self.db.transaction() as s:
                tasks.end_item(s, build_item, False, str(exc))
            raise
        crash = bool((server.injected_faults or {}).get("crash"))
        with self.db.transaction() as s:
            build.end_item_ok(s, build_item)
            crash = crash or (settings["crash_builds"] > 0 and self.faults.take(s, "crash_builds"))
            build.to_active(s, server.id, states.CRASHED if crash else states.RUNNING)
            build.finish_ok(s, task.id)
        return True

    def _take_fault(
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

    def _spawn_guest(self, server: Server, host: str | None = None) -> GuestSpec:
        """What spawn is given: the ports to plug only for a driver that plugs them (resolving
        security groups into addresses reads every member of every remote group)."""
        if self.driver.plugs_vifs:
            return plugged_guest(self.db, server, host)
        return guest_of(server, host)

    def _do_delete(self, task: Task, server: Server) -> None:
        soft = bool((task.params or {}).get("soft"))
        with self.step(
            task, "compute_terminate_instance" if not soft else "compute_soft_delete_instance", server.host
        ):
            if server.host:
                (self.driver.power_off if soft else self.driver.destroy)(guest_of(server))
        now = utcnow()
        with self.db.transaction() as s:
            if soft:
                self.settle(
                    s,
                    task,
                    vm_state=states.SOFT_DELETED,
                    task_state=None,
                    power_state=states.SHUTDOWN,
                    deleted_at=now,
                )
                return
            self.finish_delete(s, server.id)

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

    _do_forceDelete = _do_delete

    # -- power and simple actions ------------------------------------------------------------
    def _simple(
        self, task: Task, server: Server, method: str, vm_state: str | None, power: int | None
    ) -> None:
        with self.step(task, f"compute_{method}_instance", server.host):
            self._inject(server, "fail_next_action", "fail_actions", f"Injected failure of {task.action}")
            getattr(self.driver, method)(guest_of(server))
        values: dict[str, Any] = {"task_state": None}
        if vm_state is not None:
            values["vm_state"] = vm_state
        if power is not None:
            values["power_state"] = power
        with self.db.transaction() as s:
            self.settle(s, task, **values)

    def __getattr__(self, name: str) -> Any:
        action = name.removeprefix("_do_")
        if name.startswith("_do_") and action in POWER_ACTIONS:
            method, vm_state, power = POWER_ACTIONS[action]
            return lambda task, server: self._simple(task, server, method, vm_state, power)
        raise AttributeError(name)

    def _do_reboot(self, task: Task, server: Server) -> None:
        hard = (task.params or {}).get("type", "SOFT") == "HARD"
        with self.step(task, "compute_reboot_instance", server.host):
            self._inject(server, "fail_next_action", "fail_actions", "Injected failure of reboot")
            self.driver.reboot(guest_of(server), hard)
        with self.db.transaction() as s:
            self.settle(s, task, vm_state=states.ACTIVE, task_state=None, power_state=states.RUNNING)

    def _do_changePassword(self, task: Task, server: Server) -> None:
        with self.step(task, "compute_set_admin_password", server.host):
            self._inject(server, "fail_next_action", "fail_actions", "Injected failure of changePassword")
            self.driver.set_admin_password(guest_of(server), (task.params or {}).get("password", ""))
        with self.db.transaction() as s:
            self.settle(s, task, task_state=None, admin_password_set=True)

    def _do_rebuild(self, task: Task, server: Server) -> None:
        params = task.params or {}
        with self.step(task, "compute_rebuild_instance", server.host):
            self._inject(server, "fail_next_action", "fail_actions", "Injected failure of rebuild")
            self.driver.destroy(guest_of(server))
            self.driver.spawn(self._spawn_guest(server))
        stopped = server.vm_state == states.STOPPED
        with self.db.transaction() as s:
            self.settle(
                s,
                task,
                vm_state=states.STOPPED if stopped else states.ACTIVE,
                power_state=states.SHUTDOWN if stopped else states.RUNNING,
                task_state=None,
                launched_at=utcnow(),
                fault=None,
                **({"image_id": params["image_id"]} if params.get("image_id") else {}),
            )

    def _do_createImage(self, task: Task, server: Server) -> None:
        image_id = (task.params or {})["image_id"]
        with self.step(task, "compute_snapshot_instance", server.host):
            self._inject(server, "fail_next_action", "fail_actions", f"Injected failure of {task.action}")
            self.driver.snapshot(guest_of(server))
            self.snapshots(server, image_id)
        params = task.params or {}
        if task.action == "createBackup":  # before it settles: who sees it ACTIVE sees the rotation
            self.snapshots.rotate_as_owner(server, params["backup_type"], int(params.get("rotation", 0)))
        with self.db.transaction() as s:
            self.settle(s, task, task_state=None)

    _do_createBackup = _do_createImage


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]
