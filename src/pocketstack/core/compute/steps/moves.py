"""Steps that move a server or its disk: resize and cold migration (both end in
VERIFY_RESIZE), confirm and revert, live migration, evacuation, shelve and unshelve.

A resize claims the destination under the server's id and parks the source allocation on the
migration's id until it is confirmed (freed) or reverted (handed back), as Nova does.

A move whose end finds its server taken over (deleted, or reset by an admin) gives the
destination back and leaves the server where it was (``undo_resize_claim``, also what a
failed move and recovery after a restart do).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.compute import claims, states
from pocketstack.core.compute.guests import guest_of
from pocketstack.core.identity.common import utcnow
from pocketstack.core.placement import dag
from pocketstack.core.placement import scheduler as sched
from pocketstack.core.placement.scheduler import NoValidHost
from pocketstack.core.tasks import tasks
from pocketstack.store.compute_models import Migration, Server, Task

if TYPE_CHECKING:
    from pocketstack.core.compute.conductor import Conductor

MIGRATE_EVENT = "conductor_migrate_server"
RESIZE_EVENT = "compute_resize_instance"
CONFIRM_EVENT = "compute_confirm_resize"
REVERT_EVENT = "compute_revert_resize"
LIVE_MIGRATION_EVENT = "compute_live_migration"
EVACUATE_EVENT = "compute_rebuild_instance"
SHELVE_EVENT = "compute_shelve_instance"
OFFLOAD_EVENT = "compute_shelve_offload_instance"
UNSHELVE_SCHEDULE_EVENT = "conductor_unshelve_instance"
UNSHELVE_EVENT = "compute_unshelve_instance"


def _migration(s: Session, server: Server, kind: str, new_flavor_id: str, source: str | None) -> Migration:
    now = utcnow()
    migration = Migration(
        uuid=str(uuid.uuid4()),
        server_id=server.id,
        project_id=server.project_id,
        user_id=server.user_id,
        migration_type=kind,
        status="pre-migrating",
        source_host=source,
        dest_host=None,
        old_flavor_id=server.flavor_id,
        new_flavor_id=new_flavor_id,
        created_at=now,
        updated_at=now,
    )
    s.add(migration)
    s.flush()
    return migration


def latest_migration(s: Session, server_id: str, statuses: tuple[str, ...]) -> Migration | None:
    stmt = (
        select(Migration)
        .where(Migration.server_id == server_id, Migration.status.in_(statuses))
        .order_by(Migration.id.desc())
    )
    return s.scalars(stmt).first()


def _shelve_image(s: Session, server_id: str, before_task: str) -> str | None:
    """The snapshot image of the server's latest shelve (None when it made none)."""
    stmt = (
        select(Task)
        .where(Task.server_id == server_id, Task.action == "shelve", Task.id != before_task)
        .order_by(Task.created_at.desc())
    )
    last = s.scalars(stmt).first()
    return (last.params or {}).get("image_id") if last is not None else None


def _zone(params: dict[str, Any]) -> dict[str, Any]:
    """A move to a placement (vNext's MOVE) makes it the server's asked-for one: a root by its
    name too (``requested_zone``), one inside another by id alone (``dag.asked_placement``)."""
    if params.get("placement_id"):
        return {"placement_id": params["placement_id"], "requested_zone": params.get("zone")}
    return {"requested_zone": params["zone"]} if params.get("zone") else {}


def _moved_claim(
    c: Conductor, task: Task, server: Server, flavor: dict[str, Any], kind: str
) -> tuple[str, Migration]:
    params = task.params or {}
    with c.db.transaction() as s:
        migration = _migration(s, server, kind, flavor["id"], server.host)
        sched.move(s, server.id, migration.uuid)
        spec = c.spec(s, server, flavor)
    # As Nova resets a request's forced destinations on a move: the host a boot was forced to
    # (zone ``nova:host``) is not where the server must stay; only a host named now counts.
    spec.force_host = params.get("host")
    if params.get("placement_id") or params.get("zone"):  # vNext's MOVE: it or one below it
        spec.zone = params.get("zone")
        spec.placement_id = None if spec.zone else params.get("placement_id")
    if kind != "resize" or not params.get("allow_same_host", True):
        spec.exclude_hosts = {server.host} if server.host else set()
    try:
        with c.step(task, MIGRATE_EVENT):
            host = c.scheduler.claim(server.id, spec)
    except NoValidHost:
        with c.db.transaction() as s:
            sched.move(s, migration.uuid, server.id)
            s.get(Migration, migration.id).status = "error"
        raise
    with c.db.transaction() as s:
        m = s.get(Migration, migration.id)
        m.dest_host, m.status, m.updated_at = host, "migrating", utcnow()
    return host, migration


def resize(c: Conductor, task: Task, server: Server) -> None:
    """Resize or cold-migrate, ending in VERIFY_RESIZE; with ``confirm`` in the task's
    parameters (vNext), confirmed in the same transaction, so no request sees it between."""
    params = task.params or {}
    new_flavor = params.get("flavor") or server.flavor
    kind = "resize" if task.action == "resize" else "migration"
    host, migration = _moved_claim(c, task, server, new_flavor, kind)
    with c.step(task, RESIZE_EVENT, host):
        c.inject(server, f"Injected failure of {task.action}")
        c.driver.spawn(guest_of(server, host))
    with c.db.transaction() as s:
        moved = c.settle(
            s,
            task,
            vm_state=states.RESIZED,
            task_state=None,
            host=host,
            flavor=new_flavor,
            flavor_id=new_flavor["id"],
            old_flavor=server.flavor,
            **_zone(params),
        )
        if not moved:
            undo_resize_claim(c, s, task, s.get(Server, server.id))
            return
        m = s.get(Migration, migration.id)
        m.status, m.updated_at = "finished", utcnow()
        if params.get("confirm"):
            item = tasks.begin_item(s, task.id, CONFIRM_EVENT, host)
            confirm_resize(s, s.get(Server, server.id))
            tasks.end_item(s, item.id, True)


def undo_resize_claim(c: Conductor, s: Session, task: Task, server: Server) -> None:
    migration = latest_migration(s, server.id, ("pre-migrating", "migrating"))
    if migration is None:
        return
    sched.free(s, server.id)
    sched.move(s, migration.uuid, server.id)
    migration.status, migration.updated_at = "error", utcnow()
    if not server.deleted and (server.vm_state == states.RESIZED or server.host != migration.source_host):
        c.set_server(s, server.id, host=migration.source_host)


def revert_resize(c: Conductor, task: Task, server: Server) -> None:
    with c.db.read() as s:
        migration = latest_migration(s, server.id, ("finished",))
    with c.step(task, REVERT_EVENT, server.host):
        c.driver.destroy(guest_of(server))
        if migration is not None:
            c.driver.spawn(guest_of(server, migration.source_host))
    values: dict[str, Any] = {"task_state": None, "old_flavor": None}
    if migration is not None:
        values["host"] = migration.source_host
    if server.old_flavor:
        values.update(flavor=server.old_flavor, flavor_id=server.old_flavor["id"])
    stopped = server.power_state == states.SHUTDOWN
    values["vm_state"] = states.STOPPED if stopped else states.ACTIVE
    with c.db.transaction() as s:
        if not c.settle(s, task, **values):
            return
        sched.free(s, server.id)
        if migration is not None:
            sched.move(s, migration.uuid, server.id)
            m = s.get(Migration, migration.id)
            m.status, m.updated_at = "reverted", utcnow()


def confirm_resize(s: Session, server: Server, guard_lock: bool = False) -> None:
    """Synchronous, as in Nova's API: settle the state (claimed, so a concurrent confirm or
    revert is a 409) and free the source side."""
    stopped = server.power_state == states.SHUTDOWN
    claims.claim(
        s,
        server,
        states.ACTIONS["confirmResize"],
        guard_lock=guard_lock,
        vm_state=states.STOPPED if stopped else states.ACTIVE,
        task_state=None,
        old_flavor=None,
    )
    migration = latest_migration(s, server.id, ("finished",))
    if migration is not None:
        sched.free(s, migration.uuid)
        migration.status, migration.updated_at = "confirmed", utcnow()


def live_migration(c: Conductor, task: Task, server: Server) -> None:
    host, migration = _moved_claim(c, task, server, server.flavor, "live-migration")
    with c.step(task, LIVE_MIGRATION_EVENT, server.host):
        c.inject(server, "Injected failure of live-migration")
        c.driver.live_migrate(guest_of(server), host)
    with c.db.transaction() as s:
        _land(c, s, task, migration, "completed", task_state=None, host=host, **_zone(task.params or {}))


def _land(c: Conductor, s: Session, task: Task, migration: Migration, status: str, **values: Any) -> None:
    """Settle a server moved without a confirmation (``values``), free its source side and end
    the migration as ``status``; when a delete or a reset took it over, undo the claim instead."""
    if not c.settle(s, task, **values):
        undo_resize_claim(c, s, task, s.get(Server, task.server_id))
        return
    sched.free(s, migration.uuid)
    m = s.get(Migration, migration.id)
    m.status, m.updated_at = status, utcnow()


def evacuate(c: Conductor, task: Task, server: Server) -> None:
    host, migration = _moved_claim(c, task, server, server.flavor, "evacuation")
    with c.step(task, EVACUATE_EVENT, host):
        c.driver.spawn(guest_of(server, host))
    stop = bool((task.params or {}).get("stopped"))
    with c.db.transaction() as s:
        _land(
            c,
            s,
            task,
            migration,
            "done",
            host=host,
            task_state=None,
            vm_state=states.STOPPED if stop else states.ACTIVE,
            power_state=states.SHUTDOWN if stop else states.RUNNING,
        )


def shelve(c: Conductor, task: Task, server: Server) -> None:
    image_id = (task.params or {}).get("image_id")
    with c.step(task, SHELVE_EVENT, server.host):
        c.inject(server, "Injected failure of shelve")
        c.driver.power_off(guest_of(server))
        if image_id:
            c.snapshots(server, image_id)
    _offload(c, task, server)


def shelve_offload(c: Conductor, task: Task, server: Server) -> None:
    _offload(c, task, server)


def _offload(c: Conductor, task: Task, server: Server) -> None:
    with c.step(task, OFFLOAD_EVENT, server.host):
        if server.host:
            c.driver.destroy(guest_of(server))
    with c.db.transaction() as s:
        offloaded = c.settle(
            s,
            task,
            vm_state=states.SHELVED_OFFLOADED,
            task_state=None,
            power_state=states.SHUTDOWN,
            host=None,
        )
        if offloaded:
            sched.free(s, server.id)


def unshelve(c: Conductor, task: Task, server: Server) -> None:
    with c.db.read() as s:
        spec = c.spec(s, server, server.flavor)
    params = task.params or {}
    repinned = bool(params.get("unpin") or params.get("availability_zone"))
    if repinned:  # the zone asked for now replaces any placement asked for before
        spec.zone, spec.placement_id = params.get("availability_zone"), None
    spec.force_host = params.get("host")  # as for a move: the boot's forced host no longer binds
    with c.step(task, UNSHELVE_SCHEDULE_EVENT):
        host = c.scheduler.claim(server.id, spec, server_id=server.id)
    with c.step(task, UNSHELVE_EVENT, host):
        c.driver.spawn(guest_of(server, host))
    zone = spec.zone  # what the server asked for now stays asked for (pinned or not)
    with c.db.transaction() as s:
        unshelved = c.settle(
            s,
            task,
            vm_state=states.ACTIVE,
            task_state=None,
            power_state=states.RUNNING,
            host=host,
            requested_zone=zone,
            **({"placement_id": dag.placement_id(s, zone) if zone else None} if repinned else {}),
        )
        if not unshelved:
            sched.free(s, server.id)  # taken over meanwhile: give the new claim back
        shelved_image = _shelve_image(s, server.id, task.id)
    if unshelved and shelved_image:
        c.snapshots.delete_as_owner(server, shelved_image)  # as Nova, once back on a host
