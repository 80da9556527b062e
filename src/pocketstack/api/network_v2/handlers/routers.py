"""Router actions beyond the shared resource shape: interfaces (``add_router_interface``,
``remove_router_interface``, a bare ``{"subnet_id"}`` / ``{"port_id"}`` body, as Neutron), extra
routes changed atomically (``add_extraroutes`` / ``remove_extraroutes``, ``{"router":
{"routes": [...]}}``), and the floating IP pools."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.network_v2 import l3_views, views
from pocketstack.api.network_v2.request import fields
from pocketstack.core.errors import BadRequest

ONE = "/v2.0/routers/{id}"


def add_router_interface(req: ApiRequest) -> Response:
    info = req.cloud.network.routers.add_interface(req.ctx, req.params["id"], req.json())
    return json_response(l3_views.interface(info))


def remove_router_interface(req: ApiRequest) -> Response:
    info = req.cloud.network.routers.remove_interface(req.ctx, req.params["id"], req.json())
    return json_response(l3_views.interface(info))


def _routes(req: ApiRequest) -> Any:
    body = req.json()
    router = body.get("router") if isinstance(body, dict) else None
    if not isinstance(router, dict) or "routes" not in router:
        raise BadRequest("Unable to find 'router' with 'routes' in request body")
    return router["routes"]


def add_extraroutes(req: ApiRequest) -> Response:
    item = req.cloud.network.routers.change_routes(req.ctx, req.params["id"], "add_extraroutes", _routes(req))
    return json_response({"router": l3_views.router(item)})


def remove_extraroutes(req: ApiRequest) -> Response:
    routes = _routes(req)
    item = req.cloud.network.routers.change_routes(req.ctx, req.params["id"], "remove_extraroutes", routes)
    return json_response({"router": l3_views.router(item)})


def list_floatingip_pools(req: ApiRequest) -> Response:
    wanted = fields(req)
    unknown = sorted({k for k in req.query if k != "fields"})
    if unknown:
        raise BadRequest(f"{unknown} is invalid attribute for filtering")
    pools = req.cloud.network.floating_ips.pools(req.ctx)
    shown = [views.only(l3_views.floatingip_pool(*p), wanted) for p in pools]
    return json_response({"floatingip_pools": shown})


ROUTES: list[Endpoint] = [
    Endpoint("PUT", f"{ONE}/add_router_interface", add_router_interface, "add_router_interface"),
    Endpoint("PUT", f"{ONE}/remove_router_interface", remove_router_interface, "remove_router_interface"),
    Endpoint("PUT", f"{ONE}/add_extraroutes", add_extraroutes, "add_extraroutes"),
    Endpoint("PUT", f"{ONE}/remove_extraroutes", remove_extraroutes, "remove_extraroutes"),
    Endpoint("GET", "/v2.0/floatingip_pools", list_floatingip_pools, "get_floatingip_pool"),
]
