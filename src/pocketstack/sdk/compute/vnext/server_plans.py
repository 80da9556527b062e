"""Compute vNext server plans: list, read, create (in batches), change, delete (a TERMINATE
task) and wait for servers; their tags and console log."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pocketstack.sdk import ops
from pocketstack.sdk.compute.vnext._support import ProjectRef, _filters
from pocketstack.sdk.compute.vnext.resources import SERVICE_TYPE, Server, ServerTask
from pocketstack.sdk.compute.vnext.task_plans import TaskPlans
from pocketstack.sdk.exceptions import Conflict, MultipleMatches, NotFound, ResourceFailure, Timeout
from pocketstack.sdk.plan import Call, Listing, Sleep
from pocketstack.sdk.resource import Resource, value_id

_RESOURCE_FIELDS = ("type_id", "template_id", "placement_id", "keypair_id")


def _spec(item: Mapping[str, Any]) -> dict[str, Any]:
    """A batch item (or the defaults): ``type_id``, ``template_id``, ``placement_id`` may be
    resources (a ServerType, an image, a Placement)."""
    out = dict(item)
    for key in _RESOURCE_FIELDS:
        if isinstance(out.get(key), Resource):
            out[key] = value_id(out[key])
    return out


class ServerPlans(TaskPlans):
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


__all__ = ["ServerPlans"]
