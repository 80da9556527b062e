"""GET /v2/info/import, /v2/info/stores, /v2/info/usage."""

from __future__ import annotations

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


def list_stores(req: ApiRequest) -> Response:
    stores = [
        {"id": store_id, "description": store.description, **({"default": True} if i == 0 else {})}
        for i, (store_id, store) in enumerate(req.cloud.image_stores.items())
    ]
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
    Endpoint("GET", "/v2/info/usage", show_usage, "image:info:usage"),
]
