"""Server actions as the API asks for them: check lock, driver capability and state, record the
task, dispatch it. Actions that are pure bookkeeping (lock, unlock, reset state, confirm
resize, crash dump) complete inside the request and are recorded as finished tasks.

What each action does here (its preparation, its bookkeeping, whether it registers an image
first) is its row in core/compute/action_table.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from pocketstack.core.compute import action_table, claims, states
from pocketstack.core.compute.guests import plugged_guest
from pocketstack.core.compute.nics import NOT_FOUND_CODES, Nics, bind
from pocketstack.core.compute.servers import get_visible
from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.errors import BadRequest, Conflict, NotFound, NotImplementedYet
from pocketstack.core.tasks import tasks
from pocketstack.drivers.base import Driver
from pocketstack.store.compute_models import Server
from pocketstack.store.db import Database

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
        if not action_table.registers_image(action):
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
            row = action_table.row(action)
            guard_lock = not is_admin(ctx) and not row.ignores_lock
            if server.locked and guard_lock:
                raise Conflict(f"Instance {server_id} is locked", code="compute.server.locked")
            act = row.state_for(params)
            if act.capability:
                self.require(act.capability, action)
            if row.finished_in_request:
                if row.done is None:  # recorded by the module that carries it out
                    raise ValueError(f"{action} is recorded by {row.recorded_by}, not run here")
                # Bookkeeping, written with the same claim as a task so no concurrent change is lost.
                row.done(self, s, ctx, server, act, params, guard_lock)
                shown = {k: v for k, v in params.items() if k in _DONE_PARAMS}
                event = row.items[0]  # finished in the request: its one event
                done = tasks.record_done(s, server.id, server.project_id, action, ctx, event, shown)
                return done.id
            # The claim comes first: of concurrent requests only one gets past it.
            claims.claim(s, server, act, guard_lock=guard_lock, task_state=act.task_state)
            if row.prepare is not None:
                row.prepare(self, s, ctx, server, params)
            sealed = self.svc.task_secrets.seal(params)
            task = tasks.start(s, server.id, server.project_id, action, ctx, sealed)
        self.publish(task.id)
        return task.id

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
