"""/v3/roles, implied roles (/v3/roles/{prior}/implies/...) and /v3/role_inferences."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.common.validation import parse
from pocketstack.api.identity_v3.schemas.roles import RESERVED_EXTRA, RoleCreateBody, RoleUpdateBody
from pocketstack.api.identity_v3.views import roles as views
from pocketstack.core.errors import BadRequest


def _target(domain_id: str | None) -> dict[str, Any]:
    return {"domain_id": domain_id} if domain_id else {}


def _enforce_on_role(req: ApiRequest, role_id: str) -> None:
    """Enforce before looking further, so a denied caller learns nothing of the role."""
    req.enforce(_target(req.cloud.roles.role_domain(role_id)))


def list_roles(req: ApiRequest) -> Response:
    domain_id = req.query.get("domain_id") or None
    req.enforce(_target(domain_id))
    items = req.cloud.roles.list_roles(name=req.query.get("name"), domain_id=domain_id)
    self_path = "roles" + (f"?{req.request.url.query}" if req.request.url.query else "")
    return json_response(views.roles(req.base_url, items, self_path))


def create_role(req: ApiRequest) -> Response:
    body = parse(RoleCreateBody, req.json()).role
    req.enforce(_target(body.domain_id))
    extra = {k: v for k, v in (body.model_extra or {}).items() if k not in RESERVED_EXTRA}
    role = req.cloud.roles.create_role(
        name=body.name,
        domain_id=body.domain_id,
        description=body.description or "",
        options=body.options.model_dump(exclude_unset=True) if body.options else None,
        extra=extra,
    )
    return json_response({"role": views.role(req.base_url, role)}, 201)


def get_role(req: ApiRequest) -> Response:
    role_id = req.params["role_id"]
    _enforce_on_role(req, role_id)
    return json_response({"role": views.role(req.base_url, req.cloud.roles.get_role(role_id))})


def _changes(req: ApiRequest, role_id: str) -> dict[str, Any]:
    body = parse(RoleUpdateBody, req.json()).role
    extra = dict(body.model_extra or {})
    if "id" in extra and extra.pop("id") != role_id:
        raise BadRequest("Cannot change the ID of a role.")
    extra.pop("links", None)
    changes: dict[str, Any] = {k: getattr(body, k) for k in body.model_fields_set if k != "options"}
    if "options" in body.model_fields_set:
        changes["options"] = body.options.model_dump(exclude_unset=True) if body.options else {}
    if "description" in changes:
        changes["description"] = changes["description"] or ""
    if extra:
        changes["extra"] = extra
    if not changes and not body.model_extra:
        raise BadRequest("Invalid input for field 'role': it must name at least one attribute to change.")
    return changes


def update_role(req: ApiRequest) -> Response:
    role_id = req.params["role_id"]
    _enforce_on_role(req, role_id)
    role = req.cloud.roles.update_role(role_id, _changes(req, role_id))
    return json_response({"role": views.role(req.base_url, role)})


def delete_role(req: ApiRequest) -> Response:
    role_id = req.params["role_id"]
    _enforce_on_role(req, role_id)
    req.cloud.roles.delete_role(role_id)
    return empty_response(204)


# -- implied roles ------------------------------------------------------------------------------
def list_implied_roles(req: ApiRequest) -> Response:
    prior_id = req.params["prior_role_id"]
    _enforce_on_role(req, prior_id)
    prior, implied = req.cloud.roles.list_implied(prior_id)
    return json_response(views.implied_roles(req.base_url, prior, implied))


def get_implied_role(req: ApiRequest) -> Response:
    prior_id, implied_id = req.params["prior_role_id"], req.params["implied_role_id"]
    _enforce_on_role(req, prior_id)
    prior, implied = req.cloud.roles.get_implied(prior_id, implied_id)
    return json_response(views.implied_role(req.base_url, prior, implied))


def check_implied_role(req: ApiRequest) -> Response:
    prior_id, implied_id = req.params["prior_role_id"], req.params["implied_role_id"]
    _enforce_on_role(req, prior_id)
    req.cloud.roles.get_implied(prior_id, implied_id)
    # COMPAT: Keystone answers HEAD on an implied role with 204, unlike its GET.
    return empty_response(204)


def create_implied_role(req: ApiRequest) -> Response:
    prior_id, implied_id = req.params["prior_role_id"], req.params["implied_role_id"]
    _enforce_on_role(req, prior_id)
    prior, implied = req.cloud.roles.create_implied(prior_id, implied_id)
    return json_response(views.implied_role(req.base_url, prior, implied), 201)


def delete_implied_role(req: ApiRequest) -> Response:
    prior_id, implied_id = req.params["prior_role_id"], req.params["implied_role_id"]
    _enforce_on_role(req, prior_id)
    req.cloud.roles.delete_implied(prior_id, implied_id)
    return empty_response(204)


def list_role_inferences(req: ApiRequest) -> Response:
    req.enforce()
    return json_response(views.role_inferences(req.base_url, req.cloud.roles.list_inferences()))


E = Endpoint
_ROLE = "/v3/roles/{role_id}"
_IMPLIES = "/v3/roles/{prior_role_id}/implies"
_IMPLIED = "/v3/roles/{prior_role_id}/implies/{implied_role_id}"

ROUTES: list[Endpoint] = [
    E("GET", "/v3/roles", list_roles, "identity:roles:list"),
    E("POST", "/v3/roles", create_role, "identity:roles:create"),
    E("GET", _ROLE, get_role, "identity:roles:get"),
    E("PATCH", _ROLE, update_role, "identity:roles:update"),
    E("DELETE", _ROLE, delete_role, "identity:roles:delete"),
    E("GET", _IMPLIES, list_implied_roles, "identity:implied_roles:list"),
    E("GET", _IMPLIED, get_implied_role, "identity:implied_roles:get"),
    E("HEAD", _IMPLIED, check_implied_role, "identity:implied_roles:get"),
    E("PUT", _IMPLIED, create_implied_role, "identity:implied_roles:create"),
    E("DELETE", _IMPLIED, delete_implied_role, "identity:implied_roles:delete"),
    E("GET", "/v3/role_inferences", list_role_inferences, "identity:role_inferences:list"),
]
