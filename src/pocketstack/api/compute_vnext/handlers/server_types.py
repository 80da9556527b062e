"""Server types (flavors): the list, one type by id or name, create, PATCH, delete. Shares and
tags are in type_shares.py; its rows are part of ROUTES here."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from starlette.responses import Response

from pocketstack.api.common.hal.routes import PAGING, Param, Route, body, links, page, page_response
from pocketstack.api.common.responses import empty_response, isotime, json_response
from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.common.validation import Wire
from pocketstack.api.compute_vnext.handlers import type_shares
from pocketstack.api.compute_vnext.handlers.servers import Links
from pocketstack.api.compute_vnext.handlers.type_shares import SharesUpdate, allow
from pocketstack.core.compute.server_types import ServerType, ServerTypes, TypeQuery, TypeSpec
from pocketstack.core.context import is_admin
from pocketstack.core.errors import BadRequest
from pocketstack.store.compute_models import Flavor

P = "os_compute_api:flavors:"
V = "compute_vnext:server_types:"
PUBLISH = V + "publish"
Visibility = Literal["PUBLIC", "PRIVATE"]


# -- schemas --------------------------------------------------------------------------------
class ServerTypeCreate(Wire):
    """A new server type; PUBLIC needs compute_vnext:server_types:publish."""

    name: str = Field(min_length=1, max_length=255)
    description: str | None = Field(None, max_length=65535)
    vcpus: int = Field(ge=1, le=2**31 - 1)
    ram_mb: int = Field(ge=1, le=2**31 - 1)
    root_disk_gb: int = Field(ge=0, le=2**31 - 1)
    ephemeral_disk_gb: int = Field(0, ge=0, le=2**31 - 1)
    swap_mb: int = Field(0, ge=0, le=2**31 - 1)
    visibility: Visibility = "PRIVATE"
    tags: list[str] = Field(default_factory=list, max_length=50)
    shares: SharesUpdate | None = None


class ServerTypeUpdate(Wire):
    """What may change of a type: its sizes never do, shares and tags have their own routes."""

    name: str | None = Field(None, min_length=1, max_length=255)
    description: str | None = Field(None, max_length=65535)
    visibility: Visibility | None = None


class SharesShape(BaseModel):
    users: list[str]
    projects: list[str]


class ServerTypeShape(BaseModel):
    """A server type."""

    id: str
    name: str
    description: str | None
    vcpus: int
    ram_mb: int
    root_disk_gb: int
    ephemeral_disk_gb: int
    swap_mb: int
    visibility: Visibility
    owner_project_id: str | None
    tags: list[str]
    shares: SharesShape | None = None
    created_at: datetime
    updated_at: datetime | None
    elevated: dict[str, Any] | None = Field(None, alias="_elevated")
    links: Links = Field(alias="_links")


class ServerTypeList(BaseModel):
    """A page of server types."""

    server_types: list[ServerTypeShape]
    links: Links = Field(alias="_links")


# -- views ----------------------------------------------------------------------------------
def may_see_shares(req: ApiRequest, flavor: Flavor) -> bool:
    owner = flavor.owner_project_id
    return is_admin(req.ctx) or (owner is not None and owner == req.ctx.project_id)


def show(req: ApiRequest, st: ServerType) -> dict[str, Any]:
    f = st.flavor
    out: dict[str, Any] = {
        "id": st.id,
        "name": f.name,
        "description": f.description,
        "vcpus": f.vcpus,
        "ram_mb": f.memory_mb,
        "root_disk_gb": f.root_gb,
        "ephemeral_disk_gb": f.ephemeral_gb,
        "swap_mb": f.swap_mb,
        "visibility": "PUBLIC" if f.is_public else "PRIVATE",
        "owner_project_id": f.owner_project_id,
        "tags": st.tags,
        "created_at": isotime(f.created_at),
        "updated_at": isotime(f.updated_at),
    }
    if may_see_shares(req, f):
        out["shares"] = {"users": st.users, "projects": st.projects}
    if is_admin(req.ctx):
        out["_elevated"] = {"disabled": bool(f.disabled), "rxtx_factor": f.rxtx_factor}
    path = f"/server_types/{st.id}"
    out["_links"] = links(req, path, "ServerTypeShape", shares=f"{path}/shares", tags=f"{path}/tags")
    return out


# -- handlers -------------------------------------------------------------------------------
def _visibility(req: ApiRequest) -> bool | None:
    value = req.query.get("visibility")
    if value is None:
        return None
    if value not in ("PUBLIC", "PRIVATE"):
        raise BadRequest(f"visibility is PUBLIC or PRIVATE, not {value!r}.")
    return value == "PUBLIC"


def list_types(req: ApiRequest) -> Response:
    req.enforce({"project_id": req.ctx.project_id})
    query = TypeQuery(name=req.query.get("name"), tags=req.query.getlist("tag"), public=_visibility(req))

    def read(limit: int, marker: str | None) -> list[ServerType]:
        return ServerTypes(req.cloud.db).list(req.ctx, replace(query, limit=limit, marker=marker))

    types, next_marker = page(req, read, lambda st: st.id)
    items = [show(req, st) for st in types]
    return page_response(req, "/server_types", "server_types", items, next_marker, "ServerTypeList")


def create_type(req: ApiRequest) -> Response:
    req.enforce({"project_id": req.ctx.project_id})
    wanted = body(req, ServerTypeCreate)
    public = wanted.visibility == "PUBLIC"
    if public:
        req.cloud.policy.enforce(PUBLISH, req.ctx, {"project_id": req.ctx.project_id})
    shares = wanted.shares or SharesUpdate()
    spec = TypeSpec(
        name=wanted.name,
        vcpus=wanted.vcpus,
        ram_mb=wanted.ram_mb,
        root_disk_gb=wanted.root_disk_gb,
        ephemeral_disk_gb=wanted.ephemeral_disk_gb,
        swap_mb=wanted.swap_mb,
        description=wanted.description,
        public=public,
        tags=wanted.tags,
        users=shares.users,
        projects=shares.projects,
    )
    st = ServerTypes(req.cloud.db).create(req.ctx, spec)
    out = show(req, st)
    return json_response(out, 201, {"Location": out["_links"]["self"]["href"]})


def show_type(req: ApiRequest) -> Response:
    req.enforce({"project_id": req.ctx.project_id})
    return json_response(show(req, ServerTypes(req.cloud.db).get(req.ctx, req.params["type_id"])))


_FIXED = ("shares", "tags", "vcpus", "ram_mb", "root_disk_gb", "ephemeral_disk_gb", "swap_mb")


def update_type(req: ApiRequest) -> Response:
    raw = req.json()
    fixed = [k for k in _FIXED if isinstance(raw, dict) and k in raw]
    if fixed:
        raise BadRequest(
            f"{fixed[0]} cannot be changed here: a type's sizes never change; shares and tags "
            "have their own routes (/shares, /tags)."
        )
    wanted = body(req, ServerTypeUpdate)
    changes: dict[str, Any] = {}
    for key in wanted.model_fields_set:
        value = getattr(wanted, key)
        if key == "visibility":
            if value is None:
                raise BadRequest("visibility is PUBLIC or PRIVATE.")
            changes["public"] = value == "PUBLIC"
        elif key == "name" and value is None:
            raise BadRequest("name cannot be null.")
        else:
            changes[key] = value

    def check(flavor: Flavor) -> None:
        allow(req)(flavor)
        if changes.get("public") and not flavor.is_public:
            req.cloud.policy.enforce(PUBLISH, req.ctx, {"project_id": flavor.owner_project_id})

    st = ServerTypes(req.cloud.db).update(req.ctx, req.params["type_id"], changes, check)
    return json_response(show(req, st))


def delete_type(req: ApiRequest) -> Response:
    ServerTypes(req.cloud.db).delete(req.ctx, req.params["type_id"], allow(req))
    return empty_response(204)


FILTERS = (
    Param("name", "The type of this name."),
    Param("tag", "Types with this tag (repeatable: all must match)."),
    Param("visibility", "PUBLIC or PRIVATE."),
)
ONE = "/server_types/{type_id}"

ROUTES = [
    Route(
        "GET",
        "/server_types",
        list_types,
        P + "index",
        "server-types",
        "The server types the caller may use.",
        returns=ServerTypeList,
        query=(*FILTERS, *PAGING),
    ),
    Route(
        "POST",
        "/server_types",
        create_type,
        V + "create",
        "server-types",
        "Make a server type (PRIVATE, owned by the caller's project, unless published).",
        status=201,
        body=ServerTypeCreate,
        returns=ServerTypeShape,
        errors=(400, 401, 403, 409),
    ),
    Route(
        "GET",
        ONE,
        show_type,
        P + "show",
        "server-type",
        "A server type, by id or name.",
        returns=ServerTypeShape,
    ),
    Route(
        "PATCH",
        ONE,
        update_type,
        V + "update",
        "server-type",
        "Rename a type, describe it, change its visibility.",
        body=ServerTypeUpdate,
        returns=ServerTypeShape,
        errors=(400, 401, 403, 404, 409),
    ),
    Route("DELETE", ONE, delete_type, V + "delete", "server-type", "Delete a server type.", status=204),
    *type_shares.ROUTES,
]
