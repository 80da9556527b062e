"""build_app(cloud) -> the ASGI app: one Mount per service, shared middleware around them."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from pocketstack.api.common import metrics
from pocketstack.api.common.hal import errors as hal_errors
from pocketstack.api.common.middleware import RequestIdMiddleware, ServiceRootMiddleware
from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import Endpoint, build_router, service_root
from pocketstack.api.compute_v21 import errors as compute_errors
from pocketstack.api.identity_v3 import errors as identity_errors
from pocketstack.api.image_v2 import errors as image_errors
from pocketstack.api.network_v2 import errors as network_errors
from pocketstack.api.object_v1 import errors as object_errors
from pocketstack.cloud import BUILD_LOCK, Cloud

if TYPE_CHECKING:
    from pocketstack.api.object_v1.app import ObjectStoreApp
from pocketstack.core.errors import NotFound


def build_app(cloud: Cloud) -> Starlette:
    async def root(request: Request) -> Response:
        base = service_root(request)
        names = ("identity", "image", "compute", "network", "object-store")
        services = {name: f"{base}/{name}" for name in names}
        return json_response({"name": "pocketstack", "services": services})

    mounts = {
        "/identity": _OnFirstRequest(lambda: _identity(cloud)),
        "/image": _OnFirstRequest(lambda: _image(cloud)),
        "/compute/vnext": _OnFirstRequest(lambda: _compute_vnext(cloud)),  # before /compute takes it
        "/compute": _OnFirstRequest(lambda: _compute(cloud)),
        "/network": _OnFirstRequest(lambda: _network(cloud)),
        "/operator": _OnFirstRequest(lambda: _operator(cloud)),
        "/dashboard": _OnFirstRequest(lambda: _dashboard(cloud)),
        "/object-store": _OnFirstRequest(lambda: _object_store(cloud).public),
        "/s3": _OnFirstRequest(lambda: _s3(cloud)),
    }

    async def healthcheck(request: Request) -> Response:
        """As oslo.middleware's healthcheck: ``OK`` (a HEAD: 204) or 503 with the reasons."""
        from pocketstack.core.operator.health import problems

        found = await run_in_threadpool(problems, cloud.db, cloud.settings.data_dir)
        status = 503 if found else 204 if request.method == "HEAD" else 200
        text = "\n".join(found) if found else "OK"
        return PlainTextResponse("" if request.method == "HEAD" else text, status)

    routes = [
        Route("/", root),
        Route("/healthcheck", healthcheck, methods=["GET", "HEAD"]),
        Route("/metrics", metrics.endpoint(cloud), methods=["GET"]),
        *(Mount(prefix, app=app) for prefix, app in mounts.items()),
    ]
    roots = {*mounts, "/compute/v2.1", "/compute/v2"}
    middleware = [
        Middleware(RequestIdMiddleware),
        Middleware(ServiceRootMiddleware, prefixes=frozenset(roots)),
    ]
    renderers = {
        "/compute/vnext/": hal_errors.render_error,
        "/operator/": hal_errors.render_error,
        "/identity/": identity_errors.render_error,
        "/image/": image_errors.render_error,
        "/compute/": compute_errors.render_error,
        "/network/": network_errors.render_error,
        "/object-store/": object_errors.render_error,
    }

    async def unrouted(request: Request, exc: Exception) -> Response:
        """A path no mount takes: Starlette's mounts never match one with a newline inside, so
        answer in the envelope of the service its prefix names."""
        path = request.url.path
        render = next((r for prefix, r in renderers.items() if path.startswith(prefix)), None)
        if render is None:
            return json_response({"error": {"code": 404, "message": "The resource could not be found."}}, 404)
        return render(NotFound("resource", path, message="The resource could not be found."), None, request)

    app = Starlette(routes=routes, middleware=middleware, exception_handlers={404: unrouted})
    app.state.mounts = list(mounts.values())
    return app


def warm_up(app: Starlette) -> None:
    """Build every service's mount now, off the event loop: ``up`` calls it in a thread once the
    port listens, so the ready line stays early and a user's first request to each service
    (another worker's, a second later) does not pay the imports."""
    for mount in app.state.mounts:
        mount.build()
        time.sleep(0.005)  # a request waiting on the build lock takes it between two services


class _OnFirstRequest:
    """A service's mount, built when its first request comes: a start imports no service's
    routes and handlers, and a process imports those of the services it is asked for only."""

    def __init__(self, build: Callable[[], ASGIApp]) -> None:
        self._build = build
        self._app: ASGIApp | None = None

    def build(self) -> ASGIApp:
        if self._app is None:
            with BUILD_LOCK:  # the one lock of lazy builds: imports in two threads never cross
                if self._app is None:
                    self._app = self._build()
        return self._app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await (self._app or self.build())(scope, receive, send)


def _identity(cloud: Cloud) -> Router:
    from pocketstack.api.identity_v3.routes import ROUTES

    return build_router(ROUTES, cloud, identity_errors.render_error, identity_errors.check_media_type)


def _image(cloud: Cloud) -> Router:
    from pocketstack.api.image_v2.routes import ROUTES

    return build_router(ROUTES, cloud, image_errors.render_error, redirect_slashes=False)


def _network(cloud: Cloud) -> Router:
    from pocketstack.api.network_v2.routes import ROUTES

    return build_router(ROUTES, cloud, network_errors.render_error)


def _compute_vnext(cloud: Cloud) -> ASGIApp:
    from pocketstack.api.compute_vnext.routes import ROUTES

    router = build_router(ROUTES, cloud, hal_errors.render_error, hal_errors.check_media_type)
    return hal_errors.JsonOnly(router)


def _operator(cloud: Cloud) -> ASGIApp:
    from pocketstack.api.operator.routes import ROUTES

    router = build_router(ROUTES, cloud, hal_errors.render_error, hal_errors.check_media_type)
    return hal_errors.JsonOnly(router)


def _object_store(cloud: Cloud) -> ObjectStoreApp:
    """One Swift stack per app: ``/object-store`` and S3 (which runs below its auth) share it."""
    with BUILD_LOCK:
        built = cloud.__dict__.get("_object_store_app")
        if built is None:
            from pocketstack.api.object_v1.app import build

            built = cloud.__dict__["_object_store_app"] = build(cloud)
    return built


def _s3(cloud: Cloud) -> ASGIApp:
    from pocketstack.api.s3.app import build

    return build(cloud, _object_store(cloud))


def _dashboard(cloud: Cloud) -> Router:
    from pocketstack.api.dashboard.app import build

    return build(cloud)


def _compute(cloud: Cloud) -> Router:
    """Compute: the version list at its root, v2.1 with microversions, and v2 as Nova's
    relaxed legacy mode over the same route table."""
    from pocketstack.api.compute_v21 import versions as compute_versions
    from pocketstack.api.compute_v21.middleware import MicroversionMiddleware
    from pocketstack.api.compute_v21.request import check_media_type
    from pocketstack.api.compute_v21.routes import ROUTES as COMPUTE_ROUTES

    render = compute_errors.render_error
    api = build_router(COMPUTE_ROUTES, cloud, render, check_media_type, redirect_slashes=False)
    root = Endpoint("GET", "/", compute_versions.list_versions, None, authenticated=False)
    return Router(
        routes=[
            Mount("/v2.1", app=MicroversionMiddleware(api, legacy=False)),
            Mount("/v2", app=MicroversionMiddleware(api, legacy=True)),
            Mount("", app=build_router([root], cloud, render)),
        ]
    )
