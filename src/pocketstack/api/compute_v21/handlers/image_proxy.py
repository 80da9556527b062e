"""Nova's image proxy: ``GET /images[/detail]``, ``GET|DELETE /images/{id}`` (to 2.35) and
``/images/{id}/metadata[/{key}]`` (to 2.38), over the image service (core/compute/image_proxy.py).

From 2.36 (the images) and 2.39 (their metadata) each answers 404, as in Nova. Nova has no
policy rule of its own here: the image service's rules apply to the caller.
"""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.request import body, next_links, page, query_int, query_time
from pocketstack.api.compute_v21.schemas.server_meta import MetadataBody, MetaItem
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.api.compute_v21.views import image_proxy as views
from pocketstack.core.compute.image_proxy import ImageFilters, ImageProxy
from pocketstack.core.errors import BadRequest, NotFound

RULE = "os_compute_api:images"
# The gates of the two halves of the proxy (GATES): the images go after 2.35, their metadata after 2.38.
IMAGES = "image_proxy.images"
METADATA = "image_proxy.metadata"


def _proxy(req: ApiRequest, gate: str) -> ImageProxy:
    if not gated(req, gate):
        raise NotFound("resource", req.request.url.path, message="The resource could not be found.")
    req.enforce({"project_id": req.ctx.project_id})
    return ImageProxy(req.cloud.images, req.cloud.quotas)


def _filters(req: ApiRequest) -> ImageFilters:
    """COMPAT: Nova's names (``server``, ``type``, ``minRam``, ``property-*``) mapped onto the
    image service's; ``server`` may be a server's URL, whose last segment is its id."""
    q = req.query
    limit, marker = page(req)
    props = {k[len("property-") :]: v for k, v in q.items() if k.startswith("property-")}
    if "server" in q:
        props["instance_uuid"] = q["server"].rstrip("/").rsplit("/", 1)[-1]
    if "type" in q:
        props["image_type"] = q["type"]
    status = q.get("status")
    return ImageFilters(
        name=q.get("name"),
        status=None if status is None else status.lower(),
        changes_since=query_time(req, "changes-since"),
        min_ram=query_int(req, "minRam"),
        min_disk=query_int(req, "minDisk"),
        properties=props,
        limit=1000 if limit is None else limit,
        marker=marker,
    )


def _list(req: ApiRequest, detail: bool) -> Response:
    proxy = _proxy(req, IMAGES)
    filters = _filters(req)
    found = proxy.list(req.ctx, filters)
    render = views.detail if detail else views.brief
    doc: dict = {"images": [render(req, image) for image in found]}
    limit, _ = page(req)
    more = next_links(req, "images/detail" if detail else "images", found, limit)
    if more:
        doc["images_links"] = more
    return json_response(doc)


def list_images(req: ApiRequest) -> Response:
    return _list(req, detail=False)


def list_images_detail(req: ApiRequest) -> Response:
    return _list(req, detail=True)


def show_image(req: ApiRequest) -> Response:
    image = _proxy(req, IMAGES).get(req.ctx, req.params["image_id"])
    return json_response({"image": views.detail(req, image)})


def delete_image(req: ApiRequest) -> Response:
    _proxy(req, IMAGES).delete(req.ctx, req.params["image_id"])
    return empty_response(204)


def list_metadata(req: ApiRequest) -> Response:
    props = _proxy(req, METADATA).metadata(req.ctx, req.params["image_id"])
    return json_response({"metadata": props})


def show_metadata_item(req: ApiRequest) -> Response:
    key = req.params["key"]
    value = _proxy(req, METADATA).metadata_item(req.ctx, req.params["image_id"], key)
    return json_response({"meta": {key: value}})


def merge_metadata(req: ApiRequest) -> Response:
    """POST: add or change; answers every property afterwards."""
    proxy = _proxy(req, METADATA)
    given = body(req, MetadataBody).metadata
    return json_response({"metadata": proxy.merge_metadata(req.ctx, req.params["image_id"], given)})


def replace_metadata(req: ApiRequest) -> Response:
    """PUT: replace all; answers what was given."""
    proxy = _proxy(req, METADATA)
    given = body(req, MetadataBody).metadata
    proxy.replace_metadata(req.ctx, req.params["image_id"], given)
    return json_response({"metadata": given})


def set_metadata_item(req: ApiRequest) -> Response:
    proxy = _proxy(req, METADATA)
    key = req.params["key"]
    meta = body(req, MetaItem).meta
    if key not in meta:
        raise BadRequest("Request body and URI mismatch")
    proxy.merge_metadata(req.ctx, req.params["image_id"], meta)
    return json_response({"meta": meta})


def delete_metadata_item(req: ApiRequest) -> Response:
    _proxy(req, METADATA).delete_metadata_item(req.ctx, req.params["image_id"], req.params["key"])
    return empty_response(204)


_META = "/images/{image_id}/metadata"
ROUTES: list[Endpoint] = [
    Endpoint("GET", "/images", list_images, RULE),
    Endpoint("GET", "/images/detail", list_images_detail, RULE),
    Endpoint("GET", "/images/{image_id}", show_image, RULE),
    Endpoint("DELETE", "/images/{image_id}", delete_image, RULE),
    Endpoint("GET", _META, list_metadata, RULE),
    Endpoint("POST", _META, merge_metadata, RULE),
    Endpoint("PUT", _META, replace_metadata, RULE),
    Endpoint("GET", _META + "/{key}", show_metadata_item, RULE),
    Endpoint("PUT", _META + "/{key}", set_metadata_item, RULE),
    Endpoint("DELETE", _META + "/{key}", delete_metadata_item, RULE),
]
