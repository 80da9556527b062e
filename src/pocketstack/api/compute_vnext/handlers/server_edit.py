"""Changing a server: PATCH, tags, console log and consoles (docs/compute-vnext.md §2)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StrictStr, StringConstraints
from starlette.responses import Response

from pocketstack.api.common.hal.routes import Param, Route, body, links
from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.common.validation import Wire
from pocketstack.api.compute_vnext.handlers.servers import Links, ServerShape, ServerView, readable, writable
from pocketstack.core.compute.server_edits import ServerEdits
from pocketstack.core.compute.server_queries import ServerLister
from pocketstack.core.compute.server_tags import ServerTags, tag_not_found
from pocketstack.core.compute.server_transfer import ServerTransfer
from pocketstack.core.compute.servers import MAX_TAGS, get_visible
from pocketstack.core.errors import BadRequest, NotImplementedYet
from pocketstack.store.compute_models import Server

P = "os_compute_api:"
V = "compute_vnext:"
_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
CONSOLE_TYPES = ("novnc", "spice", "serial", "rdp", "mks")


# -- bodies ---------------------------------------------------------------------------------
Hostname = Annotated[StrictStr, StringConstraints(max_length=253, pattern=rf"^{_LABEL}(\.{_LABEL})*$")]
Key = Annotated[StrictStr, StringConstraints(min_length=1, max_length=255)]
Value = Annotated[StrictStr, StringConstraints(max_length=255)]
Tag = Annotated[StrictStr, StringConstraints(min_length=1, max_length=60, pattern=r"^[^,/]*$")]


class ServerUpdate(Wire):
    """What to change in a server (application/json or application/merge-patch+json); what is
    left out stays as it is."""

    hostname: Hostname = Field(
        None, description="A new hostname (RFC 1123), unique among the project's live servers."
    )
    properties: dict[Key, Value] | None = Field(
        None, description="The server's properties, replaced as a whole (null clears them)."
    )
    project_id: StrictStr = Field(
        None,
        description=(
            "Another project to own the server (compute_vnext:servers:transfer on the server and "
            "a role implying member on that project); alone, not with hostname or properties. "
            "The server's own project is no change."
        ),
    )


class ServerTagSet(Wire):
    """A server's tags."""

    tags: Annotated[list[Tag], Field(max_length=MAX_TAGS)]


class ServerTagList(BaseModel):
    """A server's tags."""

    tags: list[str]
    links: Links = Field(alias="_links")


class ConsoleLog(BaseModel):
    """The last lines of a server's console log."""

    lines: list[str]
    links: Links = Field(alias="_links")


class RemoteConsole(BaseModel):
    type: str
    url: str


class ConsoleShape(BaseModel):
    """A remote console's address."""

    console: RemoteConsole
    links: Links = Field(alias="_links")


# -- handlers -------------------------------------------------------------------------------
def _server(req: ApiRequest) -> Server:
    """The server the path names, in the token's project (a server of another project is a 404),
    once the route's rule allows on the server's project."""
    with req.cloud.db.read() as s:
        server = get_visible(s, req.ctx, req.params["server_id"])
    req.enforce({"project_id": server.project_id})
    return server


def _read(req: ApiRequest) -> Server:
    """The server a read names, through any of the caller's projects, under the route's rule."""
    return readable(req, req.params["server_id"], str(req.endpoint.policy))


def _written(req: ApiRequest) -> Server:
    """The server a write names: as ``_server``, but one the caller reads through another of its
    projects is a 403 naming the project to scope to (``servers.writable``)."""
    server = writable(req, req.params["server_id"])
    req.enforce({"project_id": server.project_id})
    return server


def update_server(req: ApiRequest) -> Response:
    doc = body(req, ServerUpdate)
    server = _written(req)
    given = doc.model_fields_set
    if "project_id" in given and doc.project_id != server.project_id:
        return _transfer(req, server, doc)
    properties = (doc.properties or {}) if "properties" in given else None
    edits = ServerEdits(req.cloud.db, req.cloud.quotas)
    server = edits.edit(req.ctx, server.id, hostname=doc.hostname, properties=properties)
    with req.cloud.db.read() as s:
        facts = ServerLister(req.cloud.db).facts(s, [server])
    return json_response(ServerView(req, [server], facts).show(server))


def _transfer(req: ApiRequest, server: Server, doc: ServerUpdate) -> Response:
    """Give the server to ``doc.project_id`` (docs/compute-vnext.md §6.7) and show it as it is
    afterwards, read directly: the caller's token may no longer reach it."""
    others = sorted(doc.model_fields_set & {"hostname", "properties"})
    if others:
        raise BadRequest(
            f"project_id cannot be changed together with {' or '.join(others)}: transfer the "
            "server first, then change the rest in its new project."
        )
    req.cloud.policy.enforce(V + "servers:transfer", req.ctx, {"project_id": server.project_id})
    transfer = ServerTransfer(req.cloud.db, req.cloud.quotas, req.cloud.network.quotas)
    moved = transfer.transfer(req.ctx, server.id, doc.project_id)
    with req.cloud.db.read() as s:
        moved = s.get(Server, moved.id) or moved
        facts = ServerLister(req.cloud.db).facts(s, [moved])
    return json_response(ServerView(req, [moved], facts).show(moved))


def _tags_response(req: ApiRequest, server_id: str, tags: list[str]) -> Response:
    return json_response({"tags": tags, "_links": links(req, f"/servers/{server_id}/tags", "ServerTagList")})


def list_tags(req: ApiRequest) -> Response:
    server = _read(req)
    return _tags_response(req, server.id, ServerTags(req.cloud.db).of(server.id))


def replace_tags(req: ApiRequest) -> Response:
    doc = body(req, ServerTagSet)
    server = _written(req)
    return _tags_response(req, server.id, ServerTags(req.cloud.db).replace(req.ctx, server.id, doc.tags))


def check_tag(req: ApiRequest) -> Response:
    server = _read(req)
    if req.params["tag"] not in ServerTags(req.cloud.db).of(server.id):
        raise tag_not_found(req.params["tag"])
    return empty_response(204)


def add_tag(req: ApiRequest) -> Response:
    server = _written(req)
    ServerTags(req.cloud.db).add(req.ctx, server.id, req.params["tag"])
    return empty_response(204)


def delete_tag(req: ApiRequest) -> Response:
    server = _written(req)
    ServerTags(req.cloud.db).remove(req.ctx, server.id, req.params["tag"])
    return empty_response(204)


def console_log(req: ApiRequest) -> Response:
    raw = req.query.get("lines")
    if raw is not None and not (raw.isascii() and raw.isdigit()):
        raise BadRequest(f"lines must be a whole number, not {raw!r}.")
    server = _server(req)
    log = req.cloud.server_actions.console_output(req.ctx, server.id, None)
    lines = log.splitlines()
    if raw is not None:
        lines = lines[-int(raw) :] if int(raw) else []
    return json_response(
        {"lines": lines, "_links": links(req, f"/servers/{server.id}/console_log", "ConsoleLog")}
    )


def console(req: ApiRequest) -> Response:
    server = _server(req)
    kind = req.params["type"]
    if kind not in CONSOLE_TYPES:
        raise BadRequest(f"Unknown console type {kind!r}: one of {', '.join(CONSOLE_TYPES)}.")
    req.cloud.server_actions.require("remote_console", f"remote consoles ({kind})")
    raise NotImplementedYet(f"Remote consoles ({kind}) of server {server.id} are not implemented yet.")


SERVER = "/servers/{server_id}"
ROUTES = [
    Route(
        "PATCH",
        SERVER,
        update_server,
        P + "servers:update",
        "server",
        "Change a server's hostname or properties, or transfer it to another project.",
        body=ServerUpdate,
        returns=ServerShape,
        errors=(400, 401, 403, 404, 409, 415),
    ),
    Route(
        "GET",
        SERVER + "/tags",
        list_tags,
        P + "os-server-tags:index",
        "server-tags",
        "A server's tags.",
        returns=ServerTagList,
    ),
    Route(
        "PUT",
        SERVER + "/tags",
        replace_tags,
        P + "os-server-tags:update_all",
        "server-tags",
        f"Replace a server's tags (at most {MAX_TAGS}).",
        body=ServerTagSet,
        returns=ServerTagList,
        errors=(400, 401, 403, 404, 415),
    ),
    Route(
        "GET",
        SERVER + "/tags/{tag}",
        check_tag,
        P + "os-server-tags:show",
        "server-tag",
        "Whether a server has a tag (204) or not (404).",
        status=204,
    ),
    Route(
        "PUT",
        SERVER + "/tags/{tag}",
        add_tag,
        P + "os-server-tags:update",
        "server-tag",
        "Add a tag to a server.",
        status=204,
    ),
    Route(
        "DELETE",
        SERVER + "/tags/{tag}",
        delete_tag,
        P + "os-server-tags:delete",
        "server-tag",
        "Remove a tag from a server.",
        status=204,
    ),
    Route(
        "GET",
        SERVER + "/console_log",
        console_log,
        P + "os-console-output",
        "server-console-log",
        "The last lines of a server's console log.",
        returns=ConsoleLog,
        query=(Param("lines", "Only the last this many lines (default: all).", "integer"),),
        errors=(400, 401, 403, 404, 409, 501),
    ),
    Route(
        "GET",
        SERVER + "/consoles/{type}",
        console,
        P + "os-remote-consoles",
        "server-console",
        f"A remote console of a server ({', '.join(CONSOLE_TYPES)}).",
        returns=ConsoleShape,
        errors=(400, 401, 403, 404, 409, 501),
    ),
]
