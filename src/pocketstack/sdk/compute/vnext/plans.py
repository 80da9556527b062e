"""Compute vNext calls as plans (docs/compute-vnext.md). Every change to a server but its
hostname and properties is a task: ``create_task(server, "STOP")``, then ``wait_for_task``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pocketstack.sdk import ops
from pocketstack.sdk.compute.vnext.resources import (
    SERVICE_TYPE,
    TASK_FINAL_STATES,
    Placement,
    Server,
    ServerTask,
    ServerTaskItem,
    ServerType,
    ServerTypeShares,
)
from pocketstack.sdk.exceptions import Conflict, MultipleMatches, NotFound, ResourceFailure, Timeout
from pocketstack.sdk.plan import Call, Emit, Listing, Sleep
from pocketstack.sdk.proxy import ServicePlans
from pocketstack.sdk.resource import Resource, value_id

ProjectRef = Resource | str | None
"""A project: an identity Project, an id, or None for the token's project."""

_RESOURCE_FIELDS = ("type_id", "template_id", "placement_id", "keypair_id")


def _when(value: datetime | str) -> str:
    """A ``since`` value as ISO 8601 (a naive datetime is taken as UTC)."""
    if isinstance(value, str):
        return value
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat() + "Z"


def _filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    """List filters as vNext takes them: lists comma-separated, resources by id, times ISO 8601."""
    out: dict[str, Any] = {}
    for key, value in filters.items():
        if value is None:
            continue
        if isinstance(value, Resource):
            value = value_id(value)
        elif isinstance(value, datetime):
            value = _when(value)
        elif isinstance(value, list | tuple | set) and key != "tag":
            value = ",".join(value_id(v) if isinstance(v, Resource) else str(v) for v in value)
        out[key] = value
    return out


def _spec(item: Mapping[str, Any]) -> dict[str, Any]:
    """A batch item (or the defaults): ``type_id``, ``template_id``, ``placement_id`` may be
    resources (a ServerType, an image, a Placement)."""
    out = dict(item)
    for key in _RESOURCE_FIELDS:
        if isinstance(out.get(key), Resource):
            out[key] = value_id(out[key])
    return out


class ComputeVNextPlans(ServicePlans):
    # -- helpers -------------------------------------------------------------------------------

    def _project_id(self, project: ProjectRef) -> Call[str]:
        if project is not None:
            return value_id(project)
        state = yield from self.session.authenticator.state()
        if state.project_id is None:
            raise ValueError("this token has no project: name one")
        return state.project_id

    def _list_at(self, url: str, query: Mapping[str, Any], limit: int | None) -> Listing[Server]:
        """Servers listed at ``url``, following ``_links.next`` page by page."""
        params: dict[str, Any] | None = {**query, **({"limit": limit} if limit is not None else {})}
        seen: set[str] = set()
        while True:
            body = yield from self.session.json(SERVICE_TYPE, "GET", url, params=params or None)
            for item in (body or {}).get("servers") or []:
                if isinstance(item, dict):
                    yield Emit(Server.from_wire(item))
            nxt = ((body or {}).get("_links") or {}).get("next")
            href = nxt.get("href") if isinstance(nxt, dict) else None
            if not isinstance(href, str) or href in seen:
                return
            seen.add(href)
            url, params = href, None

    def _server_url(self, server: Server | str) -> str:
        return Server.item_path(value_id(server), {})

    def _type_url(self, server_type: ServerType | str) -> str:
        return ServerType.item_path(value_id(server_type), {})

    def _empty(self, method: str, url: str) -> Call[None]:
        yield from self.session.request(SERVICE_TYPE, method, url)

    def _exists(self, url: str) -> Call[bool]:
        try:
            yield from self.session.request(SERVICE_TYPE, "GET", url)
        except NotFound:
            return False
        return True

    def _tags(self, method: str, url: str, tags: list[str] | None = None) -> Call[list[str]]:
        body = yield from self.session.json(
            SERVICE_TYPE, method, url, json_body=None if tags is None else {"tags": list(tags)}
        )
        return [str(t) for t in (body or {}).get("tags") or []]

    # -- servers -------------------------------------------------------------------------------

    def servers(self, /, limit: int | None = None, **filters: Any) -> Listing[Server]:
        """The servers of every project the caller reads, page by page (``limit`` is the page
        size). Filters: ``project``, ``virt_state``, ``power_state``, ``launched_by`` (values or
        lists), ``since`` (a datetime or ISO 8601)."""
        return ops.list_resources(self.session, Server, limit=limit, **_filters(filters))

    def project_servers(
        self, project: ProjectRef = None, /, limit: int | None = None, **filters: Any
    ) -> Listing[Server]:
        """One project's servers (default: the token's), page by page; filters as ``servers``."""
        project_id = yield from self._project_id(project)
        yield from self._list_at(f"/projects/{project_id}/servers", _filters(filters), limit)

    def get_server(self, server: Server | str) -> Call[Server]:
        """The server (raises NotFound)."""
        return ops.get_resource(self.session, Server, server)

    def find_server(
        self, name_or_id: str, project: ProjectRef = None, ignore_missing: bool = True
    ) -> Call[Server | None]:
        """The server of this id, else the live server with this hostname in ``project``
        (default: the token's); MultipleMatches when several share the hostname."""
        try:
            return (yield from self.get_server(name_or_id))
        except NotFound:
            pass
        project_id = yield from self._project_id(project)
        try:
            body = yield from self.session.json(
                SERVICE_TYPE, "GET", f"/projects/{project_id}/servers/{name_or_id}"
            )
        except NotFound:
            if ignore_missing:
                return None
            raise
        except Conflict as exc:
            raise MultipleMatches(exc.message) from exc
        return Server.from_wire(body)

    def head_server(self, server: Server | str) -> Call[Server]:
        """The server's states from a HEAD (``virt_state``, ``power_state``; nothing else)."""
        response = yield from self.session.request(SERVICE_TYPE, "HEAD", self._server_url(server))
        return Server.from_wire(
            {
                "id": value_id(server),
                "virt_state": response.header("x-server-virt-state"),
                "power_state": response.header("x-server-power-state"),
            }
        )

    def create_servers(
        self,
        project: ProjectRef,
        /,
        servers: Iterable[Mapping[str, Any]],
        defaults: Mapping[str, Any] | None = None,
    ) -> Call[list[Server]]:
        """Create a batch of servers in ``project`` (None: the token's), all or none. Each item
        (``hostname`` or ``hostname_pattern``, ``type_id``, ``template_id``, ``networking``,
        ``properties``, ``tags`` ...) overrides ``defaults`` field by field. The servers come back
        in request order with ``id``, ``launched_at`` and ``create_task_id``; they build in
        their CREATE tasks (``wait_for_server``). A bad item is a BadRequest naming its index."""
        project_id = yield from self._project_id(project)
        body = {"defaults": _spec(defaults or {}), "servers": [_spec(s) for s in servers]}
        answer = yield from self.session.json(
            SERVICE_TYPE, "POST", f"/projects/{project_id}/servers", json_body=body
        )
        made = [Server.from_wire(s) for s in (answer or {}).get("servers") or [] if isinstance(s, dict)]
        for server in made:
            server.project_id = project_id
        return made

    def create_server(self, project: ProjectRef = None, /, **attrs: Any) -> Call[Server]:
        """Create one server (a batch of one); see ``create_servers``."""
        made = yield from self.create_servers(project, servers=[attrs])
        return made[0]

    def update_server(self, server: Server | str, /, **attrs: Any) -> Call[Server]:
        """Change ``hostname`` or ``properties`` (replaced whole); only what changed is sent
        (PATCH). ``project_id`` alone transfers the server to another project."""
        return ops.update_resource(self.session, Server, server, **attrs)

    def delete_server(self, server: Server | str, ignore_missing: bool = True) -> Call[ServerTask | None]:
        """Start the server's TERMINATE task (vNext has no DELETE): the task, or None when the
        server is already gone and ``ignore_missing``."""
        try:
            return (yield from self.create_task(server, "TERMINATE"))
        except NotFound:
            if ignore_missing:
                return None
            raise

    def wait_for_server(
        self,
        server: Server | str,
        status: str = "ACTIVE",
        failures: tuple[str, ...] = ("ERROR",),
        interval: float = 1.0,
        wait: float = 120.0,
        callback: Callable[[int], None] | None = None,
        attribute: str = "virt_state",
    ) -> Call[Server]:
        """Poll until the server's ``virt_state`` (or ``attribute="power_state"``) is ``status``
        with no task running. ResourceFailure when it settles in one of ``failures`` (with its
        fault), Timeout after ``wait`` seconds. ``callback`` gets 100 once settled, else 0."""
        deadline = time.monotonic() + wait
        while True:
            current = yield from self.get_server(server)
            value = str(getattr(current, attribute, None) or "").upper()
            settled = current.task is None
            if callback is not None:
                callback(100 if settled and value == status.upper() else 0)
            if settled and value == status.upper():
                return current
            if settled and value in {f.upper() for f in failures}:
                fault = (current.fault or {}).get("message") or ""
                raise ResourceFailure(f"server {current.id} went to {value}: {fault}".strip().rstrip(":"))
            if time.monotonic() >= deadline:
                running = f" (task {current.task.get('action')} running)" if current.task else ""
                raise Timeout(
                    f"server {current.id} is {value or 'unknown'}{running}, not {status}, after {wait} s"
                )
            yield Sleep(interval)

    def wait_for_delete(
        self, server: Server | str, interval: float = 1.0, wait: float = 120.0
    ) -> Call[Server]:
        """Poll until the server is gone (a 404); Timeout after ``wait`` seconds."""
        resource = server if isinstance(server, Server) else Server.new(id=server)
        return ops.wait_for_delete(self.session, resource, interval=interval, wait=wait)

    # -- server tags, console ------------------------------------------------------------------

    def server_tags(self, server: Server | str) -> Call[list[str]]:
        """The server's tags."""
        return self._tags("GET", self._server_url(server) + "/tags")

    def set_server_tags(self, server: Server | str, tags: list[str]) -> Call[list[str]]:
        """Replace the server's tags (at most 50); the tags it has afterwards."""
        return self._tags("PUT", self._server_url(server) + "/tags", tags)

    def add_server_tag(self, server: Server | str, tag: str) -> Call[None]:
        """Tag the server."""
        return self._empty("PUT", f"{self._server_url(server)}/tags/{tag}")

    def remove_server_tag(self, server: Server | str, tag: str) -> Call[None]:
        """Untag the server (NotFound when it lacks the tag)."""
        return self._empty("DELETE", f"{self._server_url(server)}/tags/{tag}")

    def check_server_tag(self, server: Server | str, tag: str) -> Call[bool]:
        """Whether the server has the tag."""
        return self._exists(f"{self._server_url(server)}/tags/{tag}")

    def get_console_log(self, server: Server | str, lines: int | None = None) -> Call[list[str]]:
        """The last ``lines`` lines of the server's console log (all of it without)."""
        params = {"lines": lines} if lines is not None else None
        body = yield from self.session.json(
            SERVICE_TYPE, "GET", self._server_url(server) + "/console_log", params=params
        )
        return [str(line) for line in (body or {}).get("lines") or []]

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

    # -- server types --------------------------------------------------------------------------

    def server_types(self, /, limit: int | None = None, **filters: Any) -> Listing[ServerType]:
        """The server types the caller may use, page by page (filters: ``name``, ``tag``
        (repeatable: a list must all match), ``visibility``)."""
        return ops.list_resources(self.session, ServerType, limit=limit, **_filters(filters))

    def get_server_type(self, server_type: ServerType | str) -> Call[ServerType]:
        """The server type, by id or name (raises NotFound)."""
        return ops.get_resource(self.session, ServerType, server_type)

    def find_server_type(self, name_or_id: str, ignore_missing: bool = True) -> Call[ServerType | None]:
        """The server type of this id or name."""
        return ops.find_resource(self.session, ServerType, name_or_id, ignore_missing=ignore_missing)

    def create_server_type(self, /, **attrs: Any) -> Call[ServerType]:
        """A new server type owned by the caller's project (``name``, ``vcpus``, ``ram_mb``,
        ``root_disk_gb``, optional ``ephemeral_disk_gb``, ``swap_mb``, ``description``,
        ``visibility`` PRIVATE (default) or PUBLIC (admins), ``tags``, ``shares``)."""
        return ops.create_resource(self.session, ServerType, **attrs)

    def update_server_type(self, server_type: ServerType | str, /, **attrs: Any) -> Call[ServerType]:
        """Change ``name``, ``description`` or ``visibility``; only what changed is sent."""
        return ops.update_resource(self.session, ServerType, server_type, **attrs)

    def delete_server_type(self, server_type: ServerType | str, ignore_missing: bool = True) -> Call[None]:
        """Delete the server type."""
        return ops.delete_resource(self.session, ServerType, server_type, ignore_missing=ignore_missing)

    def server_type_shares(self, server_type: ServerType | str) -> Call[ServerTypeShares]:
        """Whom the type is shared with (the owner project and admins may ask)."""
        url = self._type_url(server_type) + "/shares"
        body = yield from self.session.json(SERVICE_TYPE, "GET", url)
        return ServerTypeShares.from_wire(body or {}, {"type_id": value_id(server_type)})

    def set_server_type_shares(
        self,
        server_type: ServerType | str,
        users: Iterable[Resource | str] = (),
        projects: Iterable[Resource | str] = (),
    ) -> Call[ServerTypeShares]:
        """Replace both sets of the type's shares (BadRequest for an unknown user or project,
        Conflict for a PUBLIC type)."""
        url = self._type_url(server_type) + "/shares"
        wanted = {"users": [value_id(u) for u in users], "projects": [value_id(p) for p in projects]}
        body = yield from self.session.json(SERVICE_TYPE, "PUT", url, json_body=wanted)
        return ServerTypeShares.from_wire(body or {}, {"type_id": value_id(server_type)})

    def clear_server_type_shares(self, server_type: ServerType | str) -> Call[None]:
        """Share the type with no one."""
        return self._empty("DELETE", self._type_url(server_type) + "/shares")

    def _share_url(
        self, server_type: ServerType | str, project: Resource | str | None, user: Resource | str | None
    ) -> str:
        if (project is None) == (user is None):
            raise TypeError("name a project or a user (one of them)")
        kind, target = ("projects", project) if project is not None else ("users", user)
        assert target is not None
        return f"{self._type_url(server_type)}/shares/{kind}/{value_id(target)}"

    def share_server_type(
        self,
        server_type: ServerType | str,
        project: Resource | str | None = None,
        user: Resource | str | None = None,
    ) -> Call[None]:
        """Share the type with one project or one user (a project share is v2.1's flavor access)."""
        return self._empty("PUT", self._share_url(server_type, project, user))

    def unshare_server_type(
        self,
        server_type: ServerType | str,
        project: Resource | str | None = None,
        user: Resource | str | None = None,
    ) -> Call[None]:
        """Stop sharing the type with one project or one user."""
        return self._empty("DELETE", self._share_url(server_type, project, user))

    def server_type_tags(self, server_type: ServerType | str) -> Call[list[str]]:
        """The type's tags."""
        return self._tags("GET", self._type_url(server_type) + "/tags")

    def set_server_type_tags(self, server_type: ServerType | str, tags: list[str]) -> Call[list[str]]:
        """Replace the type's tags; the tags it has afterwards."""
        return self._tags("PUT", self._type_url(server_type) + "/tags", tags)

    def add_server_type_tag(self, server_type: ServerType | str, tag: str) -> Call[None]:
        """Tag the type."""
        return self._empty("PUT", f"{self._type_url(server_type)}/tags/{tag}")

    def remove_server_type_tag(self, server_type: ServerType | str, tag: str) -> Call[None]:
        """Untag the type."""
        return self._empty("DELETE", f"{self._type_url(server_type)}/tags/{tag}")

    # -- placements ----------------------------------------------------------------------------

    def placements(self, /, limit: int | None = None, **filters: Any) -> Listing[Placement]:
        """Placements, page by page (filters: ``parent_placement`` (an id: its direct
        children), ``tag`` (a list must all match))."""
        return ops.list_resources(self.session, Placement, limit=limit, **_filters(filters))

    def get_placement(self, placement: Placement | str) -> Call[Placement]:
        """The placement with its direct ``children`` (raises NotFound)."""
        return ops.get_resource(self.session, Placement, placement)

    def find_placement(self, name_or_id: str, ignore_missing: bool = True) -> Call[Placement | None]:
        """The placement of this id or name (names are unique)."""
        return ops.find_resource(
            self.session,
            Placement,
            name_or_id,
            ignore_missing=ignore_missing,
            name_filter=False,
            unique=False,
        )
