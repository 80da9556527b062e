"""Swift's bulk layer: ``POST|DELETE ?bulk-delete`` (a body of URL-quoted ``/container/object``
or ``/container`` lines, relative to the account) and ``PUT ?extract-archive=tar|tar.gz|tar.bz2``
(each regular file of the archive PUT below the request's path, containers created as needed).
Both answer 200 with a report (bulk_report.py) whose ``Response Status`` says how it went; each
operation is an internal request as the caller, so access checks and quotas apply as usual."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator

from starlette.types import ASGIApp, Receive, Scope, Send

from pocketstack.api.object_v1.middleware.bulk_delete import (
    MAX_DELETES_PER_REQUEST,
    MAX_FAILED_DELETES,
    MAX_PATH_LENGTH,
    DeleteTally,
    TooManyFailures,
    delete_all,
    parse_delete_list,
)
from pocketstack.api.object_v1.middleware.bulk_extract import MAX_CONTAINERS, MAX_FAILED_EXTRACTIONS, extract
from pocketstack.api.object_v1.middleware.bulk_report import (
    best_format,
    content_type_of,
    report_body,
    send_report_with_heartbeat,
)
from pocketstack.api.object_v1.middleware.swift_http import (
    BodyTooLarge,
    header,
    query_params,
    read_body,
    send_response,
    swift_path,
)
from pocketstack.api.object_v1.middleware.tar_archive import compression_of
from pocketstack.cloud import Cloud

SWIFT_INFO = {
    "bulk_upload": {
        "max_containers_per_extraction": MAX_CONTAINERS,
        "max_failed_extractions": MAX_FAILED_EXTRACTIONS,
    },
    "bulk_delete": {
        "max_deletes_per_request": MAX_DELETES_PER_REQUEST,
        "max_failed_deletes": MAX_FAILED_DELETES,
    },
}
SPOOL_IN_MEMORY = 8 * 1024 * 1024


def wrap(app: ASGIApp, cloud: Cloud) -> ASGIApp:
    return Bulk(app)


class Bulk:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        params = query_params(scope)
        method = scope["method"]
        if method == "PUT" and "extract-archive" in params:
            compression = compression_of(params["extract-archive"])
            if compression is None:
                await send_response(send, 400, b"Unsupported archive format")
            else:
                await self._extract(scope, receive, send, compression)
        elif method in ("POST", "DELETE") and "bulk-delete" in params:
            await self._delete(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _delete(self, scope: Scope, receive: Receive, send: Send) -> None:
        fmt = best_format(header(scope, "accept"))
        where = swift_path(scope)
        incoming = header(scope, "content-type")
        tally = DeleteTally()

        async def report(status: int, message: str = "") -> bytes:
            return report_body(fmt, tally.values(status, message), tally.errors, "delete")

        if fmt is None or (incoming and not incoming.startswith("text/plain")):
            await send_report_with_heartbeat(send, fmt, lambda: report(406))
            return
        if where is None:
            await send_report_with_heartbeat(send, fmt, lambda: report(404))
            return
        try:
            names = await self._names(receive)
        except _Refused as exc:
            refused = report(exc.status, exc.message)
            await send_report_with_heartbeat(send, fmt, lambda: refused)
            return

        async def work() -> bytes:
            try:
                await delete_all(self.app, scope, where.account_path, names, tally)
            except TooManyFailures as exc:
                return await report(400, str(exc))
            if tally.errors:
                return await report(tally.failure_status())
            if not (tally.deleted or tally.not_found):
                return await report(400, "Invalid bulk delete.")
            return await report(200)

        await send_report_with_heartbeat(send, fmt, work)

    @staticmethod
    async def _names(receive: Receive) -> list[str]:
        limit = MAX_DELETES_PER_REQUEST * (MAX_PATH_LENGTH * 3 + 2)
        try:
            body = await read_body(receive, limit)
        except BodyTooLarge:
            raise _Refused(413, f"Maximum Bulk Deletes: {MAX_DELETES_PER_REQUEST} per request") from None
        if any(len(line) > MAX_PATH_LENGTH * 2 for line in body.split(b"\n")):
            raise _Refused(400, "Invalid File Name")
        names = parse_delete_list(body)
        if len(names) > MAX_DELETES_PER_REQUEST:
            raise _Refused(413, f"Maximum Bulk Deletes: {MAX_DELETES_PER_REQUEST} per request")
        return names

    async def _extract(self, scope: Scope, receive: Receive, send: Send, compression: str) -> None:
        fmt = best_format(header(scope, "accept"))
        where = swift_path(scope)
        if fmt is None or where is None:
            values = {"Response Status": "406 Not Acceptable" if fmt is None else "404 Not Found"}
            values |= {"Response Body": "", "Number Files Created": 0}
            await send_response(
                send, 200, report_body(fmt, values, [], "extract"), content_type=content_type_of(fmt)
            )
            return
        if header(scope, "content-length") is None and "chunked" not in (
            header(scope, "transfer-encoding") or ""
        ):
            values = {
                "Response Status": "411 Length Required",
                "Response Body": "",
                "Number Files Created": 0,
            }
            await send_response(
                send, 200, report_body(fmt, values, [], "extract"), content_type=content_type_of(fmt)
            )
            return
        with tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY) as spool:
            async for chunk in _body_chunks(receive):
                spool.write(chunk)
            spool.seek(0)

            async def work() -> bytes:
                values, errors = await extract(self.app, scope, where, spool, compression)
                return report_body(fmt, values, errors, "extract")

            await send_report_with_heartbeat(send, fmt, work)


async def _body_chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
