"""PUT (the body streamed to the core's writer in a worker thread), POST (replace the
metadata, 202) and DELETE (204) of an object. A PUT with ``X-Copy-From`` is a copy."""

from __future__ import annotations

from typing import Any

from starlette.requests import ClientDisconnect
from starlette.responses import Response

from pocketstack.api.object_v1 import limits
from pocketstack.api.object_v1.access import Op, authorize
from pocketstack.api.object_v1.errors import SwiftError
from pocketstack.api.object_v1.handlers.copy import copy_object, put_copy
from pocketstack.api.object_v1.handlers.object_fields import (
    check_object_name,
    content_type_for,
    delete_at_from,
    kept_from,
    meta_from,
)
from pocketstack.api.object_v1.handlers.object_read import get_object
from pocketstack.api.object_v1.headers import http_date
from pocketstack.api.object_v1.request import SwiftRequest
from pocketstack.api.object_v1.responses import status_response
from pocketstack.core.errors import NotFound
from pocketstack.core.objects.service import ObjectWriter

# Internal requests only (the large-object layers): extra keyword arguments for the core's
# begin_put (slo_manifest, etag_override, size_override), put in the scope under this key.
PUT_OPTIONS_KEY = "pocketstack.swift.put_options"
_PUT_OPTIONS = ("slo_manifest", "etag_override", "size_override")
WRITE_BATCH = 1 << 20  # bytes gathered before one hop to the writer's thread


def _declared_length(sreq: SwiftRequest) -> int | None:
    """Content-Length, or None for a chunked body; 411 when neither, 413 past the limit."""
    raw = sreq.headers.get("content-length")
    chunked = "chunked" in sreq.headers.get("transfer-encoding", "").lower()
    if raw is None:
        if not chunked and not sreq.internal:  # an internal request's body needs no framing
            raise SwiftError(411)
        return None
    if not raw.strip().isdigit():
        raise SwiftError(400, "Invalid Content-Length")
    if int(raw) > limits.MAX_FILE_SIZE:
        raise SwiftError(413, "Your request is too large.")
    return int(raw)


def _expected_etag(sreq: SwiftRequest) -> str | None:
    value = sreq.headers.get("etag")
    return value.strip().strip('"').lower() if value else None


async def _check_if_none_match(sreq: SwiftRequest) -> None:
    value = sreq.headers.get("if-none-match")
    if value is None:
        return
    if value.strip() != "*":
        raise SwiftError(400, "If-None-Match only supports *")
    try:
        await sreq.call(sreq.objects.object, sreq.project_id, sreq.container, sreq.obj)
    except NotFound:
        return
    raise SwiftError(412)


def _put_options(sreq: SwiftRequest) -> dict[str, Any]:
    if not sreq.internal:
        return {}
    given = sreq.request.scope.get(PUT_OPTIONS_KEY) or {}
    return {key: given[key] for key in _PUT_OPTIONS if key in given}


async def _stream_into(sreq: SwiftRequest, writer: ObjectWriter, declared: int | None) -> None:
    received = 0
    pending: list[bytes] = []
    pending_size = 0
    async for chunk in sreq.request.stream():
        received += len(chunk)
        if received > limits.MAX_FILE_SIZE or (declared is not None and received > declared):
            raise SwiftError(413, "Your request is too large.")
        pending.append(chunk)
        pending_size += len(chunk)
        if pending_size >= WRITE_BATCH:
            await sreq.call(writer.write, b"".join(pending))
            pending, pending_size = [], 0
    if pending:
        await sreq.call(writer.write, b"".join(pending))
    if declared is not None and received < declared:
        raise SwiftError(499)


async def put_object(sreq: SwiftRequest) -> Response:
    if "x-copy-from" in sreq.headers:
        return await put_copy(sreq)
    await authorize(sreq, Op.WRITE)
    check_object_name(sreq.obj)
    declared = _declared_length(sreq)
    meta = meta_from(sreq.headers)
    kept = kept_from(sreq)
    delete_at = delete_at_from(sreq.headers)
    await _check_if_none_match(sreq)
    writer = await sreq.call(
        sreq.objects.begin_put,
        sreq.project_id,
        sreq.container,
        sreq.obj,
        content_type=content_type_for(sreq, sreq.obj),
        meta=meta,
        headers=kept,
        delete_at=delete_at,
        expected_size=declared,
        expected_etag=_expected_etag(sreq),
        **_put_options(sreq),
    )
    try:
        await _stream_into(sreq, writer, declared)
        info = await sreq.call(writer.finish)
    except ClientDisconnect:
        await sreq.call(writer.abort)
        raise SwiftError(499) from None
    except BaseException:
        await sreq.call(writer.abort)
        raise
    headers = {"ETag": info.etag, "Last-Modified": http_date(info.last_modified)}
    return status_response(201, headers)


async def post_object(sreq: SwiftRequest) -> Response:
    await authorize(sreq, Op.WRITE)
    meta = meta_from(sreq.headers)
    delete_at = delete_at_from(sreq.headers)
    current = await sreq.call(sreq.objects.object, sreq.project_id, sreq.container, sreq.obj)
    content_type = sreq.headers.get("content-type") or None
    await sreq.call(
        sreq.objects.update_object,
        sreq.project_id,
        sreq.container,
        sreq.obj,
        meta=meta,
        headers=kept_from(sreq, current),
        delete_at=delete_at,
        content_type=content_type,
    )
    return status_response(202)


async def delete_object(sreq: SwiftRequest) -> Response:
    await authorize(sreq, Op.WRITE)
    await sreq.call(sreq.objects.delete_object, sreq.project_id, sreq.container, sreq.obj)
    return status_response(204)


HANDLERS = {
    "GET": get_object,
    "HEAD": get_object,
    "PUT": put_object,
    "POST": post_object,
    "DELETE": delete_object,
    "COPY": copy_object,
}
