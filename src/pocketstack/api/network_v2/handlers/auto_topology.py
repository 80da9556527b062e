"""``/v2.0/auto-allocated-topology/{project_id}`` (Neutron's get-me-a-network): show the
project's auto-allocated network, making it on first use; ``?fields=dry-run`` only checks that
one can be made; DELETE takes it apart."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint

PATH = "/v2.0/auto-allocated-topology/{project_id}"


def _project(req: ApiRequest) -> str:
    project_id = req.params["project_id"]
    req.enforce({"project_id": project_id, "tenant_id": project_id})
    return project_id


def show_topology(req: ApiRequest) -> Response:
    project_id = _project(req)
    if "dry-run" in req.request.query_params.getlist("fields"):
        topology = {"id": "dry-run=pass", "tenant_id": project_id, "project_id": project_id}
        return json_response({"auto_allocated_topology": topology})
    network_id = req.cloud.network.auto_topology.ensure(req.ctx, project_id)
    topology = {"id": network_id, "tenant_id": project_id, "project_id": project_id}
    return json_response({"auto_allocated_topology": topology})


def delete_topology(req: ApiRequest) -> Response:
    req.cloud.network.auto_topology.remove(req.ctx, _project(req))
    return empty_response(204)


ROUTES: list[Endpoint] = [
    Endpoint("GET", PATH, show_topology, "get_auto_allocated_topology"),
    Endpoint("DELETE", PATH, delete_topology, "delete_auto_allocated_topology"),
]
