"""Operator API: placements (docs/operator.md section 3): the DAG that availability zones (its
roots holding hosts) and the scheduler read live, so a change is seen at once."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StrictStr, StringConstraints
from starlette.responses import Response

from pocketstack.api.common.hal.routes import PAGING, Route, body, links, page, page_response
from pocketstack.api.common.responses import empty_response, isotime, json_response
from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.common.validation import Wire
from pocketstack.core.errors import BadRequest
from pocketstack.core.placement.placements import PlacementInfo, PlacementService

PATH = "/placements"
Name = Annotated[StrictStr, StringConstraints(min_length=1, max_length=255, pattern=r"^[^:]*[^:\s][^:]*$")]
Description = Annotated[StrictStr, StringConstraints(max_length=1000)]
PlacementId = Annotated[StrictStr, StringConstraints(min_length=1, max_length=36)]
TAG_PATTERN = r"^[^,/]{1,60}$"


class PlacementCreate(Wire):
    """A new placement; without parents it is a root (an availability zone once it holds hosts).
    A name has no colon: ``zone:host`` requests split on it."""

    name: Name
    description: Description = ""
    parent_ids: Annotated[list[PlacementId], Field(max_length=100)] = []


class PlacementUpdate(Wire):
    """What to change (application/json or application/merge-patch+json); ``parent_ids``
    replaces the parents (``[]``: a root)."""

    name: Name = None  # type: ignore[assignment]
    description: Description = None  # type: ignore[assignment]
    parent_ids: Annotated[list[PlacementId], Field(max_length=100)] = None  # type: ignore[assignment]


class PlacementShape(BaseModel):
    """A placement with its parents, direct children, direct member hosts and tags."""

    id: str
    name: str
    description: str
    parent_ids: list[str]
    children: list[str]
    host_ids: list[str]
    hosts: list[str]
    tags: list[str]
    created_at: datetime
    _links: dict[str, Any]


class PlacementList(BaseModel):
    """A page of placements, by name."""

    placements: list[PlacementShape]
    _links: dict[str, Any]


class PlacementTags(BaseModel):
    """A placement's tags."""

    tags: list[str]
    _links: dict[str, Any]


def _view(req: ApiRequest, p: PlacementInfo) -> dict[str, Any]:
    path = f"{PATH}/{p.id}"
    return {
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "parent_ids": p.parent_ids,
        "children": [cid for cid, _ in p.children],
        "host_ids": p.host_ids,
        "hosts": p.hosts,
        "tags": p.tags,
        "created_at": isotime(p.created_at),
        "_links": links(req, path, "PlacementShape", tags=f"{path}/tags", hosts="/hosts"),
    }


def _answer(req: ApiRequest, placement_id: str, status: int = 200) -> Response:
    return json_response(_view(req, PlacementService(req.cloud.db).get(placement_id)), status)


def list_placements(req: ApiRequest) -> Response:
    req.enforce({})
    service = PlacementService(req.cloud.db)

    def read(limit: int, marker: str | None) -> list[PlacementInfo]:
        return service.list(limit=limit, marker=marker)

    found, next_marker = page(req, read, lambda p: p.id)
    return page_response(
        req, PATH, "placements", [_view(req, p) for p in found], next_marker, "PlacementList"
    )


def show_placement(req: ApiRequest) -> Response:
    req.enforce({})
    return _answer(req, req.params["id"])


def create_placement(req: ApiRequest) -> Response:
    req.enforce({})
    doc = body(req, PlacementCreate)
    new_id = PlacementService(req.cloud.db).create(doc.name, doc.description, doc.parent_ids)
    return _answer(req, new_id, 201)


def update_placement(req: ApiRequest) -> Response:
    req.enforce({})
    doc = body(req, PlacementUpdate)
    PlacementService(req.cloud.db).update(
        req.params["id"], name=doc.name, description=doc.description, parent_ids=doc.parent_ids
    )
    return _answer(req, req.params["id"])


def delete_placement(req: ApiRequest) -> Response:
    req.enforce({})
    PlacementService(req.cloud.db).delete(req.params["id"])
    return empty_response()


def list_tags(req: ApiRequest) -> Response:
    req.enforce({})
    placement = PlacementService(req.cloud.db).get(req.params["id"])
    path = f"{PATH}/{placement.id}/tags"
    return json_response(
        {
            "tags": placement.tags,
            "_links": links(req, path, "PlacementTags", placement=f"{PATH}/{placement.id}"),
        }
    )


def _tag(req: ApiRequest) -> str:
    tag = req.params["tag"]
    if not 1 <= len(tag) <= 60 or "," in tag or "/" in tag:
        raise BadRequest("A tag has 1 to 60 characters, none of them ',' or '/'.")
    return tag


def add_tag(req: ApiRequest) -> Response:
    req.enforce({})
    PlacementService(req.cloud.db).tag(req.params["id"], _tag(req))
    return empty_response()


def remove_tag(req: ApiRequest) -> Response:
    req.enforce({})
    PlacementService(req.cloud.db).untag(req.params["id"], req.params["tag"])
    return empty_response()


ONE = f"{PATH}/{{id}}"
ROUTES = [
    Route(
        "GET",
        PATH,
        list_placements,
        "operator:placements:list",
        "placements",
        "Placements, by name.",
        returns=PlacementList,
        query=PAGING,
    ),
    Route(
        "POST",
        PATH,
        create_placement,
        "operator:placements:create",
        "placements-create",
        "Make a placement under existing parents (none: a root).",
        status=201,
        body=PlacementCreate,
        returns=PlacementShape,
        errors=(400, 401, 403, 409, 415),
    ),
    Route(
        "GET",
        ONE,
        show_placement,
        "operator:placements:get",
        "placement",
        "A placement.",
        returns=PlacementShape,
    ),
    Route(
        "PATCH",
        ONE,
        update_placement,
        "operator:placements:update",
        "placement-update",
        "Rename, describe or re-parent a placement (409 operator.placement.cycle for a parent below it).",
        body=PlacementUpdate,
        returns=PlacementShape,
        errors=(400, 401, 403, 404, 409, 415),
    ),
    Route(
        "DELETE",
        ONE,
        delete_placement,
        "operator:placements:delete",
        "placement-delete",
        "Remove a placement that holds no host and has no child.",
        status=204,
        errors=(401, 403, 404, 409),
    ),
    Route(
        "GET",
        f"{ONE}/tags",
        list_tags,
        "operator:placements:get",
        "placement-tags",
        "A placement's tags.",
        returns=PlacementTags,
    ),
    Route(
        "PUT",
        f"{ONE}/tags/{{tag}}",
        add_tag,
        "operator:placements:update",
        "placement-tag-add",
        "Tag a placement (again: no change).",
        status=204,
    ),
    Route(
        "DELETE",
        f"{ONE}/tags/{{tag}}",
        remove_tag,
        "operator:placements:update",
        "placement-tag-remove",
        "Remove a tag from a placement.",
        status=204,
        errors=(401, 403, 404),
    ),
]
