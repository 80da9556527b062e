"""Build and delete: the steps that bring a server into being and take it away.

A build claims, binds and starts spawning in one transaction, spawns, then settles in
another; the schedule and build steps are recorded as task items with their own times. A
delete frees everything the server holds (``Conductor.finish_delete``) and always wins.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from pocketstack.core.compute import build_statements as build
from pocketstack.core.compute import nics, states
from pocketstack.core.compute.guests import guest_of
from pocketstack.core.compute.steps import InjectedFault
from pocketstack.core.identity.common import utcnow
from pocketstack.core.placement.scheduler import NoValidHost
from pocketstack.core.tasks import tasks
from pocketstack.store.compute_models import Server, Task

if TYPE_CHECKING:
    from pocketstack.core.compute.conductor import Conductor

SCHEDULE_EVENT = "conductor_schedule_and_build_instances"
BUILD_EVENT = "compute__do_build_and_run_instance"
TERMINATE_EVENT = "compute_terminate_instance"
SOFT_DELETE_EVENT = "compute_soft_delete_instance"


class _TakenOver(Exception):
    """The server left the build's state while it was being claimed for (rolls the claim back)."""


def create(c: Conductor, task: Task, server: Server) -> bool:
    """Claim, bind and start spawning in one transaction, spawn, then settle in another:
    the schedule and build steps are recorded as task items with their times."""
    with c.db.read() as s:
        # The global faults as the build starts: a count set while it runs is the next one's.
        settings = c.faults.load(s)
        own_delay = float((server.injected_faults or {}).get("build_delay", 0))
        delay = own_delay or float(settings.get("build_delay", 0))
        spec = None if delay else c.spec(s, server, server.flavor)
    current = server
    if delay:
        time.sleep(delay)
        with c.db.read() as s:
            current = s.get(Server, server.id)
            spec = c.spec(s, server, server.flavor)
    if current.deleted or current.vm_state != states.BUILDING or current.task_state == "deleting":
        return False
    assert spec is not None
    started = utcnow()
    try:
        with c.db.transaction() as s:
            host = c.scheduler.claim_in(s, server.id, spec)
            if not build.to_spawning(s, server.id, host):
                raise _TakenOver  # deleted, being deleted or timed out meanwhile: no claim
            build.add_item(s, task.id, SCHEDULE_EVENT, None, started, ok=True)
            nics.bind(s, server.id, host)
            build_item = build.add_item(s, task.id, BUILD_EVENT, host, utcnow())
            injected = c.take_fault(s, server, "fail_build", "fail_builds", settings)
    except _TakenOver:
        return False
    except NoValidHost as exc:
        with c.db.transaction() as s:
            build.add_item(s, task.id, SCHEDULE_EVENT, None, started, ok=False, details=str(exc))
        raise
    try:
        if injected:
            raise InjectedFault(f"Build of instance {server.id} aborted: injected fault")
        c.driver.spawn(c.spawn_guest(server, host))
    except BaseException as exc:
        with c.db.transaction() as s:
            tasks.end_item(s, build_item, False, str(exc))
        raise
    crash = bool((server.injected_faults or {}).get("crash"))
    with c.db.transaction() as s:
        build.end_item_ok(s, build_item)
        crash = crash or (settings["crash_builds"] > 0 and c.faults.take(s, "crash_builds"))
        build.to_active(s, server.id, states.CRASHED if crash else states.RUNNING)
        build.finish_ok(s, task.id)
    return True


def delete(c: Conductor, task: Task, server: Server) -> None:
    """Delete (also forceDelete); a soft one (``soft`` in the task's parameters: the API's
    delete with a reclaim interval set) only powers off and marks it SOFT_DELETED."""
    _delete(c, task, server, bool((task.params or {}).get("soft")))


def soft_delete(c: Conductor, task: Task, server: Server) -> None:
    """A soft delete run under its own action name (the API records it as ``delete``)."""
    _delete(c, task, server, True)


def _delete(c: Conductor, task: Task, server: Server, soft: bool) -> None:
    with c.step(task, SOFT_DELETE_EVENT if soft else TERMINATE_EVENT, server.host):
        if server.host:
            (c.driver.power_off if soft else c.driver.destroy)(guest_of(server))
    now = utcnow()
    with c.db.transaction() as s:
        if soft:
            c.settle(
                s,
                task,
                vm_state=states.SOFT_DELETED,
                task_state=None,
                power_state=states.SHUTDOWN,
                deleted_at=now,
            )
            return
        c.finish_delete(s, server.id)
