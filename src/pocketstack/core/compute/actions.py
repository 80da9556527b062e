"""Server actions as the API asks for them: check lock, driver capability and state, record the
task, dispatch it. Actions that are pure bookkeeping (lock, unlock, reset state, confirm
resize, crash dump) complete inside the request and are recorded as finished tasks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from pocketstack.core.compute import claims, states
from pocketstack.core.compute.conductor import plugged_guest
from pocketstack.core.compute.nics import NOT_FOUND_CODES, Nics, bind
from pocketstack.core.compute.servers import flavor_snapshot, get_visible, image_properties
from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.errors import BadRequest, Conflict, Forbidden, NotFound, NotImplementedYet
from pocketstack.core.tasks import tasks
from pocketstack.drivers.base import Driver
from pocketstack.store.compute_models import Host, Server
from pocketstack.store.db import Database

# Nova's event names for the actions completed within the request.
_DONE_EVENTS = {
    "lock": "api_lock",
    "unlock": "api_unlock",
    "resetState": "api_reset_state",
    "confirmResize": "compute_confirm_resize",
    "trigger_crash_dump": "compute_trigger_crash_dump",
}
# What a task finished at once keeps of its parameters (vNext shows a LOCK's reason).
_DONE_PARAMS = ("locked_reason", "state")


class ServerActions:
    def __init__(
        self,
        db: Database,
        svc: Any,
        driver: Driver,
        publish: Callable[[str], None],
        confirm_resize: Callable[[Session, Server, bool], None],
    ) -> None:
        self.db = db
        self.svc = svc  # flavors, quotas, images
        self.driver = driver
        self.publish = publish
        self.confirm_resize = confirm_resize

    def require(self, capability: str, what: str) -> None:
        if capability not in self.driver.capabilities:
            raise NotImplementedYet(f"The {self.driver.name} compute driver does not support {what}.")

    def run(
        self, ctx: RequestContext, server_id: str, action: str, params: dict[str, Any] | None = None
    ) -> str:
        """Start ``action``; returns the id of the task recorded (for the ones finished at once,
        a finished task). ``params`` is filled in (e.g. with the snapshot's ``image_id``)."""
        params = params if params is not None else {}
        if action not in ("createImage", "createBackup", "shelve"):
            return self._run(ctx, server_id, action, params)
        # Only the snapshot registered here is undone when the action is refused: a rebuild's
        # ``image_id`` is the user's own image and must never be touched.
        params["image_id"] = self._register_image(ctx, server_id, action, params)
        try:
            return self._run(ctx, server_id, action, params)
        except BaseException:
            self.svc.images.delete(ctx, params["image_id"])
            raise

    def _register_image(
        self, ctx: RequestContext, server_id: str, action: str, params: dict[str, Any]
    ) -> str:
        """The snapshot image exists before the task, so the API can answer with its id; it is
        registered outside the task's transaction (the image service commits on its own)."""
        with self.db.read() as s:
            server = get_visible(s, ctx, server_id)
        extra = dict(params.pop("metadata", None) or {})
        if action == "createBackup":
            extra.update(image_type="backup", backup_type=params["backup_type"])
        name = params.get("name") or f"{server.name}-shelved"
        return self.svc.snapshots.register(ctx, server, name, extra)

    def _run(self, ctx: RequestContext, server_id: str, action: str, params: dict[str, Any]) -> str:
        with self.db.transaction() as s:
            server = get_visible(s, ctx, server_id)
            admin = is_admin(ctx)
            guard_lock = not admin and action not in ("lock", "unlock")
            if server.locked and guard_lock:
                raise Conflict(f"Instance {server_id} is locked", code="compute.server.locked")
            act = states.action_for(action, params)
            if act.capability:
                self.require(act.capability, action)
            if action in _DONE_EVENTS:
                self._now(s, ctx, server, act, params, guard_lock)
                shown = {k: v for k, v in params.items() if k in _DONE_PARAMS}
                done = tasks.record_done(
                    s, server.id, server.project_id, action, ctx, _DONE_EVENTS[action], shown
                )
                return done.id
            # The claim comes first: of concurrent requests only one gets past it.
            claims.claim(s, server, act, guard_lock=guard_lock, task_state=act.task_state)
            prepare = getattr(self, f"_prepare_{action.replace('-', '_')}", None)
            if prepare is not None:
                prepare(s, ctx, server, params)
            task = tasks.start(s, server.id, server.project_id, action, ctx, params)
        self.publish(task.id)
        return task.id

    # -- finished at once ----------------------------------------------------------------
    def _now(
        self,
        s: Session,
        ctx: RequestContext,
        server: Server,
        act: states.Action,
        params: dict[str, Any],
        guard_lock: bool,
    ) -> None:
        """Bookkeeping, written with the same claim as a task so no concurrent change is lost."""
        if act.name == "lock":
            owner = "admin" if is_admin(ctx) and server.project_id != ctx.project_id else "owner"
            self._claim_lock(s, server, act, True, owner, params.get("locked_reason"))
        elif act.name == "unlock":
            if server.locked_by == "admin" and not is_admin(ctx):
                rule = "os_compute_api:os-lock-server:unlock:unlock_override"
                raise Forbidden(f"Policy doesn't allow {rule} to be performed.")
            self._claim_lock(s, server, act, False, None, None)
        elif act.name == "resetState":
            claims.claim(s, server, act, vm_state=params["state"], task_state=None)
        elif act.name == "confirmResize":
            self.confirm_resize(s, server, guard_lock)
        else:  # trigger_crash_dump: the state is only checked, nothing is written
            states.check_allowed(act, server.vm_state, server.task_state)

    @staticmethod
    def _claim_lock(
        s: Session, server: Server, act: states.Action, locked: bool, by: str | None, reason: str | None
    ) -> None:
        # Only over the lock as it was read: a lock or unlock that came in meanwhile is a 409.
        seen = Server.locked_by.is_not_distinct_from(server.locked_by)
        claims.claim(s, server, act, where=[seen], locked=locked, locked_by=by, locked_reason=reason)

    # -- preparations in the request -------------------------------------------------------
    def _prepare_resize(
        self, s: Session, ctx: RequestContext, server: Server, params: dict[str, Any]
    ) -> None:
        try:
            flavor = self.svc.flavors.get_for_project(
                s, params.pop("flavor_id"), ctx.project_id, is_admin(ctx), ctx.user_id
            )
        except NotFound:
            raise BadRequest("Unable to locate requested flavor.") from None
        if flavor.id == server.flavor_id:
            raise BadRequest("When resizing, instances must change flavor!")
        if flavor.disabled:
            raise BadRequest(f"Flavor {flavor.id} is disabled and cannot be used.")
        old = server.flavor
        deltas = {"cores": max(0, flavor.vcpus - old["vcpus"]), "ram": max(0, flavor.memory_mb - old["ram"])}
        if any(deltas.values()):
            self.svc.quotas.check(s, server.project_id, deltas)
        params["flavor"] = flavor_snapshot(flavor)
        if "auto_disk_config" in params:
            server.auto_disk_config = params.pop("auto_disk_config")

    def _prepare_migrate(
        self, s: Session, ctx: RequestContext, server: Server, params: dict[str, Any]
    ) -> None:
        self._check_target_host(s, params.get("host"))

    _prepare_live_migration = _prepare_migrate

    def _prepare_evacuate(
        self, s: Session, ctx: RequestContext, server: Server, params: dict[str, Any]
    ) -> None:
        source = s.query(Host).filter(Host.name == server.host).first() if server.host else None
        if source is not None and not source.forced_down:
            raise Conflict(f"Compute service of {server.host} is still in use.")
        self._check_target_host(s, params.get("host"))

    @staticmethod
    def _check_target_host(s: Session, host: str | None) -> None:
        if host and s.query(Host).filter(Host.name == host).first() is None:
            raise BadRequest(f"Compute host {host} could not be found.")

    def _prepare_rebuild(
        self, s: Session, ctx: RequestContext, server: Server, params: dict[str, Any]
    ) -> None:
        image_id = params.get("image_id")
        if image_id:
            image = self.svc.images.get(ctx, image_id)
            if image.status != "active":
                raise BadRequest(f"Image {image_id} is not active.")
            server.image_id = image.id  # as Nova: the server shows its new image from the answer on
            server.image_properties = image_properties(image)
        for key in (
            "name",
            "metadata",
            "description",
            "access_ipv4",
            "access_ipv6",
            "hostname",
            "user_data",
            "auto_disk_config",
        ):
            if key in params:
                setattr(server, "metadata_" if key == "metadata" else key, params.pop(key))
        if "key_name" in params:
            key_name = params.pop("key_name")
            server.key_name = key_name
            server.key_data = (
                self.svc.keypairs.get_public_key(s, ctx.user_id, key_name).public_key if key_name else None
            )

    def _prepare_unshelve(
        self, s: Session, ctx: RequestContext, server: Server, params: dict[str, Any]
    ) -> None:
        if params.get("host") and not is_admin(ctx):
            raise Forbidden("Policy doesn't allow os_compute_api:os-shelve:unshelve_to_host to be performed.")
        if params.get("host") and server.vm_state != states.SHELVED_OFFLOADED:
            raise Conflict("The host can only be given when unshelving an offloaded server.")

    # -- reads through the driver ------------------------------------------------------------
    # -- interfaces (os-interface) ---------------------------------------------------------
    def attach_interface(
        self,
        ctx: RequestContext,
        server_id: str,
        *,
        net_id: str | None,
        port_id: str | None,
        fixed_ips: list[str],
        tag: str | None,
    ) -> str:
        """Plug the server into a port (the one given, or a new one on the network given, or on
        the project's only network); its id. Nova's 404 for an unknown network or port."""
        server = self._interface_target(ctx, server_id, "attach_interface")
        self.require("attach_interface", "attaching interfaces")
        nics: Nics = self.svc.nics
        if port_id is None and net_id is None:
            plan = nics.plan(ctx, None, 1)
            if not plan:
                project = ctx.project_id
                raise BadRequest(
                    f"No specific network was requested and none are available for project '{project}'."
                )
        else:
            item = {"port": port_id} if port_id else {"uuid": net_id, "fixed_ip": (fixed_ips or [None])[0]}
            try:
                plan = nics.plan(ctx, [item], 1)
            except BadRequest as exc:
                if exc.code in NOT_FOUND_CODES:
                    raise NotFound("network", str(port_id or net_id), message=exc.message) from None
                raise
        nics.fitting(ctx, plan, 1, 1)
        made = nics.attach_one(ctx, server.id, server.requested_zone, replace(plan[0], tag=tag))
        with self.db.transaction() as s:
            bind(s, server.id, server.host)
        if server.host:
            guest = plugged_guest(self.db, server)
            try:
                self.driver.plug_vif(guest, next(v for v in guest.vifs if v.port_id == made))
            except Exception:
                nics.detach(server.id, made)  # nothing half-done: the port goes back as it was
                raise
        with self.db.transaction() as s:
            tasks.record_done(
                s, server.id, server.project_id, "attach_interface", ctx, "compute_attach_interface"
            )
        return made

    def detach_interface(self, ctx: RequestContext, server_id: str, port_id: str) -> None:
        server = self._interface_target(ctx, server_id, "detach_interface")
        self.require("attach_interface", "detaching interfaces")
        guest = plugged_guest(self.db, server)
        vif = next((v for v in guest.vifs if v.port_id == port_id), None)
        self.svc.nics.detach(server.id, port_id)
        if vif is not None:
            self.driver.unplug_vif(guest, vif)
        with self.db.transaction() as s:
            tasks.record_done(
                s, server.id, server.project_id, "detach_interface", ctx, "compute_detach_interface"
            )

    def _interface_target(self, ctx: RequestContext, server_id: str, action: str) -> Server:
        with self.db.read() as s:
            server = get_visible(s, ctx, server_id)
            if server.locked and not is_admin(ctx):
                raise Conflict(f"Instance {server_id} is locked", code="compute.server.locked")
            states.check_allowed(action, server.vm_state, server.task_state)
            return server

    def _running_guest(self, ctx: RequestContext, server_id: str, what: str) -> Any:
        with self.db.read() as s:
            server = get_visible(s, ctx, server_id)
        if not server.host or server.vm_state in (states.BUILDING, states.SHELVED_OFFLOADED):
            raise Conflict(
                f"Cannot '{what}' instance while it is in vm_state {server.vm_state}",
                code="compute.server.invalid_state",
            )
        return plugged_guest(self.db, server)

    def console_output(self, ctx: RequestContext, server_id: str, length: int | None) -> str:
        self.require("console_output", "console output")
        return self.driver.console_output(self._running_guest(ctx, server_id, "get_console_output"), length)

    def diagnostics(self, ctx: RequestContext, server_id: str) -> dict[str, Any]:
        self.require("diagnostics", "server diagnostics")
        return self.driver.diagnostics(self._running_guest(ctx, server_id, "get_diagnostics"))
