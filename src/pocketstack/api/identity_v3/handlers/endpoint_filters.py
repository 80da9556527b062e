"""/v3/OS-EP-FILTER: endpoint groups and the endpoints (or groups) associated with projects."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.common.validation import parse
from pocketstack.api.identity_v3.schemas.catalog_extras import (
    EndpointGroupCreateBody,
    EndpointGroupUpdateBody,
)
from pocketstack.api.identity_v3.schemas.domains import given
from pocketstack.api.identity_v3.views import catalog as catalog_views
from pocketstack.api.identity_v3.views import catalog_extras as views
from pocketstack.api.identity_v3.views import projects as project_views
from pocketstack.core.errors import BadRequest
from pocketstack.core.identity.endpoint_filters import EndpointFilterService

_GROUPS = "OS-EP-FILTER/endpoint_groups"


def _svc(req: ApiRequest) -> EndpointFilterService:
    return req.cloud.catalog_extras.endpoint_filters


# -- endpoint groups ----------------------------------------------------------------------------
def list_endpoint_groups(req: ApiRequest) -> Response:
    req.enforce()
    items = _svc(req).list_groups(name=req.query.get("name"))
    return json_response(views.endpoint_groups(req.base_url, items, _GROUPS, req.request.url.query))


def create_endpoint_group(req: ApiRequest) -> Response:
    req.enforce()
    body = parse(EndpointGroupCreateBody, req.json()).endpoint_group
    group = _svc(req).create_group(body.name, body.filters, body.description)
    return json_response({"endpoint_group": views.endpoint_group(req.base_url, group)}, 201)


def get_endpoint_group(req: ApiRequest) -> Response:
    req.enforce()
    group = _svc(req).get_group(req.params["group_id"])
    return json_response({"endpoint_group": views.endpoint_group(req.base_url, group)})


def update_endpoint_group(req: ApiRequest) -> Response:
    req.enforce()
    body = parse(EndpointGroupUpdateBody, req.json()).endpoint_group
    changes = given(body, nullable=frozenset({"description"}))
    if not changes:
        raise BadRequest(
            "Invalid input for field 'endpoint_group': it must name at least one attribute to change."
        )
    group = _svc(req).update_group(req.params["group_id"], changes)
    return json_response({"endpoint_group": views.endpoint_group(req.base_url, group)})


def delete_endpoint_group(req: ApiRequest) -> Response:
    req.enforce()
    _svc(req).delete_group(req.params["group_id"])
    return empty_response(204)


def list_group_endpoints(req: ApiRequest) -> Response:
    req.enforce()
    group_id = req.params["group_id"]
    items = _svc(req).endpoints_in_group(group_id)
    return json_response(catalog_views.endpoints(req.base_url, items, f"{_GROUPS}/{group_id}/endpoints"))


def list_group_projects(req: ApiRequest) -> Response:
    req.enforce()
    group_id = req.params["group_id"]
    items = _svc(req).projects_for_group(group_id)
    return json_response(project_views.projects(req.base_url, items, f"{_GROUPS}/{group_id}/projects"))


def get_group_project(req: ApiRequest) -> Response:
    req.enforce()
    group_id, project_id = req.params["group_id"], req.params["project_id"]
    _svc(req).check_group_in_project(group_id, project_id)
    return json_response(views.project_endpoint_group(req.base_url, group_id, project_id))


def add_group_project(req: ApiRequest) -> Response:
    req.enforce()
    _svc(req).add_group_to_project(req.params["group_id"], req.params["project_id"])
    return empty_response(204)


def remove_group_project(req: ApiRequest) -> Response:
    req.enforce()
    _svc(req).remove_group_from_project(req.params["group_id"], req.params["project_id"])
    return empty_response(204)


def list_project_endpoint_groups(req: ApiRequest) -> Response:
    req.enforce()
    project_id = req.params["project_id"]
    items = _svc(req).groups_for_project(project_id)
    path = f"OS-EP-FILTER/projects/{project_id}/endpoint_groups"
    return json_response(views.endpoint_groups(req.base_url, items, path))


# -- endpoints and projects ---------------------------------------------------------------------
def list_project_endpoints(req: ApiRequest) -> Response:
    req.enforce()
    project_id = req.params["project_id"]
    items = _svc(req).endpoints_for_project(project_id)
    path = f"OS-EP-FILTER/projects/{project_id}/endpoints"
    return json_response(catalog_views.endpoints(req.base_url, items, path))


def check_project_endpoint(req: ApiRequest) -> Response:
    req.enforce()
    _svc(req).check_endpoint_in_project(req.params["endpoint_id"], req.params["project_id"])
    return empty_response(204)


def add_project_endpoint(req: ApiRequest) -> Response:
    req.enforce()
    _svc(req).add_endpoint_to_project(req.params["endpoint_id"], req.params["project_id"])
    return empty_response(204)


def remove_project_endpoint(req: ApiRequest) -> Response:
    req.enforce()
    _svc(req).remove_endpoint_from_project(req.params["endpoint_id"], req.params["project_id"])
    return empty_response(204)


def list_endpoint_projects(req: ApiRequest) -> Response:
    req.enforce()
    endpoint_id = req.params["endpoint_id"]
    items = _svc(req).projects_for_endpoint(endpoint_id)
    path = f"OS-EP-FILTER/endpoints/{endpoint_id}/projects"
    return json_response(project_views.projects(req.base_url, items, path))


E = Endpoint
_GROUP = "/v3/OS-EP-FILTER/endpoint_groups/{group_id}"
_GROUP_PROJECT = _GROUP + "/projects/{project_id}"
_PROJECT_ENDPOINT = "/v3/OS-EP-FILTER/projects/{project_id}/endpoints/{endpoint_id}"

ROUTES: list[Endpoint] = [
    E("GET", "/v3/OS-EP-FILTER/endpoint_groups", list_endpoint_groups, "identity:endpoint_groups:list"),
    E("POST", "/v3/OS-EP-FILTER/endpoint_groups", create_endpoint_group, "identity:endpoint_groups:create"),
    E("GET", _GROUP, get_endpoint_group, "identity:endpoint_groups:get"),
    E("PATCH", _GROUP, update_endpoint_group, "identity:endpoint_groups:update"),
    E("DELETE", _GROUP, delete_endpoint_group, "identity:endpoint_groups:delete"),
    E("GET", _GROUP + "/endpoints", list_group_endpoints, "identity:endpoint_groups:get"),
    E("GET", _GROUP + "/projects", list_group_projects, "identity:project_endpoint_groups:list"),
    E("GET", _GROUP_PROJECT, get_group_project, "identity:project_endpoint_groups:check"),
    E("PUT", _GROUP_PROJECT, add_group_project, "identity:project_endpoint_groups:add"),
    E("DELETE", _GROUP_PROJECT, remove_group_project, "identity:project_endpoint_groups:remove"),
    E(
        "GET",
        "/v3/OS-EP-FILTER/projects/{project_id}/endpoint_groups",
        list_project_endpoint_groups,
        "identity:project_endpoint_groups:list",
    ),
    E(
        "GET",
        "/v3/OS-EP-FILTER/projects/{project_id}/endpoints",
        list_project_endpoints,
        "identity:project_endpoints:list",
    ),
    E("GET", _PROJECT_ENDPOINT, check_project_endpoint, "identity:project_endpoints:check"),
    E("PUT", _PROJECT_ENDPOINT, add_project_endpoint, "identity:project_endpoints:add"),
    E("DELETE", _PROJECT_ENDPOINT, remove_project_endpoint, "identity:project_endpoints:remove"),
    E(
        "GET",
        "/v3/OS-EP-FILTER/endpoints/{endpoint_id}/projects",
        list_endpoint_projects,
        "identity:project_endpoints:list",
    ),
]
