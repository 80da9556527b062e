"""Dynamic large objects (Swift's DLO layer): an object with ``X-Object-Manifest:
<container>/<prefix>`` reads as the objects of that container under that prefix, in name order
(listed as the caller at read time), concatenated. Its ETag is the quoted md5 of their ETags,
its length their sum; ranges and conditionals apply to the whole. ``?multipart-manifest=get``
returns the manifest object itself. A PUT's ``X-Object-Manifest`` must be container/prefix."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import replace
from urllib.parse import quote, unquote

from starlette.types import ASGIApp, Receive, Scope, Send

from pocketstack.api.object_v1.middleware import large_objects
from pocketstack.api.object_v1.middleware.manifest_probe import pass_unless_manifest
from pocketstack.api.object_v1.middleware.ranges import Segment, total_length
from pocketstack.api.object_v1.middleware.swift_http import (
    SwiftPath,
    header,
    normalize_etag,
    query_params,
    route_path,
    send_response,
    swift_path,
)
from pocketstack.api.object_v1.subrequest import GRANT_CONTAINER_KEY, subrequest
from pocketstack.cloud import Cloud

SWIFT_INFO = {"dlo": {"max_segments": 10000}}
LISTING_PAGE = 10000
# COMPAT: Swift's DLO gives up past this many segments (max_get_time aside).
MAX_SEGMENTS = 10000
BAD_MANIFEST = b"X-Object-Manifest must be in the format container/prefix"


def wrap(app: ASGIApp, cloud: Cloud) -> ASGIApp:
    return DynamicLargeObjects(app)


def is_dlo(headers: Mapping[str, str]) -> bool:
    return "x-object-manifest" in headers


def split_manifest(value: str) -> tuple[str, str] | None:
    """(container, prefix) of an ``X-Object-Manifest`` value, or None when malformed."""
    container, slash, prefix = unquote(value.strip()).lstrip("/").partition("/")
    return (container, prefix) if slash and container else None


def dlo_etag(etags: list[str]) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    for etag in etags:
        digest.update((normalize_etag(etag) or "").encode("ascii"))
    return digest.hexdigest()


class ListingFailed(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class DynamicLargeObjects:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        where = swift_path(scope) if scope["type"] == "http" else None
        if where is None or where.obj is None:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        manifest = header(scope, "x-object-manifest")
        if method in ("PUT", "POST") and manifest is not None and split_manifest(manifest) is None:
            await send_response(send, 400, BAD_MANIFEST)
        elif method in ("GET", "HEAD") and query_params(scope).get("multipart-manifest") != "get":
            await self._read(scope, receive, send, where)
        else:
            await self.app(scope, receive, send)

    async def _read(self, scope: Scope, receive: Receive, send: Send, where: SwiftPath) -> None:
        if not await pass_unless_manifest(self.app, scope, receive, send, is_dlo):
            return
        head = await subrequest(self.app, scope, "HEAD", route_path(scope))
        target = split_manifest(head.headers.get("x-object-manifest", ""))
        if not 200 <= head.status < 300 or target is None:
            await send_response(send, head.status if head.status >= 300 else 409, b"", head=True)
            return
        try:
            listed = await self._segments(scope, where, *target)
        except ListingFailed as exc:
            await send_response(send, exc.status, b"", head=True)
            return
        etag = dlo_etag([seg.etag or "" for seg in listed])
        # COMPAT: a DLO's segments are whatever holds their names when read: only their
        # lengths are held to the listing, not their ETags.
        segments = [replace(seg, etag=None) for seg in listed]
        large = large_objects.LargeObject(segments, etag, total_length(segments), head.headers)

        def below(segment: Segment) -> ASGIApp:
            return self.app

        await large_objects.serve(
            scope, send, large, large_objects.piece_reader(below, scope, where.account_path)
        )

    async def _segments(self, scope: Scope, where: SwiftPath, container: str, prefix: str) -> list[Segment]:
        """The segments as the caller lists them now, in name order."""
        limit = scope.get(GRANT_CONTAINER_KEY)
        if limit is not None and limit != container:
            raise ListingFailed(401)
        segments: list[Segment] = []
        marker = ""
        while len(segments) < MAX_SEGMENTS:
            query = f"format=json&prefix={quote(prefix)}&limit={LISTING_PAGE}&marker={quote(marker)}"
            resp = await subrequest(self.app, scope, "GET", f"{where.account_path}/{container}", query=query)
            if resp.status == 204:
                break
            if not 200 <= resp.status < 300:
                raise ListingFailed(resp.status)
            page = [item for item in json.loads(resp.body or b"[]") if "name" in item]
            for item in page:
                size = int(item.get("bytes", 0))
                segments.append(Segment(f"/{container}/{item['name']}", size, 0, item.get("hash"), size))
            if len(page) < LISTING_PAGE:
                break
            marker = page[-1]["name"]
        return segments
