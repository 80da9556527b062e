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
from pocketstack.api.object_v1.headers import parse_http_date
from pocketstack.api.object_v1.ranges import parse_range, satisfiable
from pocketstack.api.object_v1.request import SwiftRequest
from pocketstack.core.objects.model import ObjectInfo


def etags(value: str) -> set[str]:
    return {tag.strip().removeprefix("W/").strip('"') for tag in value.split(",") if tag.strip()}


def check_conditions(info: ObjectInfo, headers: Headers, method: str, shown: dict[str, str]) -> None:
    """Raise the 304 or 412 the request's conditions call for, as Swift (swob) decides."""
    etag = info.etag.strip('"')
    modified = math.ceil(info.last_modified)
    if_match = headers.get("if-match")
    if if_match is not None and "*" not in etags(if_match) and etag not in etags(if_match):
        raise SwiftError(412, None, {"ETag": shown["ETag"], "Last-Modified": shown["Last-Modified"]})
    if_none = headers.get("if-none-match")
    if if_none is not None and ("*" in etags(if_none) or etag in etags(if_none)):
        if method in ("GET", "HEAD"):
            raise SwiftError(304, None, shown)
        raise SwiftError(412)
    since = parse_http_date(headers.get("if-modified-since"))
    if if_none is None and since is not None and method in ("GET", "HEAD") and modified <= since:
        raise SwiftError(304, None, shown)
    unmodified = parse_http_date(headers.get("if-unmodified-since"))
    if unmodified is not None and modified > unmodified:
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
    check_conditions(info, sreq.headers, sreq.method, headers)
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
