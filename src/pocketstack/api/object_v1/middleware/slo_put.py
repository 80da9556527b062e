"""``PUT ?multipart-manifest=put``: the client's manifest checked, every segment HEADed as the
caller (through the SLO layer, so a segment that is itself an SLO reports its whole size and
ETag), and the stored manifest written by an internal PUT below.

What the internal PUT tells the routes (only an internal request may): the body is the stored
manifest's JSON; ``X-Static-Large-Object: True`` is kept with the object; the scope's
``pocketstack.swift.put_options`` holds ``slo_manifest`` (the stored list), ``etag_override``
(the SLO's ETag) and ``size_override`` (the sum of the segments) for the core's begin_put. The
same values go as ``X-Object-Sysmeta-Slo-Etag`` and ``X-Object-Sysmeta-Slo-Size``."""

from __future__ import annotations

import base64
import json
import mimetypes
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

from starlette.types import ASGIApp, Receive, Scope, Send

from pocketstack.api.object_v1.caller import INTERNAL_KEY
from pocketstack.api.object_v1.errors import STATUS_TEXT, status_page
from pocketstack.api.object_v1.middleware.bulk_report import (
    best_format,
    content_type_of,
    report_body,
    send_report_with_heartbeat,
)
from pocketstack.api.object_v1.middleware.large_objects import SYSMETA_PREFIXES
from pocketstack.api.object_v1.middleware.slo_manifest import (
    MAX_MANIFEST_SEGMENTS,
    MAX_MANIFEST_SIZE,
    Entry,
    ManifestError,
    SegmentHead,
    parse_put_body,
    slo_etag,
    stored_entry,
)
from pocketstack.api.object_v1.middleware.swift_http import (
    BodyTooLarge,
    SwiftPath,
    header,
    header_dict,
    normalize_etag,
    query_params,
    read_body,
    send_response,
    status_line,
)
from pocketstack.api.object_v1.subrequest import SubResponse, subrequest

PUT_OPTIONS_KEY = "pocketstack.swift.put_options"  # read by handlers/object_write.py
NOT_PASSED_DOWN = frozenset(
    {"content-length", "transfer-encoding", "etag", "expect", "x-static-large-object", "content-md5"}
)


async def put_manifest(
    slo_app: ASGIApp, below: ASGIApp, scope: Scope, receive: Receive, send: Send, where: SwiftPath
) -> None:
    if header(scope, "x-copy-from"):
        await send_response(send, 405, b"Multipart Manifest PUTs cannot be COPY requests")
        return
    try:
        body = await read_body(receive, MAX_MANIFEST_SIZE)
        items = parse_put_body(body, f"{where.container}/{where.obj}")
    except BodyTooLarge:
        await send_response(send, 413, f"Manifest File > {MAX_MANIFEST_SIZE} bytes".encode())
        return
    except ManifestError as exc:
        await send_response(send, 400, "".join(line + "\n" for line in exc.lines).encode())
        return
    if sum(1 for item in items if "path" in item) > MAX_MANIFEST_SEGMENTS:
        body = f"Number of object-backed segments must be <= {MAX_MANIFEST_SEGMENTS}".encode()
        await send_response(send, 413, body)
        return
    fmt = best_format(header(scope, "accept")) or "text/plain"
    outcome = _Outcome(fmt)

    async def complete() -> bytes:
        await _complete(slo_app, below, scope, where, items, outcome)
        return outcome.report()

    if query_params(scope).get("heartbeat", "").lower() in ("on", "true", "yes", "1"):
        await send_report_with_heartbeat(send, fmt, complete, status=202, beat_at_once=True)
        return
    await _complete(slo_app, below, scope, where, items, outcome)
    await send_response(
        send, outcome.status, outcome.body, outcome.headers, content_type=outcome.content_type
    )


class _Outcome:
    """The answer to a manifest PUT, as a response or (with heartbeat=on) as a report."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self.status = 500
        self.body = b""
        self.headers: dict[str, str] = {}
        self.content_type = "text/plain; charset=UTF-8"
        self.problems: list[list[str]] = []

    def report(self) -> bytes:
        values: dict[str, object] = {"Response Status": status_line(self.status)}
        if self.problems or self.status == 422:
            # COMPAT: Swift reports the standard reason text of a refusal it made itself.
            values["Response Body"] = "\n".join(STATUS_TEXT[self.status])
        else:
            values["Response Body"] = self.body.decode("utf-8", "replace")
        if 200 <= self.status < 300:
            values["Etag"] = self.headers.get("etag", "")
            values["Last Modified"] = self.headers.get("last-modified", "")
        return report_body(self.fmt, values, self.problems, "upload")


async def _complete(
    slo_app: ASGIApp, below: ASGIApp, scope: Scope, where: SwiftPath, items: list[Entry], outcome: _Outcome
) -> None:
    stored, total, problems = await _check_segments(slo_app, scope, where, items)
    if problems:
        outcome.status, outcome.problems = 400, problems
        outcome.body = report_body(outcome.fmt, {}, problems, "upload")
        outcome.content_type = content_type_of(outcome.fmt)
        return
    etag = slo_etag(stored)
    client_etag = normalize_etag(header(scope, "etag"))
    if client_etag and client_etag != etag:
        outcome.status, outcome.body = 422, status_page(422)
        outcome.content_type = "text/html; charset=UTF-8"
        return
    resp = await _store(below, scope, where, stored, etag, total)
    outcome.status, outcome.body = resp.status, resp.body
    outcome.headers = {k: v for k, v in resp.headers.items() if k not in ("content-length", "content-type")}
    outcome.content_type = resp.headers.get("content-type", outcome.content_type)
    if 200 <= resp.status < 300:
        outcome.headers["etag"] = f'"{etag}"'


async def _check_segments(
    slo_app: ASGIApp, scope: Scope, where: SwiftPath, items: list[Entry]
) -> tuple[list[Entry], int, list[list[str]]]:
    heads: dict[str, SegmentHead] = {}
    for item in items:
        if "path" in item and item["path"] not in heads:
            heads[item["path"]] = await _head(slo_app, scope, where, item["path"])
    stored: list[Entry] = []
    problems: list[list[str]] = []
    total = 0
    last = len(items) - 1
    for index, item in enumerate(items):
        if "data" in item:
            stored.append({"data": item["data"]})
            total += len(_b64(item["data"]))
            continue
        entry, length, found = stored_entry(item, heads[item["path"]], index == last)
        problems += [[quote(item["path"]), problem] for problem in found]
        if entry is not None:
            stored.append(entry)
            total += length
    return stored, total, problems


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


async def _head(slo_app: ASGIApp, scope: Scope, where: SwiftPath, path: str) -> SegmentHead:
    resp = await subrequest(slo_app, scope, "HEAD", where.object_path(path))
    headers = resp.headers
    try:
        modified = parsedate_to_datetime(headers.get("last-modified", ""))
        last_modified = modified.strftime("%Y-%m-%dT%H:%M:%S.%f")
    except (TypeError, ValueError, IndexError):
        last_modified = ""
    size = headers.get("content-length", "0")
    return SegmentHead(
        status=resp.status,
        size=int(size) if size.isdigit() else 0,
        etag=normalize_etag(headers.get("etag")) or "",
        content_type=headers.get("content-type", "application/octet-stream"),
        last_modified=last_modified,
        is_slo=headers.get("x-static-large-object", "").lower() in ("true", "1", "yes", "on"),
    )


async def _store(
    below: ASGIApp, scope: Scope, where: SwiftPath, stored: list[Entry], etag: str, total: int
) -> SubResponse:
    data = json.dumps(stored).encode("utf-8")
    # The PUT below is internal, which may set system metadata: only an internal request's own
    # (a manifest copy's) goes down with it, never a client's.
    internal = bool(scope.get(INTERNAL_KEY))
    headers = {
        k: v
        for k, v in header_dict(scope).items()
        if k not in NOT_PASSED_DOWN and (internal or not k.startswith(SYSMETA_PREFIXES))
    }
    if not headers.get("content-type"):
        headers["content-type"] = mimetypes.guess_type(where.obj or "")[0] or "application/octet-stream"
    headers.update(
        {
            "content-length": str(len(data)),
            "x-static-large-object": "True",
            "x-object-sysmeta-slo-etag": etag,
            "x-object-sysmeta-slo-size": str(total),
        }
    )
    options: dict[str, Any] = {"slo_manifest": stored, "etag_override": etag, "size_override": total}
    path = f"{where.account_path}/{where.container}/{where.obj}"
    extra = {PUT_OPTIONS_KEY: options}
    return await subrequest(below, scope, "PUT", path, headers=headers, body=data, extra_scope=extra)
