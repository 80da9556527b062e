"""Operator API: snapshots, restore and reset (docs/operator.md section 4). Synchronous: each
call answers when its work is done."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, StrictStr, StringConstraints
from starlette.responses import Response

from pocketstack.api.common.hal.routes import Route, body, links
from pocketstack.api.common.responses import empty_response, isotime, json_response
from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.common.validation import Wire
from pocketstack.core.operator import snapshots
from pocketstack.core.operator.snapshots import SnapshotInfo

PATH = "/snapshots"


class SnapshotCreate(Wire):
    name: Annotated[
        StrictStr, StringConstraints(min_length=1, max_length=255, pattern=r"^[^\x00-\x1f\x7f]+$")
    ]


class SnapshotShape(BaseModel):
    """A snapshot: when it was taken, at which storage revision, how big, how many rows."""

    id: str
    name: str
    created_at: datetime
    storage_revision: str
    pocketstack_version: str
    size_bytes: int
    tables: dict[str, int]
    images: int
    _links: dict[str, Any]


class SnapshotList(BaseModel):
    """Every snapshot, oldest first."""

    snapshots: list[SnapshotShape]
    _links: dict[str, Any]


class ResetShape(BaseModel):
    """The cloud is back to its first-start state."""

    reset: bool
    _links: dict[str, Any]


def _view(req: ApiRequest, info: SnapshotInfo) -> dict[str, Any]:
    path = f"{PATH}/{info.id}"
    return {
        "id": info.id,
        "name": info.name,
        "created_at": isotime(info.created_at),
        "storage_revision": info.storage_revision,
        "pocketstack_version": info.pocketstack_version,
        "size_bytes": info.size_bytes,
        "tables": info.tables,
        "images": len(info.images),
        "_links": links(req, path, "SnapshotShape", restore=f"{path}/restore"),
    }


def list_snapshots(req: ApiRequest) -> Response:
    req.enforce({})
    found = [_view(req, info) for info in snapshots.list_snapshots(req.cloud)]
    return json_response({"snapshots": found, "_links": links(req, PATH, "SnapshotList")})


def show_snapshot(req: ApiRequest) -> Response:
    req.enforce({})
    return json_response(_view(req, snapshots.get(req.cloud, req.params["id"])))


def create_snapshot(req: ApiRequest) -> Response:
    req.enforce({})
    doc = body(req, SnapshotCreate)
    info = snapshots.create(req.cloud, doc.name)
    view = _view(req, info)
    return json_response(view, 201, {"Location": view["_links"]["self"]["href"]})


def delete_snapshot(req: ApiRequest) -> Response:
    req.enforce({})
    snapshots.get(req.cloud, req.params["id"])
    snapshots.delete(req.cloud, req.params["id"])
    return empty_response()


def restore_snapshot(req: ApiRequest) -> Response:
    req.enforce({})
    return json_response(_view(req, snapshots.restore(req.cloud, req.params["id"])))


def reset(req: ApiRequest) -> Response:
    req.enforce({})
    snapshots.reset(req.cloud)
    return json_response({"reset": True, "_links": links(req, "/reset", "ResetShape")})


ROUTES = [
    Route(
        "GET",
        PATH,
        list_snapshots,
        "operator:snapshots:list",
        "snapshots",
        "Every snapshot of the cloud's state, oldest first.",
        returns=SnapshotList,
        errors=(401, 403),
    ),
    Route(
        "POST",
        PATH,
        create_snapshot,
        "operator:snapshots:create",
        "snapshots-create",
        "Snapshot the cloud: every table, the image data and the keys, into one file (synchronous).",
        status=201,
        body=SnapshotCreate,
        returns=SnapshotShape,
        errors=(400, 401, 403),
    ),
    Route(
        "GET",
        f"{PATH}/{{id}}",
        show_snapshot,
        "operator:snapshots:get",
        "snapshot",
        "Show a snapshot.",
        returns=SnapshotShape,
    ),
    Route(
        "DELETE",
        f"{PATH}/{{id}}",
        delete_snapshot,
        "operator:snapshots:delete",
        "snapshot-delete",
        "Delete a snapshot's file.",
        status=204,
        errors=(401, 403, 404),
    ),
    Route(
        "POST",
        f"{PATH}/{{id}}/restore",
        restore_snapshot,
        "operator:snapshots:restore",
        "snapshot-restore",
        "Put the whole cloud back in the snapshot's state (synchronous; upgraded first if older).",
        returns=SnapshotShape,
        errors=(401, 403, 404, 409),
    ),
    Route(
        "POST",
        "/reset",
        reset,
        "operator:reset",
        "reset",
        "Put the cloud back in its first-start state (synchronous).",
        returns=ResetShape,
        errors=(401, 403, 409),
    ),
]
