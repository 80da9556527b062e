"""Creating a batch of servers: POST /projects/{project_id}/servers (docs/compute-vnext.md 4.2).

Each item is the batch's ``defaults`` overlaid by the item's own fields: a field the item gives
replaces the default whole (objects are not merged), and ``hostname`` / ``hostname_pattern``
count as one field, so an item's ``hostname`` overrides a default pattern."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, StringConstraints
from starlette.responses import Response

from pocketstack.api.common.hal.routes import Route, body, link, links
from pocketstack.api.common.responses import isotime, json_response
from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.common.validation import Wire
from pocketstack.api.compute_vnext.handlers.servers import Links
from pocketstack.core.compute import affinity
from pocketstack.core.compute.batches import MAX_ITEMS, Batches, BatchItem
from pocketstack.core.context import is_admin
from pocketstack.core.errors import BadRequest, Forbidden, NotFound

P = "os_compute_api:servers:"
MAX_TAGS = 50
NAMES = frozenset({"hostname", "hostname_pattern"})


def _base64(value: str) -> str:
    if len(value) > 65535:
        raise ValueError("user_data is longer than 65535 characters")
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("user_data is not valid base64") from None
    return value


Tag = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=r"^[^,/]+$")]
Short = Annotated[str, StringConstraints(min_length=1, max_length=255)]
Value = Annotated[str, StringConstraints(max_length=255)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=255)]


class AffinityTargets(Wire):
    """Servers by id, and the project's live servers with any of these tags."""

    server_ids: Annotated[list[Id], Field(max_length=MAX_ITEMS)] = []
    server_tags: Annotated[list[Tag], Field(max_length=MAX_TAGS)] = []


class AffinityRequest(Wire):
    near: AffinityTargets | None = None
    not_near: AffinityTargets | None = None


class InterfaceRequest(Wire):
    """A network (with an optional fixed IP) or an existing port."""

    network_id: Id | None = None
    port_id: Id | None = None
    fixed_ip: Id | None = None
    tag: Tag | None = None


class NetworkingRequest(Wire):
    interfaces: list[InterfaceRequest]


class ServerSpec(Wire):
    """A batch item (or the batch's defaults). Each server needs ``hostname`` or
    ``hostname_pattern`` (``%(rand_num)Nd`` becomes N random digits), ``type_id`` and
    ``template_id``, from the item or the defaults."""

    hostname: Annotated[str, StringConstraints(min_length=1, max_length=253)] | None = None
    hostname_pattern: Annotated[str, StringConstraints(min_length=1, max_length=253)] | None = None
    type_id: Id | None = None
    template_id: Id | None = None
    keypair_id: Id | None = None
    placement_id: Id | None = None
    networking: NetworkingRequest | None = None
    affinity: AffinityRequest | None = None
    user_data: Annotated[str, AfterValidator(_base64)] | None = None
    properties: dict[Short, Value] = {}
    tags: Annotated[list[Tag], Field(max_length=MAX_TAGS)] = []


class ServerBatch(Wire):
    """Servers to create, all or none."""

    defaults: ServerSpec = Field(default_factory=ServerSpec)
    servers: Annotated[list[ServerSpec], Field(min_length=1, max_length=MAX_ITEMS)]


class LaunchedLinks(BaseModel):
    self: dict[str, str]
    task: dict[str, str]


class Launched(BaseModel):
    id: str
    launched_at: datetime
    links: LaunchedLinks = Field(alias="_links")


class ServerBatchResult(BaseModel):
    """The servers a batch made, in request order; each builds in its CREATE task."""

    servers: list[Launched]
    links: Links = Field(alias="_links")


# -- translation ----------------------------------------------------------------------------
def _merged(defaults: ServerSpec, item: ServerSpec) -> dict[str, Any]:
    base = {k: getattr(defaults, k) for k in defaults.model_fields_set}
    own = {k: getattr(item, k) for k in item.model_fields_set}
    if NAMES & own.keys():
        base = {k: v for k, v in base.items() if k not in NAMES}
    return {**base, **own}


def _targets(wire: AffinityTargets | None) -> affinity.Targets | None:
    if wire is None:
        return None
    return affinity.Targets(tuple(wire.server_ids), tuple(wire.server_tags))


def _interfaces(wire: NetworkingRequest | None) -> list[dict[str, Any]] | None:
    """vNext's interfaces in the core's (v2.1's) form; None (left out): the project's network."""
    if wire is None:
        return None
    out = []
    for nic in wire.interfaces:
        if (nic.network_id is None) == (nic.port_id is None):
            raise BadRequest("networking.interfaces: each names network_id or port_id (one of them).")
        entry = {"uuid": nic.network_id, "port": nic.port_id, "fixed_ip": nic.fixed_ip, "tag": nic.tag}
        out.append({k: v for k, v in entry.items() if v is not None})
    return out


def _item(index: int, fields: dict[str, Any]) -> BatchItem:
    try:
        missing = [name for name in ("type_id", "template_id") if fields.get(name) is None]
        if missing:
            raise BadRequest(f"{missing[0]} is required (in the item or the defaults).")
        wire_affinity: AffinityRequest = fields.get("affinity") or AffinityRequest()
        return BatchItem(
            type_id=fields["type_id"],
            template_id=fields["template_id"],
            hostname=fields.get("hostname"),
            hostname_pattern=fields.get("hostname_pattern"),
            keypair_id=fields.get("keypair_id"),
            placement_id=fields.get("placement_id"),
            interfaces=_interfaces(fields.get("networking")),
            affinity=affinity.Affinity(_targets(wire_affinity.near), _targets(wire_affinity.not_near)),
            user_data=fields.get("user_data"),
            properties=dict(fields.get("properties") or {}),
            tags=list(fields.get("tags") or []),
        )
    except BadRequest as exc:
        raise BadRequest(f"servers[{index}]: {exc.message}", code=exc.code) from None


# -- handler --------------------------------------------------------------------------------
def _writable_project(req: ApiRequest) -> str:
    """Servers are made in the token's project: another project is a 404, or for an admin
    (who can read it) a 403 that says to scope a token there."""
    project = req.params["project_id"]
    if project == req.ctx.project_id:
        return project
    if is_admin(req.ctx):
        raise Forbidden(f"Servers are created with a token scoped to their project; scope one to {project}.")
    raise NotFound("project", project, message=f"Project {project} could not be found.")


def create_servers(req: ApiRequest) -> Response:
    project = _writable_project(req)
    req.enforce({"project_id": project})
    batch = body(req, ServerBatch)
    items = [_item(i, _merged(batch.defaults, spec)) for i, spec in enumerate(batch.servers)]
    made = Batches(req.cloud.servers).create(req.ctx, items)
    base = req.base_url
    servers = [
        {
            "id": m.server_id,
            "launched_at": isotime(m.created_at),
            "_links": {
                "self": link(f"{base}/servers/{m.server_id}"),
                "task": link(f"{base}/server_tasks/{m.task_id}"),
            },
        }
        for m in made
    ]
    out_links = links(req, f"/projects/{project}/servers", "ServerBatchResult")
    return json_response({"servers": servers, "_links": out_links}, 202)


ROUTES: list[Route] = [
    Route(
        "POST",
        "/projects/{project_id}/servers",
        create_servers,
        P + "create",
        "project-servers",
        "Create a batch of servers (all or none); each builds in its own CREATE task.",
        status=202,
        body=ServerBatch,
        returns=ServerBatchResult,
        errors=(400, 401, 403, 404, 409),
    ),
]
