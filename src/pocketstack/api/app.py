"""build_app(cloud) -> the ASGI app: one Mount per service, shared middleware around them."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route, Router

from pocketstack.api.common.middleware import RequestIdMiddleware, ServiceRootMiddleware
from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import Endpoint, build_router, service_root
from pocketstack.api.compute_v21 import errors as compute_errors
from pocketstack.api.compute_v21 import versions as compute_versions
from pocketstack.api.compute_v21.middleware import MicroversionMiddleware
from pocketstack.api.compute_v21.request import check_media_type
from pocketstack.api.compute_v21.routes import ROUTES as COMPUTE_ROUTES
from pocketstack.api.identity_v3 import errors as identity_errors
from pocketstack.api.identity_v3.routes import ROUTES as IDENTITY_ROUTES
from pocketstack.api.image_v2 import errors as image_errors
from pocketstack.api.image_v2.routes import ROUTES as IMAGE_ROUTES
from pocketstack.api.network_v2 import errors as network_errors
from pocketstack.api.network_v2.routes import ROUTES as NETWORK_ROUTES
from pocketstack.cloud import Cloud
from pocketstack.core.errors import NotFound


def build_app(cloud: Cloud) -> Starlette:
    async def root(request: Request) -> Response:
        base = service_root(request)
        services = {name: f"{base}/{name}" for name in ("identity", "image", "compute", "network")}
        return json_response({"name": "pocketstack", "services": services})

    mounts = {
        "/identity": build_router(
            IDENTITY_ROUTES, cloud, identity_errors.render_error, identity_errors.check_media_type
        ),
        "/image": build_router(IMAGE_ROUTES, cloud, image_errors.render_error, redirect_slashes=False),
        "/compute": _compute(cloud),
        "/network": build_router(NETWORK_ROUTES, cloud, network_errors.render_error),
    }
    routes = [Route("/", root), *(Mount(prefix, app=app) for prefix, app in mounts.items())]
    roots = {*mounts, "/compute/v2.1", "/compute/v2"}
    middleware = [
        Middleware(RequestIdMiddleware),
        Middleware(ServiceRootMiddleware, prefixes=frozenset(roots)),
    ]
    renderers = {
        "/identity/": identity_errors.render_error,
        "/image/": image_errors.render_error,
        "/compute/": compute_errors.render_error,
        "/network/": network_errors.render_error,
    }

    async def unrouted(request: Request, exc: Exception) -> Response:
        """A path no mount takes: Starlette's mounts never match one with a newline inside, so
        answer in the envelope of the service its prefix names."""
        path = request.url.path
        render = next((r for prefix, r in renderers.items() if path.startswith(prefix)), None)
        if render is None:
            return json_response({"error": {"code": 404, "message": "The resource could not be found."}}, 404)
        return render(NotFound("resource", path, message="The resource could not be found."), None, request)

    return Starlette(routes=routes, middleware=middleware, exception_handlers={404: unrouted})


def _compute(cloud: Cloud) -> Router:
    """Compute: the version list at its root, v2.1 with microversions, and v2 as Nova's
    relaxed legacy mode over the same route table."""
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
