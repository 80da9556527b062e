"""Steps that act on a guest where it is: the plain driver calls that only move the server
between states (stop, start, pause, suspend, rescue, restore, ... made by ``driver_call``
from the table's row), reboot, password, rebuild and snapshots (createImage, createBackup).

Each runs its driver call as one recorded task item (a fault injected for the server's next
action fails it), then settles the server in the action's end state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pocketstack.core.compute import states
from pocketstack.core.compute.guests import guest_of
from pocketstack.core.identity.common import utcnow
from pocketstack.store.compute_models import Server, Task

if TYPE_CHECKING:
    from pocketstack.core.compute.conductor import Conductor

REBOOT_EVENT = "compute_reboot_instance"
PASSWORD_EVENT = "compute_set_admin_password"
REBUILD_EVENT = "compute_rebuild_instance"
SNAPSHOT_EVENT = "compute_snapshot_instance"


def driver_call(
    method: str, event: str, vm_state: str | None, power_state: int | None
) -> Callable[[Conductor, Task, Server], None]:
    """The step calling the driver's ``method`` on the guest, recorded as ``event``, then
    settling the server in ``vm_state`` and ``power_state`` (None keeps the current one)."""
    values: dict[str, Any] = {"task_state": None}
    if vm_state is not None:
        values["vm_state"] = vm_state
    if power_state is not None:
        values["power_state"] = power_state

    def step(c: Conductor, task: Task, server: Server) -> None:
        with c.step(task, event, server.host):
            c.inject(server, f"Injected failure of {task.action}")
            getattr(c.driver, method)(guest_of(server))
        with c.db.transaction() as s:
            c.settle(s, task, **values)

    step.__name__ = step.__qualname__ = f"driver_call_{method}"
    return step


def reboot(c: Conductor, task: Task, server: Server) -> None:
    hard = (task.params or {}).get("type", "SOFT") == "HARD"
    with c.step(task, REBOOT_EVENT, server.host):
        c.inject(server, "Injected failure of reboot")
        c.driver.reboot(guest_of(server), hard)
    with c.db.transaction() as s:
        c.settle(s, task, vm_state=states.ACTIVE, task_state=None, power_state=states.RUNNING)


def change_password(c: Conductor, task: Task, server: Server) -> None:
    with c.step(task, PASSWORD_EVENT, server.host):
        c.inject(server, "Injected failure of changePassword")
        c.driver.set_admin_password(guest_of(server), c.secrets.open(task.params, "password"))
    with c.db.transaction() as s:
        c.settle(s, task, task_state=None, admin_password_set=True)


def rebuild(c: Conductor, task: Task, server: Server) -> None:
    params = task.params or {}
    with c.step(task, REBUILD_EVENT, server.host):
        c.inject(server, "Injected failure of rebuild")
        c.driver.destroy(guest_of(server))
        c.driver.spawn(c.spawn_guest(server))
    stopped = server.vm_state == states.STOPPED
    with c.db.transaction() as s:
        c.settle(
            s,
            task,
            vm_state=states.STOPPED if stopped else states.ACTIVE,
            power_state=states.SHUTDOWN if stopped else states.RUNNING,
            task_state=None,
            launched_at=utcnow(),
            fault=None,
            **({"image_id": params["image_id"]} if params.get("image_id") else {}),
        )


def snapshot(c: Conductor, task: Task, server: Server) -> None:
    """createImage and createBackup: upload the disk to the image registered in the request
    (``image_id``); a backup then rotates the older ones of its type."""
    params = task.params or {}
    image_id = params["image_id"]
    with c.step(task, SNAPSHOT_EVENT, server.host):
        c.inject(server, f"Injected failure of {task.action}")
        c.driver.snapshot(guest_of(server))
        c.snapshots(server, image_id)
    if task.action == "createBackup":  # before it settles: who sees it ACTIVE sees the rotation
        c.snapshots.rotate_as_owner(server, params["backup_type"], int(params.get("rotation", 0)))
    with c.db.transaction() as s:
        c.settle(s, task, task_state=None)
