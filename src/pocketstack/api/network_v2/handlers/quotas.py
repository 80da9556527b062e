"""Network quotas: ``/v2.0/quotas`` (admins: projects with limits of their own), and per project
the limits, the defaults, the usage details, a change and a reset."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.network_v2.attributes import to_bool, to_int
from pocketstack.core.errors import BadRequest


def _project(req: ApiRequest) -> str:
    project_id = req.params["project_id"]
    req.enforce({"project_id": project_id, "tenant_id": project_id})
    return project_id


def list_quotas(req: ApiRequest) -> Response:
    req.enforce({"project_id": None})  # no project's own: an administrator's call
    found = req.cloud.network.quotas.customised()
    quotas = [{**limits, "project_id": p, "tenant_id": p} for p, limits in found.items()]
    return json_response({"quotas": quotas})


def show_quota(req: ApiRequest) -> Response:
    return json_response({"quota": req.cloud.network.quotas.limits(_project(req))})


def show_default(req: ApiRequest) -> Response:
    _project(req)
    return json_response({"quota": dict(req.cloud.network.quotas.defaults)})


def show_details(req: ApiRequest) -> Response:
    return json_response({"quota": req.cloud.network.quotas.details(_project(req))})


def update_quota(req: ApiRequest) -> Response:
    project_id = _project(req)
    body = req.json()
    if not isinstance(body, dict) or not isinstance(body.get("quota"), dict):
        raise BadRequest("Unable to find 'quota' in request body")
    given = dict(body["quota"])
    # quota-check-limit: OSC sends check_limit (or force, its opposite) with every change.
    check_limit = to_bool("check_limit", given.pop("check_limit", False))
    if to_bool("force", given.pop("force", False)):
        check_limit = False
    values: dict[str, Any] = {key: to_int(key, value) for key, value in given.items()}
    return json_response({"quota": req.cloud.network.quotas.set_limits(project_id, values, check_limit)})


def delete_quota(req: ApiRequest) -> Response:
    req.cloud.network.quotas.reset(_project(req))
    return empty_response(204)


ROUTES: list[Endpoint] = [
    Endpoint("GET", "/v2.0/quotas", list_quotas, "get_quota"),
    Endpoint("GET", "/v2.0/quotas/{project_id}", show_quota, "get_quota"),
    Endpoint("PUT", "/v2.0/quotas/{project_id}", update_quota, "update_quota"),
    Endpoint("DELETE", "/v2.0/quotas/{project_id}", delete_quota, "delete_quota"),
    Endpoint("GET", "/v2.0/quotas/{project_id}/default", show_default, "get_quota"),
    Endpoint("GET", "/v2.0/quotas/{project_id}/details", show_details, "get_quota"),
]
