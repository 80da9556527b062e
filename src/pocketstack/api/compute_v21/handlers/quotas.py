"""Compute v2.1: os-quota-sets and os-quota-class-sets."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.request import body, check_query
from pocketstack.api.compute_v21.schemas import quotas as schemas
from pocketstack.api.compute_v21.views import quotas as views
from pocketstack.core.compute.user_quotas import UserQuotas
from pocketstack.core.errors import BadRequest

RULE = "os_compute_api:os-quota-sets:"
CLASS_RULE = "os_compute_api:os-quota-class-sets:"


def _verify_project(req: ApiRequest, project_id: str) -> None:
    """COMPAT: Nova asks Keystone whether the project exists and answers 400 when it does not."""
    if req.cloud.projects.find(project_id) is None:
        raise BadRequest(f"Project ID {project_id} is not a valid project.")


def _target(project_id: str) -> dict[str, str]:
    return {"project_id": project_id}


def _user(req: ApiRequest) -> str | None:
    return req.query.get("user_id") or None


def _user_quotas(req: ApiRequest) -> UserQuotas:
    return UserQuotas(req.cloud.db, req.cloud.quotas)


def show_quota_set(req: ApiRequest) -> Response:
    """A project's limits; with ``user_id``, that user's (their own where set, else the
    project's)."""
    project_id = req.params["project_id"]
    check_query(req, ("user_id",))
    req.enforce(_target(project_id))
    _verify_project(req, project_id)
    user_id = _user(req)
    if user_id is None:
        limits = req.cloud.quotas.limits(project_id)
    else:
        limits = _user_quotas(req).limits(project_id, user_id)
    return json_response(views.quota_set(req, limits, project_id))


def show_quota_set_detail(req: ApiRequest) -> Response:
    """Limits with usage; with ``user_id``, usage of that user's servers and groups."""
    project_id = req.params["project_id"]
    check_query(req, ("user_id",))
    req.enforce(_target(project_id))
    _verify_project(req, project_id)
    user_id = _user(req)
    if user_id is None:
        limits, usage = req.cloud.quotas.usage_report(project_id)
    else:
        limits, usage = _user_quotas(req).usage_report(project_id, user_id)
    return json_response(views.quota_set_detail(req, limits, usage, project_id))


def show_quota_set_defaults(req: ApiRequest) -> Response:
    project_id = req.params["project_id"]
    req.enforce(_target(project_id))
    _verify_project(req, project_id)
    return json_response(views.quota_set(req, req.cloud.quotas.default_limits(), project_id))


def update_quota_set(req: ApiRequest) -> Response:
    """Set the project's own limits (with ``user_id``, that user's); unless ``force``, none
    below current usage (and a user's none above the project's). Answers without ``id``, as
    Nova does."""
    project_id = req.params["project_id"]
    check_query(req, ("user_id",))
    req.enforce(_target(project_id))
    _verify_project(req, project_id)
    values, force = schemas.values_of(body(req, schemas.quota_set_model(req)), "quota_set")
    user_id = _user(req)
    if user_id is None:
        limits = req.cloud.quotas.set_limits(project_id, values, force=force)
    else:
        limits = _user_quotas(req).set_limits(project_id, user_id, values, force=force)
    return json_response(views.quota_set(req, limits))


def delete_quota_set(req: ApiRequest) -> Response:
    """Back to the defaults: the project's limits and every user's in it; with ``user_id``,
    only that user's. COMPAT: 202, and no check that the project exists, as in Nova."""
    project_id = req.params["project_id"]
    check_query(req, ("user_id",))
    req.enforce(_target(project_id))
    user_id = _user(req)
    if user_id is None:
        req.cloud.quotas.delete_limits(project_id)
    _user_quotas(req).delete_limits(project_id, user_id)
    return empty_response(202)


def show_quota_class_set(req: ApiRequest) -> Response:
    req.enforce({})
    class_name = req.params["class_name"]
    return json_response(views.quota_class_set(req, req.cloud.quotas.class_limits(class_name), class_name))


def update_quota_class_set(req: ApiRequest) -> Response:
    """Set values of a quota class; ``default`` is what projects without limits of their own get."""
    req.enforce({})
    parsed = body(req, schemas.quota_class_set_model(req))
    values, _ = schemas.values_of(parsed, "quota_class_set")
    limits = req.cloud.quotas.set_class_limits(req.params["class_name"], values)
    return json_response(views.quota_class_set(req, limits))


ROUTES: list[Endpoint] = [
    Endpoint("GET", "/os-quota-sets/{project_id}/detail", show_quota_set_detail, f"{RULE}detail"),
    Endpoint("GET", "/os-quota-sets/{project_id}/defaults", show_quota_set_defaults, f"{RULE}defaults"),
    Endpoint("GET", "/os-quota-sets/{project_id}", show_quota_set, f"{RULE}show"),
    Endpoint("PUT", "/os-quota-sets/{project_id}", update_quota_set, f"{RULE}update"),
    Endpoint("DELETE", "/os-quota-sets/{project_id}", delete_quota_set, f"{RULE}delete"),
    Endpoint("GET", "/os-quota-class-sets/{class_name}", show_quota_class_set, f"{CLASS_RULE}show"),
    Endpoint("PUT", "/os-quota-class-sets/{class_name}", update_quota_class_set, f"{CLASS_RULE}update"),
]
