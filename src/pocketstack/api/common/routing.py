"""Route tables shared by every front end.

Each service declares ``Endpoint(method, path, handler, policy)`` rows. ``build_router`` groups
them by path into one Starlette route each, so an unknown method is a 405 in the service's own
envelope. A handler is a plain function ``handler(req: ApiRequest) -> Response`` that runs in a
worker thread (or, for streaming routes marked ``stream=True``, a coroutine that reads
``req.request.stream()`` itself); it raises ``core.errors`` and never catches them: the
service's ``render_error`` turns them into the service's envelope in one place.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route, Router
from starlette.types import Receive, Scope, Send

from pocketstack.api.common.access_rules import check_access_rules
from pocketstack.api.common.logs import LOG, kv, log_access
from pocketstack.api.common.metrics import UNMATCHED, RouteMetrics
from pocketstack.api.common.read_cache import ReadCache
from pocketstack.core.context import RequestContext, new_request_id
from pocketstack.core.errors import (
    BadRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    PocketstackError,
    Unauthorized,
)

if TYPE_CHECKING:
    from pocketstack.cloud import Cloud

Handler = Callable[["ApiRequest"], Response] | Callable[["ApiRequest"], Awaitable[Response]]
ErrorRenderer = Callable[[PocketstackError, "ApiRequest | None", Request], Response]
# Checks a request's Content-Type when it has a body; raises the service's own error.
MediaCheck = Callable[[str | None], None]
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
# Reads run on the event loop: they are short, never wait on the writers' lock (SQLite in WAL
# mode, PostgreSQL's MVCC), and a hop to a worker thread and back costs more than most of them.
# Writes can wait on a lock or hash a password, so they run in the thread pool.
_INLINE_METHODS = frozenset({"GET", "HEAD"})
IDENTITY_REVISION = "pocketstack.identity_revision"


@dataclass(frozen=True)
class Endpoint:
    """One route. ``policy`` is the rule the handler enforces (None only where no token is
    needed, e.g. version discovery and authentication itself)."""

    method: str
    path: str
    handler: Handler
    policy: str | None
    authenticated: bool = True
    stream: bool = False
    # The table groups (besides identity) its answer is read from, when it may be kept while
    # they do not change (see read_cache.py); only for GET routes whose answer depends on
    # nothing else but the request.
    cached: tuple[str, ...] = ()


class ApiRequest:
    """What a handler sees: the caller's context, parsed input and the cloud's services."""

    def __init__(
        self,
        request: Request,
        endpoint: Endpoint,
        cloud: Cloud,
        ctx: RequestContext,
        body: bytes,
    ) -> None:
        self.request = request
        self.endpoint = endpoint
        self.cloud = cloud
        self.ctx = ctx
        self.body = body
        self.params: Mapping[str, str] = request.path_params
        self.query: QueryParams = request.query_params
        self.headers = request.headers

    @property
    def identity_revision(self) -> int | None:
        """The identity counter this request's token was validated at: a handler that validates
        or reads more of identity (another token, the catalog) does so as of the same one."""
        return self.request.scope.get(IDENTITY_REVISION)

    @property
    def base_url(self) -> str:
        """This service's root as the client reached it (e.g. http://host:port/identity)."""
        return service_root(self.request)

    def json(self) -> Any:
        if not self.body:
            raise BadRequest("The request body is empty; a JSON document is expected.")
        try:
            data = orjson.loads(self.body)
        except orjson.JSONDecodeError as exc:
            raise BadRequest(f"Malformed JSON in the request body: {exc.msg}.") from None
        _check_document(data)
        return data

    def enforce(self, target: Mapping[str, Any] | None = None) -> None:
        """Check this route's policy rule for the caller against ``target``."""
        if self.endpoint.policy is not None:
            self.cloud.policy.enforce(self.endpoint.policy, self.ctx, target)


MAX_JSON_DEPTH = 32


def _check_text(value: str, where: str) -> None:
    if "\x00" in value:
        raise BadRequest(f"The {where} contains a NUL character.")


def _check_document(data: Any) -> None:
    """Refuse what no store keeps faithfully: NUL characters (PostgreSQL text cannot hold
    them) and nesting deeper than MAX_JSON_DEPTH (deeper than we can write back out)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            _check_text(value, "request body")
        elif isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise BadRequest(f"The request body is nested deeper than {MAX_JSON_DEPTH} levels.")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str):
                    _check_text(key, "request body")
                stack.append((item, depth + 1))


def _check_request_text(request: Request) -> None:
    for key, value in request.query_params.multi_items():
        _check_text(key + value, "query string")
    for value in request.path_params.values():
        if isinstance(value, str):
            _check_text(value, "path")


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"The request body is larger than the limit of {limit} bytes.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The request body is larger than the limit of {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def service_root(request: Request) -> str:
    """The URL of the mount serving ``request``, as the client reached it."""
    url = request.url
    return f"{url.scheme}://{url.netloc}{request.scope.get('root_path', '')}".rstrip("/")


def _request_id(request: Request) -> str:
    scope = request.scope
    request_id = scope.get("pocketstack.request_id")
    if request_id is None:
        request_id = scope["pocketstack.request_id"] = new_request_id()
    return request_id


def authenticate(cloud: Cloud, request: Request, revision: int | None = None) -> RequestContext:
    """Turn ``X-Auth-Token`` into a RequestContext; Unauthorized when missing or invalid.
    ``revision`` is the identity counter when the caller has read it already; the request
    keeps the one it was validated at (``identity_revision``) for the rest of its checks."""
    token = request.headers.get("x-auth-token")
    if not token:
        raise Unauthorized()
    if revision is None:
        revision = cloud.auth.revision.value
    request.scope[IDENTITY_REVISION] = revision
    info = cloud.auth.validate(token, revision)
    if info.access_rules is not None:
        check_access_rules(info.access_rules, request)
    return info.context(_request_id(request))


def media_type(content_type: str | None) -> str:
    """The bare media type of a Content-Type header value, lower case ("" when absent)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def _make_route(
    path: str,
    endpoints: Sequence[Endpoint],
    cloud: Cloud,
    render_error: ErrorRenderer,
    media_check: MediaCheck | None,
    read_cache: ReadCache,
) -> Route:
    by_method = {e.method: e for e in endpoints}
    if "GET" in by_method and "HEAD" not in by_method:
        by_method["HEAD"] = by_method["GET"]
    allowed = ", ".join(sorted(by_method))
    coroutines = {m for m, e in by_method.items() if inspect.iscoroutinefunction(e.handler)}
    counted = RouteMetrics(path)

    async def dispatch(request: Request) -> Response:
        started = time.perf_counter()
        request_id = _request_id(request)
        endpoint = by_method.get(request.method)
        api_req: ApiRequest | None = None
        is_coroutine = request.method in coroutines
        try:
            if endpoint is None:
                raise MethodNotAllowed(f"The method {request.method} is not allowed here.")
            _check_request_text(request)
            inline = request.method in _INLINE_METHODS
            kept = endpoint.cached and inline
            stamp = read_cache.stamp(endpoint.cached) if kept else ()  # before the token's check
            if not endpoint.authenticated:
                ctx = RequestContext(request_id=request_id)
            elif inline:
                ctx = authenticate(cloud, request, stamp[0] if kept else None)
            else:
                ctx = await run_in_threadpool(authenticate, cloud, request)
            body = b"" if endpoint.stream else await _read_body(request, cloud.settings.max_request_body_size)
            if body and media_check is not None:
                media_check(request.headers.get("content-type"))
            api_req = ApiRequest(request, endpoint, cloud, ctx, body)
            if is_coroutine:
                response = await endpoint.handler(api_req)
            elif kept:
                scope = request.scope
                key = (request.method, scope["path"], scope["query_string"], tuple(scope["headers"]))
                response = read_cache.serve(key, stamp, partial(endpoint.handler, api_req))
            elif inline:
                response = endpoint.handler(api_req)
            else:
                response = await run_in_threadpool(endpoint.handler, api_req)
        except PocketstackError as exc:
            response = render_error(exc, api_req, request)
            if isinstance(exc, MethodNotAllowed):
                response.headers["Allow"] = allowed
        except Exception:
            LOG.exception(kv(event="unhandled_error", request_id=request_id, path=request.url.path))
            response = render_error(
                PocketstackError("An unexpected error prevented the server from completing the request."),
                api_req,
                request,
            )
        user = api_req.ctx.user_id if api_req else None
        elapsed = time.perf_counter() - started
        counted.record(request.scope.get("root_path", ""), request.method, response.status_code, elapsed)
        log_access(request_id, request.method, request.url.path, response.status_code, elapsed, user)
        return response

    route = Route(path, dispatch)
    # Every method reaches dispatch, which answers one this path lacks with a 405 in the
    # service's envelope; left to Starlette, a method it does not list (PROPFIND, TRACE)
    # would get a bare text 405.
    route.methods = None
    return route


def build_router(
    endpoints: Sequence[Endpoint],
    cloud: Cloud,
    render_error: ErrorRenderer,
    media_check: MediaCheck | None = None,
    *,
    redirect_slashes: bool = True,
) -> Router:
    """``media_check`` vets the Content-Type of every request with a body that the handler
    reads whole (streaming handlers check their own). Without ``redirect_slashes`` a path
    that differs from a route by a trailing ``/`` is not found (Nova's router) instead of
    redirected."""
    grouped: dict[str, list[Endpoint]] = {}
    for e in endpoints:
        grouped.setdefault(e.path, []).append(e)
    read_cache = ReadCache(cloud.db.revisions)
    routes = [
        _make_route(path, group, cloud, render_error, media_check, read_cache)
        for path, group in grouped.items()
    ]

    unmatched = RouteMetrics(UNMATCHED)

    async def not_found(scope, receive, send) -> None:  # noqa: ANN001 - ASGI callable
        started = time.perf_counter()
        request = Request(scope, receive)
        _request_id(request)
        err = NotFound("resource", request.url.path, message="The resource could not be found.")
        response = render_error(err, None, request)
        elapsed = time.perf_counter() - started
        unmatched.record(scope.get("root_path", ""), scope["method"], response.status_code, elapsed)
        await response(scope, receive, send)

    return _IndexedRouter(routes=routes, default=not_found, redirect_slashes=redirect_slashes)


class _IndexedRouter(Router):
    """Starlette's Router tries every route in turn, a regular expression each: a route late in
    a table of hundreds (Compute's) cost more than its handler. This one tries only the routes
    whose first path segment can match the request's (in their order in the table), and leaves
    a request none of them takes to Starlette's own matching (redirects, the 404)."""

    def __init__(self, routes: Sequence[Route], **kwargs: Any) -> None:
        super().__init__(routes=list(routes), **kwargs)
        literal: dict[str, list[tuple[int, Route]]] = {}
        variable: list[tuple[int, Route]] = []
        for i, route in enumerate(routes):
            first = route.path.lstrip("/").split("/", 1)[0]
            (variable if "{" in first else literal.setdefault(first, [])).append((i, route))
        self._by_segment = {seg: [r for _, r in sorted(group + variable)] for seg, group in literal.items()}
        self._variable = [r for _, r in variable]

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path, root = scope["path"], scope.get("root_path", "")
            route_path = path[len(root) :] if root and path.startswith(root) else path
            first = route_path.lstrip("/").split("/", 1)[0]
            for route in self._by_segment.get(first, self._variable):
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope.setdefault("router", self)
                    scope["route"] = route
                    scope.update(child_scope)
                    await route.handle(scope, receive, send)
                    return
        await super().app(scope, receive, send)
