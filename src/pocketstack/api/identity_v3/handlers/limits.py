"""/v3/registered_limits, /v3/limits and /v3/limits/model: Keystone's unified limits."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.common.validation import parse
from pocketstack.api.identity_v3.schemas.catalog_extras import (
    LimitsCreateBody,
    LimitUpdateBody,
    RegisteredLimitsCreateBody,
    RegisteredLimitUpdateBody,
)
from pocketstack.api.identity_v3.schemas.domains import given
from pocketstack.api.identity_v3.views import catalog_extras as views
from pocketstack.api.identity_v3.views.common import collection_links
from pocketstack.core.context import is_admin
from pocketstack.core.errors import BadRequest
from pocketstack.core.identity.limits import MODEL, LimitService

_REGISTERED_FILTERS = ("service_id", "region_id", "resource_name")
_LIMIT_FILTERS = (*_REGISTERED_FILTERS, "project_id", "domain_id")


def _svc(req: ApiRequest) -> LimitService:
    return req.cloud.catalog_extras.limits


def _self(path: str, req: ApiRequest) -> dict[str, Any]:
    query = req.request.url.query
    return collection_links(req.base_url, path + (f"?{query}" if query else ""))


def _require_changes(changes: dict[str, Any], kind: str) -> None:
    if not changes:
        raise BadRequest(f"Invalid input for field '{kind}': it must name at least one attribute to change.")


# -- registered limits --------------------------------------------------------------------------
def list_registered_limits(req: ApiRequest) -> Response:
    req.enforce()
    items = _svc(req).list_registered(**{k: req.query.get(k) for k in _REGISTERED_FILTERS})
    body = {
        "registered_limits": [views.registered_limit(req.base_url, r) for r in items],
        "links": _self("registered_limits", req),
    }
    return json_response(body)


def create_registered_limits(req: ApiRequest) -> Response:
    req.enforce()
    body = parse(RegisteredLimitsCreateBody, req.json())
    made = _svc(req).create_registered([item.model_dump() for item in body.registered_limits])
    return json_response({"registered_limits": [views.registered_limit(req.base_url, r) for r in made]}, 201)


def get_registered_limit(req: ApiRequest) -> Response:
    req.enforce()
    row = _svc(req).get_registered(req.params["registered_limit_id"])
    return json_response({"registered_limit": views.registered_limit(req.base_url, row)})


def update_registered_limit(req: ApiRequest) -> Response:
    req.enforce()
    body = parse(RegisteredLimitUpdateBody, req.json()).registered_limit
    changes = given(body, nullable=frozenset({"region_id", "description"}))
    _require_changes(changes, "registered_limit")
    row = _svc(req).update_registered(req.params["registered_limit_id"], changes)
    return json_response({"registered_limit": views.registered_limit(req.base_url, row)})


def delete_registered_limit(req: ApiRequest) -> Response:
    req.enforce()
    _svc(req).delete_registered(req.params["registered_limit_id"])
    return empty_response(204)


# -- limits -------------------------------------------------------------------------------------
def list_limits(req: ApiRequest) -> Response:
    """COMPAT: as Keystone, an administrator sees every limit, a domain-scoped token the limits
    of its domain and its projects, a project-scoped token its project's, others none."""
    req.enforce()
    ctx = req.ctx
    filters: dict[str, str | None] = {k: req.query.get(k) for k in _LIMIT_FILTERS}
    svc = _svc(req)
    if ctx.system_scope or is_admin(ctx) or "service" in ctx.roles:
        items = svc.list_limits(filters)
    elif ctx.domain_id:
        items = svc.list_limits(filters, within_domain=ctx.domain_id)
    elif ctx.project_id:
        items = svc.list_limits({**filters, "project_id": ctx.project_id})
        if filters["project_id"] not in (None, ctx.project_id):
            items = []
    else:
        items = []
    return json_response(
        {"limits": [views.limit(req.base_url, i) for i in items], "links": _self("limits", req)}
    )


def create_limits(req: ApiRequest) -> Response:
    req.enforce()
    body = parse(LimitsCreateBody, req.json())
    made = _svc(req).create_limits([item.model_dump() for item in body.limits])
    return json_response({"limits": [views.limit(req.base_url, i) for i in made]}, 201)


def get_limit(req: ApiRequest) -> Response:
    limit_id = req.params["limit_id"]
    item = _svc(req).find_limit(limit_id)
    target: dict[str, Any] = {}
    if item is not None:
        project = req.cloud.projects.find(item.limit.project_id) if item.limit.project_id else None
        target = {
            "project_id": item.limit.project_id,
            "domain_id": item.limit.domain_id,
            "project_domain_id": project.domain_id if project else None,
        }
    # Checked before a missing limit is told apart, so callers learn nothing of others' limits.
    req.enforce(target)
    item = item or _svc(req).get_limit(limit_id)
    return json_response({"limit": views.limit(req.base_url, item)})


def update_limit(req: ApiRequest) -> Response:
    req.enforce()
    body = parse(LimitUpdateBody, req.json()).limit
    changes = given(body, nullable=frozenset({"description"}))
    _require_changes(changes, "limit")
    item = _svc(req).update_limit(req.params["limit_id"], changes)
    return json_response({"limit": views.limit(req.base_url, item)})


def delete_limit(req: ApiRequest) -> Response:
    req.enforce()
    _svc(req).delete_limit(req.params["limit_id"])
    return empty_response(204)


def get_limit_model(req: ApiRequest) -> Response:
    req.enforce()
    return json_response({"model": dict(MODEL)})


E = Endpoint
_REGISTERED = "/v3/registered_limits/{registered_limit_id}"
_LIMIT = "/v3/limits/{limit_id}"

ROUTES: list[Endpoint] = [
    E("GET", "/v3/registered_limits", list_registered_limits, "identity:registered_limits:list"),
    E("POST", "/v3/registered_limits", create_registered_limits, "identity:registered_limits:create"),
    E("GET", _REGISTERED, get_registered_limit, "identity:registered_limits:get"),
    E("PATCH", _REGISTERED, update_registered_limit, "identity:registered_limits:update"),
    E("DELETE", _REGISTERED, delete_registered_limit, "identity:registered_limits:delete"),
    E("GET", "/v3/limits/model", get_limit_model, "identity:limits:model"),
    E("GET", "/v3/limits", list_limits, "identity:limits:list"),
    E("POST", "/v3/limits", create_limits, "identity:limits:create"),
    E("GET", _LIMIT, get_limit, "identity:limits:get"),
    E("PATCH", _LIMIT, update_limit, "identity:limits:update"),
    E("DELETE", _LIMIT, delete_limit, "identity:limits:delete"),
]
