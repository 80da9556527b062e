"""Server-side copy: ``COPY`` with ``Destination`` (and ``Destination-Account``), or ``PUT``
with ``X-Copy-From`` (and ``X-Copy-From-Account``). The caller needs read access to the source
and write access to the destination; the new object shares the source's data."""

from __future__ import annotations

from urllib.parse import quote, unquote

from starlette.responses import Response

from pocketstack.api.object_v1.access import Op, authorize
from pocketstack.api.object_v1.errors import SwiftError
from pocketstack.api.object_v1.handlers.object_fields import (
    check_object_name,
    delete_at_from,
    kept_from,
    meta_from,
)
from pocketstack.api.object_v1.headers import http_date, is_true, meta_headers
from pocketstack.api.object_v1.request import SwiftPath, SwiftRequest
from pocketstack.api.object_v1.responses import status_response


def _split(value: str, header: str) -> tuple[str, str]:
    container, _, obj = unquote(value).lstrip("/").partition("/")
    if not container or not obj:
        raise SwiftError(412, f"{header} header must be of the form <container name>/<object name>")
    return container, obj


def _account(sreq: SwiftRequest, header: str) -> str:
    value = sreq.headers.get(header)
    return unquote(value).strip() if value else sreq.path.account


async def copy_object(sreq: SwiftRequest) -> Response:
    """``COPY``: the request's path is the source."""
    destination = sreq.headers.get("destination")
    if not destination:
        raise SwiftError(412, "You must provide a Destination header")
    container, obj = _split(destination, "Destination")
    target = SwiftPath(_account(sreq, "destination-account"), container, obj)
    await authorize(sreq, Op.READ)
    return await _copy(sreq, sreq.path, target)


async def put_copy(sreq: SwiftRequest) -> Response:
    """``PUT`` with ``X-Copy-From``: the request's path is the destination."""
    container, obj = _split(sreq.headers["x-copy-from"], "X-Copy-From")
    source = SwiftPath(_account(sreq, "x-copy-from-account"), container, obj)
    await authorize(sreq, Op.WRITE)
    await authorize(sreq, Op.READ, source)
    return await _copy(sreq, source, sreq.path)


async def _copy(sreq: SwiftRequest, source: SwiftPath, target: SwiftPath) -> Response:
    if target is not sreq.path:
        await authorize(sreq, Op.WRITE, target)
    assert source.project_id and source.container and source.obj
    assert target.project_id and target.container and target.obj
    check_object_name(target.obj)
    meta = meta_from(sreq.headers)
    delete_at = delete_at_from(sreq.headers)
    info = await sreq.call(sreq.objects.object, source.project_id, source.container, source.obj)
    copied = await sreq.call(
        sreq.objects.copy_object,
        info,
        target.project_id,
        target.container,
        target.obj,
        content_type=sreq.headers.get("content-type") or None,
        meta=meta,
        headers=kept_from(sreq),
        delete_at=delete_at,
        fresh_metadata=is_true(sreq.headers.get("x-fresh-metadata")),
    )
    # COMPAT: Swift answers a copy with the new object's metadata (the source's and the request's).
    headers = {
        **meta_headers("object", copied.meta),
        "ETag": copied.etag,
        "Last-Modified": http_date(copied.last_modified),
        "X-Copied-From": quote(f"{source.container}/{source.obj}"),
        "X-Copied-From-Last-Modified": http_date(info.last_modified),
    }
    if source.account != target.account:
        headers["X-Copied-From-Account"] = quote(source.account)
    return status_response(201, headers)
