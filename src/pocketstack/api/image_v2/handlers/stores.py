"""Per-store data and the cache: ``DELETE /v2/stores/{store_id}/{image_id}`` (2.10), the cache
API ``/v2/cache`` (2.14-2.16, admins only) and the locations API ``/v2/images/{id}/locations``
(2.17, for the ``service`` role: other services, not users, handle locations)."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.core.errors import NotImplementedYet
from pocketstack.core.image import access
from pocketstack.core.image.locations import delete_from_store


def delete_store_copy(req: ApiRequest) -> Response:
    image = req.cloud.images.get(req.ctx, req.params["image_id"])
    req.enforce(access.target(image))
    delete_from_store(req.cloud.image_data, image, req.params["store_id"])
    return empty_response(204)


def list_cache(req: ApiRequest) -> Response:
    req.enforce()
    cached, queued = req.cloud.image_cache.listing()
    return json_response(
        {
            "cached_images": [
                {
                    "image_id": c.image_id,
                    "hits": c.hits,
                    "last_accessed": c.last_accessed,
                    "last_modified": c.last_modified,
                    "size": c.size,
                }
                for c in cached
            ],
            "queued_images": queued,
        }
    )


def queue_image(req: ApiRequest) -> Response:
    req.enforce()
    image = req.cloud.images.get(req.ctx, req.params["image_id"])
    req.cloud.image_cache.queue(image.id, image.status, image.size)
    return empty_response(202)


def delete_cached(req: ApiRequest) -> Response:
    req.enforce()
    req.cloud.image_cache.delete(req.params["image_id"])
    return empty_response(204)


def clear_cache(req: ApiRequest) -> Response:
    req.enforce()
    req.cloud.image_cache.clear(req.headers.get("x-image-cache-clear-target"))
    return empty_response(204)


def list_locations(req: ApiRequest) -> Response:
    req.enforce()
    image = req.cloud.images.get(req.ctx, req.params["image_id"])
    locations = req.cloud.image_data.locations(image.id)
    return json_response(
        [{"url": f"{loc.store_id}://{image.id}", "metadata": {"store": loc.store_id}} for loc in locations]
    )


def add_location(req: ApiRequest) -> Response:
    req.enforce()
    req.cloud.images.get(req.ctx, req.params["image_id"])
    raise NotImplementedYet(
        "Adding an image location needs an http store, which pocketstack does not have: "
        "upload, stage or web-download the data instead."
    )


ROUTES: list[Endpoint] = [
    Endpoint(
        "DELETE", "/v2/stores/{store_id}/{image_id}", delete_store_copy, "image:images:delete_from_store"
    ),
    Endpoint("GET", "/v2/cache", list_cache, "image:cache:list"),
    Endpoint("DELETE", "/v2/cache", clear_cache, "image:cache:delete"),
    Endpoint("PUT", "/v2/cache/{image_id}", queue_image, "image:cache:queue"),
    Endpoint("DELETE", "/v2/cache/{image_id}", delete_cached, "image:cache:delete"),
    Endpoint("GET", "/v2/images/{image_id}/locations", list_locations, "image:locations:get"),
    Endpoint("POST", "/v2/images/{image_id}/locations", add_location, "image:locations:add"),
]
