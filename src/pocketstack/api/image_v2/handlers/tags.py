"""PUT/DELETE /v2/images/{id}/tags/{tag}."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response
from pocketstack.api.common.routing import ApiRequest, Endpoint


def add_tag(req: ApiRequest) -> Response:
    req.cloud.images.add_tag(req.ctx, req.params["image_id"], req.params["tag"])
    return empty_response(204)


def delete_tag(req: ApiRequest) -> Response:
    req.cloud.images.remove_tag(req.ctx, req.params["image_id"], req.params["tag"])
    return empty_response(204)


ROUTES: list[Endpoint] = [
    Endpoint("PUT", "/v2/images/{image_id}/tags/{tag}", add_tag, "image:tags:update"),
    Endpoint("DELETE", "/v2/images/{image_id}/tags/{tag}", delete_tag, "image:tags:update"),
]
