"""GET /v2/info/import, /v2/info/stores[/detail], /v2/info/usage."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.core.image.data import project_usage
from pocketstack.core.image.imports import METHODS
from pocketstack.store.image_models import Image


def show_import_info(req: ApiRequest) -> Response:
    methods = {"description": "Import methods available.", "type": "array", "value": list(METHODS)}
    return json_response({"import-methods": methods})


def _data_dir(req: ApiRequest, store_id: str) -> str | None:
    """Where a store keeps its data (filesystem stores have a ``root``); admins only."""
    root = getattr(req.cloud.image_stores[store_id], "root", None)
    return None if root is None else str(root)


def _public_description(req: ApiRequest, store_id: str) -> str:
    """What anyone may read about a store: never where it keeps its data (a filesystem store's
    default description names its directory)."""
    description = req.cloud.image_stores[store_id].description
    data_dir = _data_dir(req, store_id)
    if data_dir and data_dir in description:
        return f"Image store {store_id}"
    return description


def _summaries(req: ApiRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": store_id,
            "description": _public_description(req, store_id),
            **({"default": True} if i == 0 else {}),
        }
        for i, store_id in enumerate(req.cloud.image_stores)
    ]


def list_stores(req: ApiRequest) -> Response:
    req.enforce()
    return json_response({"stores": _summaries(req)})


def list_stores_detail(req: ApiRequest) -> Response:
    """Admins only, as Glance's ``stores_info_detail``: the list plus each store's type, weight
    and properties (a filesystem store's ``data_dir``)."""
    req.enforce({"project_id": req.ctx.project_id})
    stores = _summaries(req)
    for entry in stores:
        data_dir = _data_dir(req, entry["id"])
        entry["description"] = req.cloud.image_stores[entry["id"]].description
        entry["type"] = "file"
        entry["weight"] = 0
        entry["properties"] = {"data_dir": data_dir} if data_dir else {}
    return json_response({"stores": stores})


def show_usage(req: ApiRequest) -> Response:
    req.enforce({"project_id": req.ctx.project_id})
    with req.cloud.db.read() as s:
        count = (
            s.scalar(select(func.count()).select_from(Image).where(Image.owner == req.ctx.project_id)) or 0
        )
        used = project_usage(s, req.ctx.project_id)
    quota = req.cloud.settings.image_storage_quota or -1
    return json_response(
        {
            "usage": {
                "image_count_total": {"limit": -1, "usage": count},
                "image_size_total": {"limit": quota, "usage": used},
            }
        }
    )


ROUTES: list[Endpoint] = [
    Endpoint("GET", "/v2/info/import", show_import_info, "image:info:get"),
    Endpoint("GET", "/v2/info/stores", list_stores, "image:info:get"),
    Endpoint("GET", "/v2/info/stores/detail", list_stores_detail, "image:info:stores_detail"),
    Endpoint("GET", "/v2/info/usage", show_usage, "image:info:usage"),
]
