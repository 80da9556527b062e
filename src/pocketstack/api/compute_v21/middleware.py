"""Per-request microversion for the compute mount: negotiated from the headers on /v2.1, fixed
(and never echoed) on the relaxed legacy /v2; the answer carries the version headers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pocketstack.api.compute_v21 import errors
from pocketstack.api.compute_v21.microversions import LEGACY_VERSION, negotiate, response_headers
from pocketstack.api.compute_v21.request import LEGACY_KEY, VERSION_KEY
from pocketstack.core.errors import PocketstackError


class MicroversionMiddleware:
    def __init__(self, app: ASGIApp, *, legacy: bool) -> None:
        self.app = app
        self.legacy = legacy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            version = LEGACY_VERSION if self.legacy else negotiate(request.headers)
        except PocketstackError as exc:
            await errors.render_error(exc, None, request)(scope, receive, send)
            return
        scope[VERSION_KEY] = version
        scope[LEGACY_KEY] = self.legacy
        extra = [(k.lower().encode(), v.encode()) for k, v in response_headers(version).items()]

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_version)
