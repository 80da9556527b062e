"""GET and HEAD of an object: its headers, conditional requests (If-Match, If-None-Match,
If-Modified-Since, If-Unmodified-Since, If-Range) and byte ranges."""

from __future__ import annotations

import math
from functools import partial

from starlette.datastructures import Headers
from starlette.responses import Response

from pocketstack.api.object_v1.access import Op, authorize
from pocketstack.api.object_v1.body import ObjectResponse, Part, multipart
from pocketstack.api.object_v1.errors import SwiftError
from pocketstack.api.object_v1.handlers.object_fields import object_headers
from pocketstack.api.object_v1.headers import etags, parse_http_date, precondition
from pocketstack.api.object_v1.ranges import parse_range, satisfiable
from pocketstack.api.object_v1.request import SwiftRequest
from pocketstack.core.objects.model import ObjectInfo


def check_conditions(info: ObjectInfo, headers: Headers, shown: dict[str, str]) -> None:
    """Raise the 304 or 412 the request's conditions call for."""
    status = precondition(info.etag.strip('"'), math.ceil(info.last_modified), headers.get)
    if status == 304:
        raise SwiftError(304, None, shown)
    if status == 412:
        raise SwiftError(412, None, {"ETag": shown["ETag"], "Last-Modified": shown["Last-Modified"]})


def _range_applies(info: ObjectInfo, headers: Headers) -> bool:
    if_range = headers.get("if-range")
    if if_range is None:
        return True
    when = parse_http_date(if_range)
    if when is not None:
        return math.ceil(info.last_modified) <= when
    return info.etag.strip('"') in etags(if_range)


async def get_object(sreq: SwiftRequest) -> Response:
    await authorize(sreq, Op.READ)
    info = await sreq.call(sreq.objects.object, sreq.project_id, sreq.container, sreq.obj)
    return await serve(sreq, info)


async def serve(sreq: SwiftRequest, info: ObjectInfo, status: int = 200) -> Response:
    """The object's data (or, for a HEAD, only its headers) as the request asks for it."""
    headers = object_headers(info, sreq.internal)
    check_conditions(info, sreq.headers, headers)
    opener = partial(sreq.objects.open, info)
    head = sreq.method == "HEAD"
    ranges = parse_range(sreq.headers.get("range")) if _range_applies(info, sreq.headers) else None
    if ranges is None:
        first = None if head else await sreq.call(opener, 0, None)
        return ObjectResponse(status, headers, [Part(b"", 0, info.size)], opener, first, whole=True)
    windows = satisfiable(ranges, info.size)
    if not windows:
        raise SwiftError(416, None, {"Content-Range": f"bytes */{info.size}", "Accept-Ranges": "bytes"})
    if len(windows) == 1:
        offset, length = windows[0]
        headers["Content-Range"] = f"bytes {offset}-{offset + length - 1}/{info.size}"
        first = None if head else await sreq.call(opener, offset, length)
        return ObjectResponse(206, headers, [Part(b"", offset, length)], opener, first)
    parts, headers["Content-Type"] = multipart(windows, info.size, info.content_type)
    return ObjectResponse(206, headers, parts, opener, None)
