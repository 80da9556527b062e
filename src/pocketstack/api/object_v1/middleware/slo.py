"""Static large objects (Swift's SLO layer).

- ``PUT ?multipart-manifest=put``: see slo_put.py.
- GET/HEAD of a manifest: the segments in order, as one object (ranges, conditionals on the
  SLO's ETag); ``?multipart-manifest=get`` the stored manifest (``&format=raw`` the PUT form).
- ``DELETE ?multipart-manifest=delete``: the segments (nested SLOs' too), then the manifest,
  answered as a bulk delete is.
- A client's own ``X-Static-Large-Object`` header on other writes is a 400.

The manifest of an object the routes answered for (so the caller may read it) is read from
the core (``ObjectInfo.slo_manifest``), or from the stored JSON when the core has none."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from pocketstack.api.object_v1.caller import INTERNAL_KEY
from pocketstack.api.object_v1.middleware import large_objects
from pocketstack.api.object_v1.middleware.bulk_delete import DeleteTally, TooManyFailures, delete_all
from pocketstack.api.object_v1.middleware.bulk_report import (
    best_format,
    report_body,
    send_report_with_heartbeat,
)
from pocketstack.api.object_v1.middleware.manifest_probe import pass_unless_manifest
from pocketstack.api.object_v1.middleware.ranges import Segment, total_length
from pocketstack.api.object_v1.middleware.slo_manifest import (
    MAX_MANIFEST_SEGMENTS,
    MAX_MANIFEST_SIZE,
    MIN_SEGMENT_SIZE,
    raw_form,
    segments_of,
    slo_etag,
)
from pocketstack.api.object_v1.middleware.slo_put import put_manifest
from pocketstack.api.object_v1.middleware.swift_http import (
    SwiftPath,
    header,
    query_params,
    route_path,
    send_response,
    swift_path,
)
from pocketstack.api.object_v1.subrequest import subrequest
from pocketstack.cloud import Cloud
from pocketstack.core.errors import NotFound

SWIFT_INFO = {
    "slo": {
        "max_manifest_segments": MAX_MANIFEST_SEGMENTS,
        "max_manifest_size": MAX_MANIFEST_SIZE,
        "min_segment_size": MIN_SEGMENT_SIZE,
        "yield_frequency": 10,
        "allow_async_delete": False,
    }
}
# COMPAT: Swift stops following SLOs nested deeper than this.
MAX_NESTING = 10
DEPTH_HEADER = "x-pocketstack-slo-depth"  # on internal reads of nested SLOs only
TRUE = frozenset({"true", "1", "yes", "on", "t", "y"})


def wrap(app: ASGIApp, cloud: Cloud) -> ASGIApp:
    return StaticLargeObjects(app, cloud)


def is_slo(headers: Mapping[str, str]) -> bool:
    return headers.get("x-static-large-object", "").lower() in TRUE


class StaticLargeObjects:
    def __init__(self, app: ASGIApp, cloud: Cloud) -> None:
        self.app = app
        self.cloud = cloud

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        where = swift_path(scope) if scope["type"] == "http" else None
        if where is None or where.obj is None:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        mode = query_params(scope).get("multipart-manifest")
        if method == "PUT" and mode == "put":
            await put_manifest(self, self.app, scope, receive, send, where)
        elif method == "DELETE" and mode == "delete":
            await self._delete(scope, send, where)
        elif method in ("GET", "HEAD"):
            await self._read(scope, receive, send, where, mode)
        elif header(scope, "x-static-large-object") is not None and not scope.get(INTERNAL_KEY):
            body = (
                b"X-Static-Large-Object is a reserved header. "
                b"To create a static large object add query param multipart-manifest=put."
            )
            await send_response(send, 400, body)
        else:
            await self.app(scope, receive, send)

    async def _read(
        self, scope: Scope, receive: Receive, send: Send, where: SwiftPath, mode: str | None
    ) -> None:
        if not await pass_unless_manifest(self.app, scope, receive, send, is_slo):
            return
        head = await subrequest(self.app, scope, "HEAD", route_path(scope))
        stored = await self._manifest(scope, where)
        if stored is None or not 200 <= head.status < 300:
            await send_response(send, 409 if stored is None else head.status, b"", head=True)
            return
        if mode == "get":
            await self._send_manifest(scope, send, head.headers, stored)
            return
        depth = int(header(scope, DEPTH_HEADER) or 0) if scope.get(INTERNAL_KEY) else 0
        if depth > MAX_NESTING:
            await send_response(send, 409, b"Max recursion depth exceeded", head=scope["method"] == "HEAD")
            return
        segments = segments_of(stored)
        large = large_objects.LargeObject(
            segments,
            slo_etag(stored),
            total_length(segments),
            {**head.headers, "x-static-large-object": "True"},
        )

        def app_for(segment: Segment) -> ASGIApp:
            return self if segment.sub_slo else self.app

        reader = large_objects.piece_reader(
            app_for, scope, where.account_path, {DEPTH_HEADER: str(depth + 1)}
        )
        number = part_number(scope)
        if isinstance(number, str):
            await send_response(send, 400, number.encode(), head=scope["method"] == "HEAD")
            return
        await large_objects.serve(scope, send, large, reader, part=number)

    async def _manifest(self, scope: Scope, where: SwiftPath) -> list[dict[str, Any]] | None:
        """The stored manifest of the object (which the caller may read: the routes said so)."""
        project_id = where.project_id
        if project_id is not None and where.container and where.obj:
            try:
                info = await run_in_threadpool(
                    self.cloud.objects.object, project_id, where.container, where.obj
                )
            except NotFound:
                return None
            if info.slo_manifest is not None:
                return info.slo_manifest
        resp = await subrequest(self.app, scope, "GET", where.path)
        try:
            stored = json.loads(resp.body)
        except ValueError:
            return None
        return stored if isinstance(stored, list) else None

    async def _send_manifest(
        self, scope: Scope, send: Send, headers: Mapping[str, str], stored: list[dict[str, Any]]
    ) -> None:
        raw = query_params(scope).get("format") == "raw"
        body = json.dumps(raw_form(stored) if raw else stored).encode("utf-8")
        out = {k: v for k, v in headers.items() if k not in large_objects.NOT_PASSED_ON}
        if not scope.get(INTERNAL_KEY):
            out = {k: v for k, v in out.items() if not k.startswith(large_objects.SYSMETA_PREFIXES)}
        if not raw:
            out["x-static-large-object"] = "True"
        out["etag"] = hashlib.md5(body, usedforsecurity=False).hexdigest()
        media = "application/json; charset=utf-8"
        await send_response(send, 200, body, out, head=scope["method"] == "HEAD", content_type=media)

    async def _delete(self, scope: Scope, send: Send, where: SwiftPath) -> None:
        fmt = best_format(header(scope, "accept"))
        tally = DeleteTally()

        async def work() -> bytes:
            status, message = 200, ""
            try:
                if fmt is None:
                    status = 406
                else:
                    names = await self._segments_to_delete(scope, where, f"/{where.container}/{where.obj}", 0)
                    await delete_all(self.app, scope, where.account_path, names, tally)
                    if tally.errors:
                        status = tally.failure_status()
            except _DeleteRefused as exc:
                status, message = exc.status, exc.message
            except TooManyFailures as exc:
                status, message = 400, str(exc)
            return report_body(fmt, tally.values(status, message), tally.errors, "delete")

        await send_report_with_heartbeat(send, fmt, work)

    async def _segments_to_delete(self, scope: Scope, where: SwiftPath, name: str, depth: int) -> list[str]:
        """Every segment of the manifest ``name`` (``/container/object``), nested SLOs'
        segments before their manifests, and ``name`` last."""
        # A HEAD: what is below answers for the manifest object itself, whose data is not needed.
        resp = await subrequest(self.app, scope, "HEAD", where.object_path(name))
        if resp.status == 404:
            raise _DeleteRefused(404, "SLO manifest not found")
        if resp.status == 401:
            raise _DeleteRefused(401, "401 Unauthorized")
        if not 200 <= resp.status < 300:
            raise _DeleteRefused(500, "Unable to load SLO manifest or segment.")
        if not is_slo(resp.headers):
            raise _DeleteRefused(400, "Not an SLO manifest")
        manifest_where = swift_path({"path": where.object_path(name), "root_path": ""})
        stored = await self._manifest(scope, manifest_where) if manifest_where else None
        if stored is None:
            raise _DeleteRefused(500, "Unable to load SLO manifest")
        names: list[str] = []
        for entry in stored:
            if "name" not in entry:
                continue
            if entry.get("sub_slo") and depth < MAX_NESTING:
                names += await self._segments_to_delete(scope, where, entry["name"], depth + 1)
            else:
                names.append(entry["name"])
        return [*names, name]


def part_number(scope: Scope) -> int | str | None:
    """``?part-number=<n>`` (from 1), None without one, or why it cannot be served."""
    value = query_params(scope).get("part-number")
    if value is None:
        return None
    number = int(value) if value.strip().isdigit() else 0
    if number < 1:
        return "Part number must be an integer greater than 0"
    if header(scope, "range"):
        return "Range requests are not supported with part number queries"
    return number


class _DeleteRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
