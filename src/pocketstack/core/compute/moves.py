"""Tasks that move a server or its disk: resize and cold migration (both end in
VERIFY_RESIZE), confirm and revert, live migration, evacuation, shelve and unshelve.

A resize claims the destination under the server's id and parks the source allocation on the
migration's id until it is confirmed (freed) or reverted (handed back), as Nova does.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.compute import claims, states
from pocketstack.core.identity.common import utcnow
from pocketstack.core.placement import scheduler as sched
from pocketstack.core.placement.scheduler import NoValidHost
from pocketstack.core.tasks import tasks
from pocketstack.store.compute_models import Migration, Server, Task


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
    """A move to a named placement makes it the server's requested one."""
    return {"requested_zone": params["zone"]} if params.get("zone") else {}


class MovesMixin:
    """Mixed into Conductor (which provides db, driver, scheduler, step, settle, ...).

    A move whose end finds its server taken over (deleted, or reset by an admin) gives the
    destination back and leaves the server where it was."""

    def _moved_claim(
        self, task: Task, server: Server, flavor: dict[str, Any], kind: str
    ) -> tuple[str, Migration]:
        params = task.params or {}
        with self.db.transaction() as s:
            migration = _migration(s, server, kind, flavor["id"], server.host)
            sched.move(s, server.id, migration.uuid)
            spec = self._spec(s, server, flavor)
        if params.get("host"):
            spec.force_host = params["host"]
        if params.get("zone"):  # vNext's MOVE to a placement: it or one below it
            spec.zone = params["zone"]
        if kind != "resize" or not params.get("allow_same_host", True):
            spec.exclude_hosts = {server.host} if server.host else set()
        try:
            with self.step(task, "conductor_migrate_server"):
                host = self.scheduler.claim(server.id, spec)
        except NoValidHost:
            with self.db.transaction() as s:
                sched.move(s, migration.uuid, server.id)
                s.get(Migration, migration.id).status = "error"
            raise
        with self.db.transaction() as s:
            m = s.get(Migration, migration.id)
            m.dest_host, m.status, m.updated_at = host, "migrating", utcnow()
        return host, migration

    def _do_resize(self, task: Task, server: Server) -> None:
        """Resize or cold-migrate, ending in VERIFY_RESIZE; with ``confirm`` in the task's
        parameters (vNext), confirmed in the same transaction, so no request sees it between."""
        params = task.params or {}
        new_flavor = params.get("flavor") or server.flavor
        kind = "resize" if task.action == "resize" else "migration"
        host, migration = self._moved_claim(task, server, new_flavor, kind)
        with self.step(task, "compute_resize_instance", host):
            self._inject(server, "fail_next_action", "fail_actions", f"Injected failure of {task.action}")
            self.driver.spawn(self._guest(server, host))
        with self.db.transaction() as s:
            moved = self.settle(
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
                self._undo_resize_claim(s, task, s.get(Server, server.id))
                return
            m = s.get(Migration, migration.id)
            m.status, m.updated_at = "finished", utcnow()
            if params.get("confirm"):
                item = tasks.begin_item(s, task.id, "compute_confirm_resize", host)
                self.confirm_resize(s, s.get(Server, server.id))
                tasks.end_item(s, item.id, True)

    _do_migrate = _do_resize

    def _undo_resize_claim(self, s: Session, task: Task, server: Server) -> None:
        migration = latest_migration(s, server.id, ("pre-migrating", "migrating"))
        if migration is None:
            return
        sched.free(s, server.id)
        sched.move(s, migration.uuid, server.id)
        migration.status, migration.updated_at = "error", utcnow()
        if not server.deleted and (server.vm_state == states.RESIZED or server.host != migration.source_host):
            self.set_server(s, server.id, host=migration.source_host)

    def _do_revertResize(self, task: Task, server: Server) -> None:
        with self.db.read() as s:
            migration = latest_migration(s, server.id, ("finished",))
        with self.step(task, "compute_revert_resize", server.host):
            self.driver.destroy(self._guest(server))
            if migration is not None:
                self.driver.spawn(self._guest(server, migration.source_host))
        values: dict[str, Any] = {"task_state": None, "old_flavor": None}
        if migration is not None:
            values["host"] = migration.source_host
        if server.old_flavor:
            values.update(flavor=server.old_flavor, flavor_id=server.old_flavor["id"])
        stopped = server.power_state == states.SHUTDOWN
        values["vm_state"] = states.STOPPED if stopped else states.ACTIVE
        with self.db.transaction() as s:
            if not self.settle(s, task, **values):
                return
            sched.free(s, server.id)
            if migration is not None:
                sched.move(s, migration.uuid, server.id)
                m = s.get(Migration, migration.id)
                m.status, m.updated_at = "reverted", utcnow()

    def confirm_resize(self, s: Session, server: Server, guard_lock: bool = False) -> None:
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

    def _do_live_migration(self, task: Task, server: Server) -> None:
        host, migration = self._moved_claim(task, server, server.flavor, "live-migration")
        with self.step(task, "compute_live_migration", server.host):
            self._inject(server, "fail_next_action", "fail_actions", "Injected failure of live-migration")
            self.driver.live_migrate(self._guest(server), host)
        with self.db.transaction() as s:
            if not self.settle(s, task, task_state=None, host=host, **_zone(task.params or {})):
                self._undo_resize_claim(s, task, s.get(Server, server.id))
                return
            sched.free(s, migration.uuid)
            m = s.get(Migration, migration.id)
            m.status, m.updated_at = "completed", utcnow()

    def _do_evacuate(self, task: Task, server: Server) -> None:
        host, migration = self._moved_claim(task, server, server.flavor, "evacuation")
        with self.step(task, "compute_rebuild_instance", host):
            self.driver.spawn(self._guest(server, host))
        stop = bool((task.params or {}).get("stopped"))
        with self.db.transaction() as s:
            evacuated = self.settle(
                s,
                task,
                host=host,
                task_state=None,
                vm_state=states.STOPPED if stop else states.ACTIVE,
                power_state=states.SHUTDOWN if stop else states.RUNNING,
            )
            if not evacuated:
                self._undo_resize_claim(s, task, s.get(Server, server.id))
                return
            sched.free(s, migration.uuid)
            m = s.get(Migration, migration.id)
            m.status, m.updated_at = "done", utcnow()

    def _do_shelve(self, task: Task, server: Server) -> None:
        image_id = (task.params or {}).get("image_id")
        with self.step(task, "compute_shelve_instance", server.host):
            self._inject(server, "fail_next_action", "fail_actions", "Injected failure of shelve")
            self.driver.power_off(self._guest(server))
            if image_id:
                self.snapshots(server, image_id)
        self._offload(task, server)

    def _do_shelveOffload(self, task: Task, server: Server) -> None:
        self._offload(task, server)

    def _offload(self, task: Task, server: Server) -> None:
        with self.step(task, "compute_shelve_offload_instance", server.host):
            if server.host:
                self.driver.destroy(self._guest(server))
        with self.db.transaction() as s:
            offloaded = self.settle(
                s,
                task,
                vm_state=states.SHELVED_OFFLOADED,
                task_state=None,
                power_state=states.SHUTDOWN,
                host=None,
            )
            if offloaded:
                sched.free(s, server.id)

    def _do_unshelve(self, task: Task, server: Server) -> None:
        with self.db.read() as s:
            spec = self._spec(s, server, server.flavor)
        params = task.params or {}
        if params.get("unpin"):
            spec.zone = None
        if params.get("availability_zone"):
            spec.zone = params["availability_zone"]
        if (task.params or {}).get("host"):
            spec.force_host = task.params["host"]
        with self.step(task, "conductor_unshelve_instance"):
            host = self.scheduler.claim(server.id, spec, server_id=server.id)
        with self.step(task, "compute_unshelve_instance", host):
            self.driver.spawn(self._guest(server, host))
        zone = spec.zone  # what the server asked for now stays asked for (pinned or not)
        with self.db.transaction() as s:
            unshelved = self.settle(
                s,
                task,
                vm_state=states.ACTIVE,
                task_state=None,
                power_state=states.RUNNING,
                host=host,
                requested_zone=zone,
            )
            if not unshelved:
                sched.free(s, server.id)  # taken over meanwhile: give the new claim back
            shelved_image = _shelve_image(s, server.id, task.id)
        if unshelved and shelved_image:
            self.snapshots.delete_as_owner(server, shelved_image)  # as Nova, once back on a host
