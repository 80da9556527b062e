"""Servers: the lists (the caller's, a project's), one server by id or by hostname, HEAD."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.responses import Response

from pocketstack.api.common.hal.routes import PAGING, Param, Route, links, page, page_response
from pocketstack.api.common.responses import empty_response, isotime, json_response
from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.compute_vnext.actions import shown
from pocketstack.core.compute import states
from pocketstack.core.compute.server_queries import PageFacts, ServerLister, ServerQuery, zone_of
from pocketstack.core.compute.server_types import type_uuid
from pocketstack.core.compute.servers import get_visible, not_found
from pocketstack.core.compute.visibility import readable_projects, readable_server
from pocketstack.core.context import is_admin
from pocketstack.core.errors import BadRequest, Conflict, Forbidden, NotFound
from pocketstack.core.placement import dag
from pocketstack.core.tasks.tasks import RUNNING
from pocketstack.store.compute_models import Placement, PlacementParent, Server, Task

P = "os_compute_api:servers:"
POWER = {
    states.NOSTATE: "NOSTATE",
    states.RUNNING: "RUNNING",
    states.POWER_PAUSED: "PAUSED",
    states.SHUTDOWN: "SHUTDOWN",
    states.CRASHED: "CRASHED",
    states.POWER_SUSPENDED: "SUSPENDED",
}
POWER_BY_NAME = {name: number for number, name in POWER.items()}
VIRT = {
    state: state.upper().replace("-", "_")
    for state in (
        states.BUILDING,
        states.ACTIVE,
        states.PAUSED,
        states.SUSPENDED,
        states.STOPPED,
        states.RESCUED,
        states.RESIZED,
        states.SOFT_DELETED,
        states.DELETED,
        states.ERROR,
        states.SHELVED,
        states.SHELVED_OFFLOADED,
    )
}
VIRT_BY_NAME = {name: state for state, name in VIRT.items()}


# -- schemas (what /schemas and /openapi.json say a server looks like) -----------------------
class Links(BaseModel):
    model_config = {"extra": "allow"}
    self: dict[str, str]


class RunningTask(BaseModel):
    id: str
    action: str


class Address(BaseModel):
    address: str
    version: Literal[4, 6]
    subnet_id: str
    floating: list[str]


class Interface(BaseModel):
    port_id: str
    network_id: str
    mac_address: str
    tag: str | None
    addresses: list[Address]
    security_groups: list[str]


class Networking(BaseModel):
    interfaces: list[Interface]


class Affinity(BaseModel):
    near: dict[str, list[str]]
    not_near: dict[str, list[str]]


class Fault(BaseModel):
    message: str
    occurred_at: datetime | None


class ServerShape(BaseModel):
    """A server."""

    id: str
    hostname: str
    project_id: str
    launched_by: str
    launched_at: datetime
    updated_at: datetime
    type_id: str
    template_id: str | None
    keypair_id: str | None
    placement_id: str | None
    virt_state: Literal[tuple(VIRT.values())]  # type: ignore[valid-type]
    power_state: Literal[tuple(POWER.values())]  # type: ignore[valid-type]
    task: RunningTask | None
    locked: bool
    properties: dict[str, str]
    tags: list[str]
    networking: Networking
    affinity: Affinity
    fault: Fault | None
    elevated: dict[str, Any] | None = Field(None, alias="_elevated")
    links: Links = Field(alias="_links")


class ServerList(BaseModel):
    """A page of servers."""

    servers: list[ServerShape]
    links: Links = Field(alias="_links")


# -- views ----------------------------------------------------------------------------------
class ServerView:
    """Servers as vNext shows them; one per page, with what the page's servers need."""

    def __init__(self, req: ApiRequest, servers: list[Server], facts: PageFacts) -> None:
        self.req = req
        self.facts = facts
        self.elevated = is_admin(req.ctx)
        ids = [sv.id for sv in servers]
        with req.cloud.db.read() as s:
            self.placements = dict(s.execute(select(Placement.name, Placement.id)).all())
            self.placement_names = {pid: name for name, pid in self.placements.items()}
            self.inner_placements = set(s.scalars(select(PlacementParent.child_id)))
            running = select(Task.server_id, Task.id, Task.action).where(
                Task.server_id.in_(ids), Task.status == RUNNING
            )
            self.tasks = {
                sid: {"id": tid, "action": shown(action)} for sid, tid, action in s.execute(running)
            }

    def placement_of(self, sv: Server, zone: str) -> str | None:
        """``servers.placement_id`` while it stands (revision 0010; ``dag.asked_placement``),
        else the root of the server's zone: its host's, or the one it asked for by name."""
        asked = dag.asked_placement(
            sv.placement_id, sv.requested_zone, self.placement_names, self.inner_placements
        )
        return asked or self.placements.get(zone)

    def show(self, sv: Server) -> dict[str, Any]:
        facts = self.facts
        zone = zone_of(sv.host, sv.requested_zone, facts.zones)
        hints = sv.scheduler_hints or {}
        out: dict[str, Any] = {
            "id": sv.id,
            "hostname": sv.hostname,
            "project_id": sv.project_id,
            "launched_by": sv.user_id,
            "launched_at": isotime(sv.created_at),
            "updated_at": isotime(sv.updated_at),
            "type_id": type_uuid(str((sv.flavor or {}).get("id", sv.flavor_id))),
            "template_id": sv.image_id or None,
            "keypair_id": sv.key_name,
            "placement_id": self.placement_of(sv, zone),
            "virt_state": VIRT.get(sv.vm_state, sv.vm_state.upper()),
            "power_state": POWER.get(sv.power_state, "NOSTATE"),
            "task": self.tasks.get(sv.id),
            "locked": bool(sv.locked),
            "properties": dict(sv.metadata_ or {}),
            "tags": facts.tags.get(sv.id, []),
            "networking": {"interfaces": [_interface(a) for a in facts.nics.get(sv.id, [])]},
            "affinity": {
                "near": {"server_ids": _as_list(hints.get("same_host"))},
                "not_near": {"server_ids": _as_list(hints.get("different_host"))},
            },
            "fault": _fault(sv.fault),
        }
        if self.elevated:
            out["_elevated"] = {
                "host": sv.host,
                "host_status": facts.host_status.get(sv.host or "") if sv.host else None,
                "task_state": sv.task_state,
                "locked_by": sv.locked_by,
                "reservation_id": sv.reservation_id,
                "launch_index": sv.launch_index,
            }
        out["_links"] = links(self.req, f"/servers/{sv.id}", "ServerShape", tasks=f"/servers/{sv.id}/tasks")
        return out


def _interface(a: Any) -> dict[str, Any]:  # noqa: ANN401 - nics.Attachment
    addresses = [
        {
            "address": ip,
            "version": 6 if ":" in ip else 4,
            "subnet_id": subnet,
            "floating": a.floating.get(ip, []),
        }
        for subnet, ip in a.fixed_ips
    ]
    return {
        "port_id": a.port_id,
        "network_id": a.network_id,
        "mac_address": a.mac,
        "tag": a.tag,
        "addresses": addresses,
        "security_groups": a.groups,
    }


def _fault(fault: dict[str, Any] | None) -> dict[str, Any] | None:
    if not fault:
        return None
    return {"message": str(fault.get("message", "")), "occurred_at": fault.get("created")}


def _as_list(value: Any) -> list[str]:  # noqa: ANN401 - a stored hint
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


# -- handlers -------------------------------------------------------------------------------
def _values(req: ApiRequest, name: str) -> list[str]:
    """A list filter: repeated, or comma-separated."""
    return [v for raw in req.query.getlist(name) for v in raw.split(",") if v]


def _query(req: ApiRequest, projects: list[str]) -> ServerQuery:
    virt = _values(req, "virt_state")
    power = _values(req, "power_state")
    unknown = [v for v in virt if v not in VIRT_BY_NAME] + [p for p in power if p not in POWER_BY_NAME]
    if unknown:
        raise BadRequest(f"Unknown state {unknown[0]!r}.")
    since = None
    if "since" in req.query:
        try:
            since = datetime.fromisoformat(req.query["since"].replace("Z", "+00:00")).replace(tzinfo=None)
        except ValueError:
            raise BadRequest(f"since must be an ISO 8601 time, not {req.query['since']!r}.") from None
    return ServerQuery(
        all_projects=True,
        project_ids=projects,
        vm_states=[VIRT_BY_NAME[v] for v in virt],
        power_states=[POWER_BY_NAME[p] for p in power],
        user_ids=_values(req, "launched_by"),
        changes_since=since,
        deleted=False,
    )


def _render_page(req: ApiRequest, path: str, q: ServerQuery) -> Response:
    lister = ServerLister(req.cloud.db)

    def read(limit: int, marker: str | None) -> list[Server]:
        q.limit, q.marker = limit, marker
        return lister.list(req.ctx, q)[0]

    servers, next_marker = page(req, read, lambda sv: sv.id)
    with req.cloud.db.read() as s:
        facts = lister.facts(s, servers)
    view = ServerView(req, servers, facts)
    return page_response(req, path, "servers", [view.show(sv) for sv in servers], next_marker, "ServerList")


def _readable_projects(req: ApiRequest, rule: str) -> set[str]:
    with req.cloud.db.read() as s:
        return readable_projects(s, req.cloud.policy, req.ctx, rule)


def readable(req: ApiRequest, server_id: str, rule: str, *, include_deleted: bool = False) -> Server:
    """A server the caller may read under ``rule`` in any of its projects (core/compute/
    visibility.py); in the token's own project the rule is enforced as usual (403)."""
    with req.cloud.db.read() as s:
        server = readable_server(
            s, req.cloud.policy, req.ctx, server_id, rule, include_deleted=include_deleted
        )
    if server.project_id == req.ctx.project_id or is_admin(req.ctx):
        req.cloud.policy.enforce(rule, req.ctx, {"project_id": server.project_id})
    return server


def writable(req: ApiRequest, server_id: str) -> Server:
    """The server a write names, in the token's project (an admin's: any project). Writes go by
    the token (section 6.8): a server the caller reads through another of its projects is a 403
    that says which project to scope to; one it cannot read at all is a 404."""
    with req.cloud.db.read() as s:
        try:
            return get_visible(s, req.ctx, server_id)
        except NotFound:
            pass
    server = readable(req, server_id, P + "show")
    raise Forbidden(
        f"Server {server_id} belongs to project {server.project_id}: change it with a token "
        "scoped to that project."
    )


def list_servers(req: ApiRequest) -> Response:
    req.enforce({"project_id": req.ctx.project_id})
    asked = _values(req, "project")
    if is_admin(req.ctx):
        projects = asked
    else:
        mine = _readable_projects(req, P + "index")
        projects = sorted(mine & set(asked)) if asked else sorted(mine)
        if not projects:
            return page_response(req, "/servers", "servers", [], None, "ServerList")
    return _render_page(req, "/servers", _query(req, projects))


def _project(req: ApiRequest, rule: str) -> str:
    """The path's project, when the caller may read it under ``rule`` (or is an admin)."""
    project = req.params["project_id"]
    if project == req.ctx.project_id or is_admin(req.ctx):
        req.enforce({"project_id": project})
    elif project not in _readable_projects(req, rule):
        raise NotFound("project", project, message=f"Project {project} could not be found.")
    return project


def list_project_servers(req: ApiRequest) -> Response:
    project = _project(req, P + "index")
    return _render_page(req, f"/projects/{project}/servers", _query(req, [project]))


def _one(req: ApiRequest, server: Server) -> Response:
    with req.cloud.db.read() as s:
        facts = ServerLister(req.cloud.db).facts(s, [server])
    return json_response(ServerView(req, [server], facts).show(server))


def show_server(req: ApiRequest) -> Response:
    return _one(req, readable(req, req.params["server_id"], P + "show"))


def show_by_hostname(req: ApiRequest) -> Response:
    project, hostname = _project(req, P + "show"), req.params["hostname"]
    with req.cloud.db.read() as s:
        found = list(
            s.scalars(
                select(Server).where(
                    Server.project_id == project, Server.hostname == hostname, Server.deleted.is_(False)
                )
            )
        )
    if not found:
        raise not_found(hostname)
    if len(found) > 1:
        ids = ", ".join(sorted(sv.id for sv in found))
        raise Conflict(f"Several servers of project {project} have the hostname {hostname}: {ids}.")
    return _one(req, found[0])


def head_server(req: ApiRequest) -> Response:
    server = readable(req, req.params["server_id"], P + "show")
    return empty_response(
        200,
        {
            "X-Server-Virt-State": VIRT.get(server.vm_state, server.vm_state.upper()),
            "X-Server-Power-State": POWER.get(server.power_state, "NOSTATE"),
        },
    )


FILTERS = (
    Param("since", "Servers changed at or after this time (ISO 8601)."),
    Param("project", "Of these projects (comma-separated or repeated; others' need admin)."),
    Param("virt_state", "In these virtualization states (comma-separated or repeated)."),
    Param("power_state", "In these power states (comma-separated or repeated)."),
    Param("launched_by", "Launched by these users (comma-separated or repeated)."),
)

ROUTES = [
    Route(
        "GET",
        "/servers",
        list_servers,
        P + "index",
        "servers",
        "The caller's servers.",
        returns=ServerList,
        query=(*FILTERS, *PAGING),
    ),
    Route(
        "GET",
        "/projects/{project_id}/servers",
        list_project_servers,
        P + "index",
        "project-servers",
        "A project's servers.",
        returns=ServerList,
        query=(*FILTERS, *PAGING),
    ),
    Route(
        "GET",
        "/projects/{project_id}/servers/{hostname}",
        show_by_hostname,
        P + "show",
        "project-server",
        "A project's server by its hostname.",
        returns=ServerShape,
        errors=(400, 401, 403, 404, 409),
    ),
    Route("GET", "/servers/{server_id}", show_server, P + "show", "server", "A server.", returns=ServerShape),
    Route(
        "HEAD",
        "/servers/{server_id}",
        head_server,
        P + "show",
        "server",
        "A server's virtualization and power states, as headers.",
    ),
]
