"""POST/GET/PATCH/DELETE /v2/images and the deactivate/reactivate actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.common.validation import MAX_INT64, query_bool
from pocketstack.api.image_v2 import views
from pocketstack.api.image_v2.handlers.imports import import_headers
from pocketstack.cloud import Cloud
from pocketstack.core.errors import BadRequest, UnsupportedMediaType
from pocketstack.core.identity.common import naive_utc
from pocketstack.core.image.data import store_ids_of
from pocketstack.core.image.images import ImageListQuery, ImageService
from pocketstack.store.image_models import Image

PATCH_TYPES = ("application/openstack-images-v2.1-json-patch", "application/openstack-images-v2.0-json-patch")
SORT_KEYS = frozenset(
    {
        "id",
        "name",
        "status",
        "container_format",
        "disk_format",
        "size",
        "virtual_size",
        "created_at",
        "updated_at",
        "min_disk",
        "min_ram",
        "visibility",
        "owner",
        "protected",
        "os_hidden",
    }
)
IN_FILTERS = ("id", "name", "status", "container_format", "disk_format")
NOT_PROPERTIES = frozenset(
    {
        "limit",
        "marker",
        "sort_key",
        "sort_dir",
        "sort",
        "visibility",
        "member_status",
        "tag",
        "owner",
        "protected",
        "os_hidden",
        "size_min",
        "size_max",
        "created_at",
        "updated_at",
        *IN_FILTERS,
    }
)
COMPARATORS: dict[str, Callable[[Any, Any], Any]] = {
    "gt": lambda c, v: c > v,
    "gte": lambda c, v: c >= v,
    "lt": lambda c, v: c < v,
    "lte": lambda c, v: c <= v,
    "eq": lambda c, v: c == v,
    "neq": lambda c, v: c != v,
}


def render(cloud: Cloud, images: list[Image]) -> list[dict[str, Any]]:
    ids = [i.id for i in images]
    with cloud.db.read() as s:
        tags, stores = ImageService.tags_of(s, ids), store_ids_of(s, ids)
    return [views.image(i, tags[i.id], stores[i.id]) for i in images]


def _show(
    req: ApiRequest, image_id: str, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    (body,) = render(req.cloud, [req.cloud.images.get(req.ctx, image_id)])
    return json_response(body, status, {**import_headers(req.cloud), **(headers or {})})


def create_image(req: ApiRequest) -> Response:
    req.enforce()
    body = req.json()
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    image_id = req.cloud.images.create(req.ctx, body)
    return _show(req, image_id, 201, {"Location": f"{req.base_url}/v2/images/{image_id}"})


def show_image(req: ApiRequest) -> Response:
    req.enforce()
    return _show(req, req.params["image_id"])


def _time(value: str) -> datetime:
    try:
        return naive_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        raise BadRequest(f"Invalid time value {value!r}.") from None


def _int(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"Invalid value for '{name}': {value!r} is not an integer.") from None
    if number < 0:
        raise BadRequest(f"Invalid value for '{name}': it cannot be negative.")
    if number > MAX_INT64:
        raise BadRequest(f"Invalid value for '{name}': it must be at most {MAX_INT64}.")
    return number


def _filters(q: Any) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    for key in IN_FILTERS:
        if key in q:
            value = q[key]
            if value.startswith("in:"):
                wanted = [v.strip('"') for v in value[3:].split(",")]
                filters[key] = lambda col, w=wanted: col.in_(w)
            else:
                filters[key] = value
    if "owner" in q:
        filters["owner"] = q["owner"]
    for key in ("protected", "os_hidden"):
        if key in q:
            filters[key] = query_bool(q[key])
    if "size_min" in q:
        low = _int("size_min", q["size_min"])
        filters["size"] = lambda col, v=low: col >= v
    if "size_max" in q:
        high = _int("size_max", q["size_max"])
        previous = filters.get("size")
        filters["size"] = (
            (lambda col, v=high, p=previous: p(col) & (col <= v))
            if previous
            else (lambda col, v=high: col <= v)
        )
    for key in ("created_at", "updated_at"):
        if key in q:
            op, _, value = q[key].partition(":")
            if op not in COMPARATORS or not value:
                raise BadRequest(f"Invalid {key} filter {q[key]!r}: use gt:, gte:, lt:, lte:, eq: or neq:.")
            filters[key] = lambda col, f=COMPARATORS[op], v=_time(value): f(col, v)
    return filters


def _sort(q: Any) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    if "sort" in q:
        if "sort_key" in q or "sort_dir" in q:
            raise BadRequest("'sort' cannot be combined with 'sort_key' or 'sort_dir'.")
        for part in q["sort"].split(","):
            key, _, direction = part.strip().partition(":")
            pairs.append((key, direction or "desc"))
    else:
        keys, dirs = q.getlist("sort_key"), q.getlist("sort_dir")
        if len(dirs) > 1 and len(dirs) != len(keys):
            raise BadRequest("Give one sort_dir for every sort_key, or a single one.")
        pairs = [(k, dirs[i] if len(dirs) > 1 else (dirs[0] if dirs else "desc")) for i, k in enumerate(keys)]
    for key, direction in pairs:
        if key not in SORT_KEYS:
            raise BadRequest(f"Invalid sort key: {key}.")
        if direction not in ("asc", "desc"):
            raise BadRequest(f"Invalid sort direction: {direction}.")
    return pairs


def list_images(req: ApiRequest) -> Response:
    req.enforce()
    q = req.query
    limit = _int("limit", q.get("limit", "25"))
    if limit == 0:
        raise BadRequest("Invalid value for 'limit': it must be positive.")
    member_status = q.get("member_status", "accepted")
    if member_status not in ("pending", "accepted", "rejected", "all"):
        raise BadRequest(f"Invalid member_status {member_status!r}.")
    visibility = q.get("visibility")
    if visibility not in (None, "public", "private", "shared", "community", "all"):
        raise BadRequest(f"Invalid visibility {visibility!r}.")
    query = ImageListQuery(
        filters=_filters(q),
        tags=q.getlist("tag"),
        properties={k: v for k, v in q.items() if k not in NOT_PROPERTIES},
        member_status=member_status,
        visibility=visibility,
        sort=_sort(q),
        limit=min(limit, 1000),
        marker=q.get("marker"),
    )
    images = req.cloud.images.list(req.ctx, query)
    body: dict[str, Any] = {
        "images": render(req.cloud, images),
        "first": "/v2/images",
        "schema": "/v2/schemas/images",
    }
    if len(images) == query.limit:
        params = [(k, v) for k, v in q.multi_items() if k != "marker"] + [("marker", images[-1].id)]
        body["next"] = f"/v2/images?{urlencode(params)}"
    return json_response(body)


def _path_key(path: Any) -> str:
    if not isinstance(path, str) or not path:
        raise BadRequest("A patch operation needs a path such as '/name'.")
    parts = path.lstrip("/").split("/")
    if len(parts) != 1 or not parts[0]:
        raise BadRequest(f"Invalid path {path!r}: only top-level attributes can be patched.")
    return parts[0].replace("~1", "/").replace("~0", "~")


def _changes(media_type: str, ops: Any) -> list[tuple[str, str, Any]]:
    if not isinstance(ops, list):
        raise BadRequest("A JSON patch is a list of operations.")
    changes = []
    for item in ops:
        if not isinstance(item, dict):
            raise BadRequest("Each patch operation is an object.")
        if media_type == PATCH_TYPES[0]:
            op, path = item.get("op"), item.get("path")
        else:  # v2.0: {"replace": "/name", "value": ...}
            named = [k for k in ("add", "replace", "remove") if k in item]
            if len(named) != 1:
                raise BadRequest("Each operation names one of add, replace or remove.")
            op, path = named[0], item[named[0]]
        if op not in ("add", "replace", "remove"):
            raise BadRequest(f"Unsupported patch operation {op!r}: use add, replace or remove.")
        if op != "remove" and "value" not in item:
            raise BadRequest(f"The {op} operation needs a value.")
        changes.append((op, _path_key(path), item.get("value")))
    return changes


def update_image(req: ApiRequest) -> Response:
    media_type = req.headers.get("content-type", "").split(";")[0].strip()
    if media_type not in PATCH_TYPES:
        err = UnsupportedMediaType(f"Unsupported Content-Type {media_type!r} for an image PATCH.")
        err.headers = {"Accept-Patch": ", ".join(PATCH_TYPES)}  # type: ignore[attr-defined]
        raise err
    req.cloud.images.update(req.ctx, req.params["image_id"], _changes(media_type, req.json()))
    return _show(req, req.params["image_id"])


def delete_image(req: ApiRequest) -> Response:
    req.cloud.images.delete(req.ctx, req.params["image_id"])
    return empty_response(204)


def deactivate_image(req: ApiRequest) -> Response:
    req.cloud.images.set_active(req.ctx, req.params["image_id"], active=False)
    return empty_response(204)


def reactivate_image(req: ApiRequest) -> Response:
    req.cloud.images.set_active(req.ctx, req.params["image_id"], active=True)
    return empty_response(204)


ROUTES: list[Endpoint] = [
    Endpoint("POST", "/v2/images", create_image, "image:images:create"),
    Endpoint("GET", "/v2/images", list_images, "image:images:list", cached=("images",)),
    Endpoint("GET", "/v2/images/{image_id}", show_image, "image:images:get", cached=("images",)),
    # The core enforces these rules once it has loaded the image (they need its owner).
    Endpoint("PATCH", "/v2/images/{image_id}", update_image, "image:images:update"),
    Endpoint("DELETE", "/v2/images/{image_id}", delete_image, "image:images:delete"),
    Endpoint("POST", "/v2/images/{image_id}/actions/deactivate", deactivate_image, "image:images:deactivate"),
    Endpoint("POST", "/v2/images/{image_id}/actions/reactivate", reactivate_image, "image:images:reactivate"),
]
