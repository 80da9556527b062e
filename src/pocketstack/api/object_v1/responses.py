"""Swift's success answers (the status pages it sends with a 202, empty ones otherwise), and
what every answer of the ``/object-store`` mount carries as Swift's proxy sends it: a Swift
transaction id in ``X-Trans-Id`` and header names in Swift's canonical title case."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pocketstack.api.object_v1.errors import HTML, status_page
from pocketstack.core.context import new_request_id

TRANS_ID = re.compile(r"^tx[0-9a-f]{21}-[0-9a-f]{10}$")
TRANS_ID_KEY = "pocketstack.swift.trans_id"
_HEX = re.compile(r"^[0-9a-f]{21,}$")


def trans_id(scope: Scope) -> str:
    """COMPAT: Swift's transaction id, ``tx<21 hex digits>-<unix time, 10 hex digits>``: the
    request id (the app's middleware makes the ids of ``/object-store`` requests so), or, for a
    request that came another way (S3's, a test's), one made from its request id's digits."""
    request_id = scope.setdefault("pocketstack.request_id", new_request_id())
    if TRANS_ID.match(request_id):
        return request_id
    found: str | None = scope.get(TRANS_ID_KEY)
    if found is None:
        digits = request_id.removeprefix("req-").replace("-", "").lower()
        if not _HEX.match(digits):
            digits = uuid.uuid4().hex
        found = scope[TRANS_ID_KEY] = f"tx{digits[:21]}-{int(time.time()):010x}"
    return found


def canonical_name(name: bytes) -> bytes:
    """COMPAT: Swift sends header names title-cased as Python's ``str.title`` does (swob's
    HeaderKeyDict): ``X-Object-Meta-Colour``, ``Etag``, ``Www-Authenticate``. Clients show the
    names as received (the openstack CLI's ``object show`` properties)."""
    return name.decode("latin-1").title().encode("latin-1")


class SwiftHeaders:
    """The outermost layer of ``/object-store``: every answer, whichever layer made it, gets
    the request's ``X-Trans-Id`` and canonical header names. (S3 reads the stack below auth
    and keeps its own header style.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        transaction = trans_id(scope).encode("latin-1")

        async def send_canonical(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (canonical_name(name), value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"x-trans-id"
                ]
                message = {**message, "headers": [*headers, (b"X-Trans-Id", transaction)]}
            await send(message)

        await self.app(scope, receive, send_canonical)


def status_response(status: int, headers: Mapping[str, str] | None = None) -> Response:
    """COMPAT: Swift sends its one-line HTML page with a 202 and no body with a 201 or 204;
    both are text/html."""
    body = status_page(status) if status == 202 else b""
    response = Response(body, status, headers=dict(headers or {}), media_type=HTML)
    if status == 204:
        response.headers["Content-Length"] = "0"
    return response


def head_response(status: int, headers: Mapping[str, str], media: str) -> Response:
    """Headers only (a HEAD of an account or container): Swift gives the listing's type."""
    response = Response(b"", status, headers=dict(headers), media_type=None)
    response.headers["Content-Type"] = _with_charset(media)
    response.headers["Content-Length"] = "0"
    return response


def body_response(status: int, body: bytes, headers: Mapping[str, str], media: str) -> Response:
    response = Response(body, status, headers=dict(headers), media_type=None)
    response.headers["Content-Type"] = _with_charset(media)
    return response


def _with_charset(media: str) -> str:
    return f"{media}; charset=utf-8"
