"""``GET /servers/{id}/topology`` (2.78): a server's NUMA layout. pocketstack's drivers give
guests no NUMA topology, so every server answers Nova's body for a server without one:
no nodes and no page size. 404 below 2.78, as in Nova."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.core.compute.servers import get_visible
from pocketstack.core.errors import NotFound

RULE = "compute:server:topology:index"


def show_topology(req: ApiRequest) -> Response:
    if not gated(req, "server.topology"):
        raise NotFound("resource", req.request.url.path, message="The resource could not be found.")
    with req.cloud.db.read() as s:
        server = get_visible(s, req.ctx, req.params["server_id"])
    req.enforce({"project_id": server.project_id})
    return json_response({"nodes": [], "pagesize_kb": None})


ROUTES: list[Endpoint] = [Endpoint("GET", "/servers/{server_id}/topology", show_topology, RULE)]
