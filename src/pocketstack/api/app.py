"""build_app(cloud) -> the ASGI app: one Mount per service, shared middleware around them."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from pocketstack.api.common.middleware import RequestIdMiddleware, ServiceRootMiddleware
from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import build_router, service_root
from pocketstack.api.identity_v3 import errors as identity_errors
from pocketstack.api.identity_v3.routes import ROUTES as IDENTITY_ROUTES
from pocketstack.api.image_v2 import errors as image_errors
from pocketstack.api.image_v2.routes import ROUTES as IMAGE_ROUTES
from pocketstack.cloud import Cloud


def build_app(cloud: Cloud) -> Starlette:
    async def root(request: Request) -> Response:
        base = service_root(request)
        services = {"identity": f"{base}/identity", "image": f"{base}/image"}
        return json_response({"name": "pocketstack", "services": services})

    mounts = {
        "/identity": build_router(IDENTITY_ROUTES, cloud, identity_errors.render_error),
        "/image": build_router(IMAGE_ROUTES, cloud, image_errors.render_error),
    }
    routes = [Route("/", root), *(Mount(prefix, app=app) for prefix, app in mounts.items())]
    middleware = [
        Middleware(RequestIdMiddleware),
        Middleware(ServiceRootMiddleware, prefixes=frozenset(mounts)),
    ]
    return Starlette(routes=routes, middleware=middleware)
