"""ASGI middleware every mount shares: a request id on every response, and a last-resort 500
whose body says nothing about the server's insides."""

from __future__ import annotations

import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pocketstack.api.common.logs import LOG, kv
from pocketstack.core.context import new_request_id

_GENERIC_500 = (
    b'{"error": {"code": 500, "title": "Internal Server Error", '
    b'"message": "An unexpected error prevented the server from completing the request."}}'
)


def _new_id(scope: Scope) -> str:
    """COMPAT: Swift's proxy names a request by its transaction id, ``tx<21 hex digits>-<unix
    time in 10 hex digits>``, sent as both X-Trans-Id and X-Openstack-Request-Id (clients and
    Tempest check its form)."""
    if scope.get("path", "").startswith("/object-store/"):
        return f"tx{uuid.uuid4().hex[:21]}-{int(time.time()):010x}"
    return new_request_id()


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = scope.setdefault("pocketstack.request_id", _new_id(scope))
        # COMPAT: Swift's proxy title-cases every header name (see object_v1/responses.py).
        swift = scope.get("path", "").startswith("/object-store/")
        name = b"X-Openstack-Request-Id" if swift else b"x-openstack-request-id"
        headers = [(name, request_id.encode())]
        if scope.get("path", "").startswith("/compute"):
            headers.append((b"x-compute-request-id", request_id.encode()))  # Nova sends both
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            LOG.exception(kv(event="unhandled_error", request_id=request_id))
            if started:
                raise
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [(b"content-type", b"application/json"), *headers],
                }
            )
            await send({"type": "http.response.body", "body": _GENERIC_500})


class ServiceRootMiddleware:
    """COMPAT: clients fetch a service root without its slash (``GET /identity``); answer it
    as the mount's own root instead of redirecting."""

    def __init__(self, app: ASGIApp, prefixes: frozenset[str]) -> None:
        self.app = app
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in self.prefixes:
            scope = {**scope, "path": scope["path"] + "/", "raw_path": None}
        await self.app(scope, receive, send)
