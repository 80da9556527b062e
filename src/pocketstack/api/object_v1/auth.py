"""SwiftAuth: the auth layer of the Swift pipeline. It resolves who a request acts as once and
puts that Caller in the scope: a layer above (TempURL, FormPost) or a front end (S3) may have
put one already, and then it is kept. ``X-Auth-Token`` (or Swift's older ``X-Storage-Token``)
becomes the token's context; no token is an anonymous caller (container ACLs decide); a token
that does not validate is a 401 here, before any route runs."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from pocketstack.api.common.routing import authenticate
from pocketstack.api.object_v1.caller import SCOPE_KEY, Caller, caller_of
from pocketstack.api.object_v1.errors import error_response, from_core, keystone_challenge
from pocketstack.cloud import Cloud
from pocketstack.core.errors import PocketstackError


def _is_open(scope: Scope) -> bool:
    root = scope.get("root_path", "")
    path = scope["path"][len(root) :] if root and scope["path"].startswith(root) else scope["path"]
    return path.rstrip("/") in ("/info", "/healthcheck", "/crossdomain.xml")


class SwiftAuth:
    def __init__(self, app: ASGIApp, cloud: Cloud) -> None:
        self.app = app
        self.cloud = cloud

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or caller_of(scope) is not None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        token = request.headers.get("x-auth-token") or request.headers.get("x-storage-token")
        if not token or _is_open(scope):  # COMPAT: these answer anyone, any token
            scope[SCOPE_KEY] = Caller(None)
            await self.app(scope, receive, send)
            return
        if "x-auth-token" not in request.headers:  # authenticate() reads X-Auth-Token only
            headers = [*scope["headers"], (b"x-auth-token", token.encode("latin-1"))]
            scope["headers"] = headers
            request = Request(scope, receive)
        try:
            if scope["method"] in ("GET", "HEAD"):
                ctx = authenticate(self.cloud, request)
            else:
                ctx = await run_in_threadpool(authenticate, self.cloud, request)
        except PocketstackError as exc:
            err = from_core(exc)
            headers = dict(err.headers)
            if err.status == 401:
                headers.update(keystone_challenge(request))
            await error_response(err.status, err.body, headers)(scope, receive, send)
            return
        scope[SCOPE_KEY] = Caller(ctx)
        await self.app(scope, receive, send)
