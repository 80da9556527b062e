"""Placements: the DAG that availability zones are views of."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from starlette.responses import Response

from pocketstack.api.common.hal.routes import PAGING, Param, Route, link, links, page, page_response
from pocketstack.api.common.responses import isotime, json_response
from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.compute_vnext.handlers.servers import Links
from pocketstack.core.context import is_admin
from pocketstack.core.placement.placements import PlacementInfo, PlacementService

V = "compute_vnext:placements:"


# -- schemas --------------------------------------------------------------------------------
class PlacementChild(BaseModel):
    id: str
    name: str
    links: Links = Field(alias="_links")


class PlacementShape(BaseModel):
    """A placement; one read by id also lists its children."""

    id: str
    name: str
    description: str
    parent_ids: list[str]
    tags: list[str]
    created_at: datetime
    children: list[PlacementChild] | None = None
    elevated: dict[str, Any] | None = Field(None, alias="_elevated")
    links: Links = Field(alias="_links")


class PlacementList(BaseModel):
    """A page of placements."""

    placements: list[PlacementShape]
    links: Links = Field(alias="_links")


# -- views ----------------------------------------------------------------------------------
def show(req: ApiRequest, p: PlacementInfo, *, with_children: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "parent_ids": p.parent_ids,
        "tags": p.tags,
        "created_at": isotime(p.created_at),
    }
    if with_children:
        out["children"] = [
            {"id": cid, "name": name, "_links": {"self": link(f"{req.base_url}/placements/{cid}")}}
            for cid, name in p.children
        ]
    if is_admin(req.ctx):
        out["_elevated"] = {"hosts": p.hosts}
    path = f"/placements/{p.id}"
    out["_links"] = links(req, path, "PlacementShape", children=f"/placements?parent_placement={p.id}")
    return out


# -- handlers -------------------------------------------------------------------------------
def list_placements(req: ApiRequest) -> Response:
    req.enforce({"project_id": req.ctx.project_id})
    parent, tags = req.query.get("parent_placement"), req.query.getlist("tag")
    service = PlacementService(req.cloud.db)

    def read(limit: int, marker: str | None) -> list[PlacementInfo]:
        return service.list(parent, tags, limit, marker)

    found, next_marker = page(req, read, lambda p: p.id)
    items = [show(req, p) for p in found]
    return page_response(req, "/placements", "placements", items, next_marker, "PlacementList")


def show_placement(req: ApiRequest) -> Response:
    req.enforce({"project_id": req.ctx.project_id})
    placement = PlacementService(req.cloud.db).get(req.params["placement_id"])
    return json_response(show(req, placement, with_children=True))


ROUTES = [
    Route(
        "GET",
        "/placements",
        list_placements,
        V + "list",
        "placements",
        "Placements, by name.",
        returns=PlacementList,
        query=(
            Param("parent_placement", "The direct children of this placement (its id)."),
            Param("tag", "Placements with this tag (repeatable: all must match)."),
            *PAGING,
        ),
    ),
    Route(
        "GET",
        "/placements/{placement_id}",
        show_placement,
        V + "show",
        "placement",
        "A placement and its direct children.",
        returns=PlacementShape,
    ),
]
