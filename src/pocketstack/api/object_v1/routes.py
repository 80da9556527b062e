"""The object server's router: ``/info``, ``/v1/<account>[/<container>[/<object>]]`` split as
Swift splits a path (an object name may hold any character, slashes and trailing slashes
included), then dispatched by method. Every answer is counted in the metrics and written to
the access log (``X-Trans-Id`` is the outermost layer's, ``responses.SwiftHeaders``); errors
are rendered here once, as Swift's."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from pocketstack.api.common.logs import LOG, kv, log_access
from pocketstack.api.common.metrics import UNMATCHED, RouteMetrics
from pocketstack.api.object_v1.caller import Caller, caller_of
from pocketstack.api.object_v1.errors import SwiftError, error_response, from_core, keystone_challenge
from pocketstack.api.object_v1.handlers import account, container, info, object_write
from pocketstack.api.object_v1.request import SwiftPath, SwiftRequest
from pocketstack.cloud import Cloud
from pocketstack.core.context import new_request_id
from pocketstack.core.errors import PocketstackError

Handler = Callable[[SwiftRequest], Awaitable[Response]]
# Answered to anyone, whatever token is sent: path -> its table.
OPEN_PATHS = {"/info": "info", "/healthcheck": "healthcheck", "/crossdomain.xml": "crossdomain"}
TABLES: dict[str, tuple[str, Mapping[str, Handler]]] = {
    "info": ("/info", info.HANDLERS),
    "healthcheck": ("/healthcheck", info.HEALTHCHECK),
    "crossdomain": ("/crossdomain.xml", info.CROSSDOMAIN),
    "account": ("/v1/{account}", account.HANDLERS),
    "container": ("/v1/{account}/{container}", container.HANDLERS),
    "object": ("/v1/{account}/{container}/{object}", object_write.HANDLERS),
}


def _kind(path: SwiftPath) -> str:
    return "object" if path.obj is not None else "container" if path.container is not None else "account"


def _bad_path(path: SwiftPath) -> SwiftError | None:
    for part in (path.account, path.container or "", path.obj or ""):
        if "\x00" in part:
            return SwiftError(412, "Invalid UTF8 or contains NULL")
    return None


class ObjectRouter:
    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud
        self.metrics = {kind: RouteMetrics(template) for kind, (template, _) in TABLES.items()}
        self.unmatched = RouteMetrics(UNMATCHED)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        request_id = scope.setdefault("pocketstack.request_id", new_request_id())
        request = Request(scope, receive)
        root = scope.get("root_path", "")
        path = scope["path"][len(root) :] if root and scope["path"].startswith(root) else scope["path"]
        caller = caller_of(scope) or Caller(None)
        if path.rstrip("/") in OPEN_PATHS:
            kind, parsed = OPEN_PATHS[path.rstrip("/")], SwiftPath("")
        else:
            found = SwiftPath.parse(path)
            kind, parsed = (_kind(found), found) if found else (None, SwiftPath(""))
        response = await self._answer(request, kind, parsed, caller)
        if response.status_code == 401:
            response.headers.update(keystone_challenge(request))
        elapsed = time.perf_counter() - started
        counted = self.metrics[kind] if kind else self.unmatched
        counted.record(root, request.method, response.status_code, elapsed)
        user = caller.ctx.user_id if caller.ctx else None
        log_access(request_id, request.method, request.url.path, response.status_code, elapsed, user)
        await response(scope, receive, _without_body(send) if request.method == "HEAD" else send)

    async def _answer(self, request: Request, kind: str | None, path: SwiftPath, caller: Caller) -> Response:
        try:
            if kind is None:
                raise SwiftError(404)
            handlers = TABLES[kind][1]
            handler = handlers.get(request.method)
            if request.method == "OPTIONS":  # COMPAT: Swift's answer without CORS settings
                return Response(b"", 200, {"Allow": ", ".join(sorted({*handlers, "OPTIONS"}))})
            if handler is None:
                raise SwiftError(405, headers={"Allow": ", ".join(sorted(handlers))})
            bad = _bad_path(path)
            if bad is not None:
                raise bad
            return await handler(SwiftRequest(request, self.cloud, caller, path))
        except SwiftError as exc:
            return error_response(exc.status, exc.body, exc.headers)
        except PocketstackError as exc:
            err = from_core(exc)
            return error_response(err.status, err.body, err.headers)
        except ClientDisconnect:
            return error_response(499)
        except Exception:
            request_id = request.scope.get("pocketstack.request_id")
            LOG.exception(kv(event="unhandled_error", request_id=request_id, path=request.url.path))
            return error_response(500)


def _without_body(send: Send) -> Send:
    """A HEAD's answer: the headers of the GET, no body (as Swift)."""

    async def send_head(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        elif message["type"] == "http.response.pathsend":
            message = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(message)

    return send_head


def build_object_router(cloud: Cloud) -> ObjectRouter:
    return ObjectRouter(cloud)
