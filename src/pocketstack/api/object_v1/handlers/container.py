"""``/v1/AUTH_<project>/<container>``: PUT (create, 201, or update, 202), HEAD and GET (headers,
the object listing), POST (settings, 204), DELETE (204; 409 while it holds objects)."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.object_v1 import limits
from pocketstack.api.object_v1.access import Op, authorize
from pocketstack.api.object_v1.errors import SwiftError
from pocketstack.api.object_v1.handlers.container_settings import container_headers, settings_from
from pocketstack.api.object_v1.listing import list_query, listing_media, render_listing
from pocketstack.api.object_v1.request import SwiftRequest
from pocketstack.api.object_v1.responses import body_response, head_response, status_response
from pocketstack.core.objects.model import ContainerInfo


def check_container_name(name: str) -> None:
    if len(name) > limits.MAX_CONTAINER_NAME_LENGTH:
        raise SwiftError(
            400, f"Container name length of {len(name)} longer than {limits.MAX_CONTAINER_NAME_LENGTH}"
        )


async def _existing(sreq: SwiftRequest) -> ContainerInfo:
    info = await sreq.container_info(sreq.project_id, sreq.container)
    if info is None:
        raise SwiftError(404)
    return info


async def put_container(sreq: SwiftRequest) -> Response:
    await authorize(sreq, Op.WRITE)
    check_container_name(sreq.container)
    current = await sreq.container_info(sreq.project_id, sreq.container)
    settings = settings_from(sreq, current)
    _, created = await sreq.call(sreq.objects.create_container, sreq.project_id, sreq.container, settings)
    return status_response(201 if created else 202)


async def head_container(sreq: SwiftRequest) -> Response:
    await authorize(sreq, Op.READ)
    media = listing_media(sreq.query, sreq.headers)
    info = await _existing(sreq)
    return head_response(204, container_headers(info, sreq.owner, sreq.internal), media)


async def get_container(sreq: SwiftRequest) -> Response:
    await authorize(sreq, Op.READ)
    media = listing_media(sreq.query, sreq.headers)
    query = list_query(sreq.query, limits.CONTAINER_LISTING_LIMIT)
    info = await _existing(sreq)
    items = await sreq.call(sreq.objects.list_objects, sreq.project_id, sreq.container, query)
    headers = container_headers(info, sreq.owner, sreq.internal)
    if not items and media == "text/plain":
        return head_response(204, headers, media)  # COMPAT: an empty plain listing is a 204
    return body_response(200, render_listing("container", sreq.container, items, media), headers, media)


async def post_container(sreq: SwiftRequest) -> Response:
    await authorize(sreq, Op.WRITE)
    current = await _existing(sreq)
    settings = settings_from(sreq, current)
    await sreq.call(sreq.objects.update_container, sreq.project_id, sreq.container, settings)
    return status_response(204)


async def delete_container(sreq: SwiftRequest) -> Response:
    await authorize(sreq, Op.WRITE)
    await sreq.call(sreq.objects.delete_container, sreq.project_id, sreq.container)
    return status_response(204)


HANDLERS = {
    "PUT": put_container,
    "HEAD": head_container,
    "GET": get_container,
    "POST": post_container,
    "DELETE": delete_container,
}
