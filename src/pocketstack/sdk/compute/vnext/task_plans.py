"""Compute vNext task plans: start a task on a server, read and list tasks and their items,
wait for one to finish, and the openstacksdk-named shortcuts (``stop_server`` ...) that each
start one."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pocketstack.sdk import ops
from pocketstack.sdk.compute.vnext._support import VNextPlansBase, _filters
from pocketstack.sdk.compute.vnext.resources import (
    SERVICE_TYPE,
    TASK_FINAL_STATES,
    Placement,
    Server,
    ServerTask,
    ServerTaskItem,
    ServerType,
)
from pocketstack.sdk.exceptions import ResourceFailure, Timeout
from pocketstack.sdk.plan import Call, Listing, Sleep
from pocketstack.sdk.resource import Resource, value_id


class TaskPlans(VNextPlansBase):
    # -- tasks ---------------------------------------------------------------------------------

    def create_task(self, server: Server | str, action: str, /, **params: Any) -> Call[ServerTask]:
        """Start a task on the server: ``action`` (STOP, START, REBOOT, RESIZE ...) with its
        parameters (``type=`` for REBOOT, ``type_id=`` for RESIZE, ``name=`` for SNAPSHOT ...).
        Conflict when the server's state (or a running task) does not allow it."""
        body: dict[str, Any] = {"action": action.upper()}
        for key, value in params.items():
            body[key] = value_id(value) if isinstance(value, Resource) else value
        answer = yield from self.session.json(
            SERVICE_TYPE, "POST", self._server_url(server) + "/tasks", json_body=body
        )
        return ServerTask.from_wire(answer or {})

    def get_task(self, task: ServerTask | str) -> Call[ServerTask]:
        """The task (raises NotFound)."""
        return ops.get_resource(self.session, ServerTask, task)

    def tasks(
        self,
        server: Server | str,
        since: datetime | str | None = None,
        state: str | list[str] | None = None,
        limit: int | None = None,
    ) -> Listing[ServerTask]:
        """The server's tasks, newest first (also those v2.1 clients started): created at or
        after ``since``, in ``state`` (RUNNING, SUCCEEDED, FAILED; one or a list)."""
        query = _filters({"since": since, "state": state})
        return ops.list_resources(
            self.session, ServerTask, {"server_id": value_id(server)}, limit=limit, **query
        )

    def task_items(self, task: ServerTask | str, limit: int | None = None) -> Listing[ServerTaskItem]:
        """The task's items (its steps), in the order they ran."""
        return ops.list_resources(self.session, ServerTaskItem, {"task_id": value_id(task)}, limit=limit)

    def wait_for_task(
        self,
        task: ServerTask | str,
        wait: float = 120.0,
        interval: float = 1.0,
        callback: Callable[[int], None] | None = None,
        raise_on_failure: bool = True,
    ) -> Call[ServerTask]:
        """Poll until the task is SUCCEEDED or FAILED. A FAILED task raises ResourceFailure with
        its message (returned instead without ``raise_on_failure``); Timeout after ``wait``
        seconds. ``callback`` gets 100 once finished, else 0."""
        deadline = time.monotonic() + wait
        done = isinstance(task, ServerTask) and task.is_finished
        current = task if isinstance(task, ServerTask) and done else None
        while True:
            if current is None:
                current = yield from self.get_task(task)
            state = (current.state or "").upper()
            if callback is not None:
                callback(100 if state in TASK_FINAL_STATES else 0)
            if state == "FAILED" and raise_on_failure:
                raise ResourceFailure(
                    f"task {current.id} ({current.action} of server {current.server_id}) failed: "
                    f"{current.message or 'no message'}"
                )
            if state in TASK_FINAL_STATES:
                return current
            if time.monotonic() >= deadline:
                raise Timeout(
                    f"task {current.id} ({current.action}) is still {state or 'unknown'} after {wait} s"
                )
            yield Sleep(interval)
            current = None

    # -- task shortcuts (openstacksdk's names; each returns the task it started) ---------------

    def stop_server(self, server: Server | str) -> Call[ServerTask]:
        """Start a STOP task."""
        return self.create_task(server, "STOP")

    def start_server(self, server: Server | str) -> Call[ServerTask]:
        """Start a START task."""
        return self.create_task(server, "START")

    def reboot_server(self, server: Server | str, reboot_type: str = "SOFT") -> Call[ServerTask]:
        """Start a REBOOT task (SOFT or HARD)."""
        return self.create_task(server, "REBOOT", type=reboot_type.upper())

    def pause_server(self, server: Server | str) -> Call[ServerTask]:
        """Start a PAUSE task."""
        return self.create_task(server, "PAUSE")

    def unpause_server(self, server: Server | str) -> Call[ServerTask]:
        """Start an UNPAUSE task."""
        return self.create_task(server, "UNPAUSE")

    def suspend_server(self, server: Server | str) -> Call[ServerTask]:
        """Start a SUSPEND task."""
        return self.create_task(server, "SUSPEND")

    def resume_server(self, server: Server | str) -> Call[ServerTask]:
        """Start a RESUME task."""
        return self.create_task(server, "RESUME")

    def lock_server(self, server: Server | str, locked_reason: str | None = None) -> Call[ServerTask]:
        """LOCK the server (done at once: the task comes back SUCCEEDED)."""
        params = {"reason": locked_reason} if locked_reason is not None else {}
        return self.create_task(server, "LOCK", **params)

    def unlock_server(self, server: Server | str) -> Call[ServerTask]:
        """UNLOCK the server (done at once)."""
        return self.create_task(server, "UNLOCK")

    def rebuild_server(self, server: Server | str, template: Resource | str) -> Call[ServerTask]:
        """Start a REBUILD task from a template (an image)."""
        return self.create_task(server, "REBUILD", template_id=value_id(template))

    def resize_server(self, server: Server | str, server_type: ServerType | str) -> Call[ServerTask]:
        """Start a RESIZE task to another server type (confirmed in the same task)."""
        return self.create_task(server, "RESIZE", type_id=value_id(server_type))

    def revert_server_resize(self, server: Server | str) -> Call[ServerTask]:
        """Start a REVERT task (for a resize a v2.1 client left unconfirmed)."""
        return self.create_task(server, "REVERT")

    def create_server_image(self, server: Server | str, name: str) -> Call[ServerTask]:
        """Start a SNAPSHOT task; the new image's id is the finished task's
        ``parameters["template_id"]``."""
        return self.create_task(server, "SNAPSHOT", name=name)

    def backup_server(self, server: Server | str, name: str, rotation: int) -> Call[ServerTask]:
        """Start a BACKUP task keeping the newest ``rotation`` backups."""
        return self.create_task(server, "BACKUP", name=name, rotation=rotation)

    def migrate_server(
        self, server: Server | str, placement: Placement | str | None = None
    ) -> Call[ServerTask]:
        """Start a cold MOVE (to ``placement`` or below it when given)."""
        params = {"placement_id": value_id(placement)} if placement is not None else {}
        return self.create_task(server, "MOVE", live=False, **params)

    def live_migrate_server(
        self, server: Server | str, placement: Placement | str | None = None
    ) -> Call[ServerTask]:
        """Start a live MOVE (admins by default)."""
        params = {"placement_id": value_id(placement)} if placement is not None else {}
        return self.create_task(server, "MOVE", live=True, **params)

    def change_server_password(self, server: Server | str, new_password: str) -> Call[ServerTask]:
        """Start an UPDATE_PASSWORD task (the password is never shown back)."""
        return self.create_task(server, "UPDATE_PASSWORD", password=new_password)

    def restore_server(self, server: Server | str) -> Call[ServerTask]:
        """Start a RESTORE task for a soft-deleted server."""
        return self.create_task(server, "RESTORE")


__all__ = ["TaskPlans"]
