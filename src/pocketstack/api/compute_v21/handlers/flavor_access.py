"""Compute v2.1 flavor access: which projects may use a private flavor (admins only)."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.handlers.flavors import is_admin
from pocketstack.api.compute_v21.request import body
from pocketstack.api.compute_v21.schemas import flavors as schemas
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.api.compute_v21.views import flavors as views
from pocketstack.core.errors import BadRequest

ADD_RULE = "os_compute_api:os-flavor-access:add_tenant_access"
REMOVE_RULE = "os_compute_api:os-flavor-access:remove_tenant_access"


def list_flavor_access(req: ApiRequest) -> Response:
    req.enforce()
    flavor_id = req.params["flavor_id"]
    projects = req.cloud.flavors.access_list(flavor_id, req.ctx.project_id, is_admin(req))
    return json_response(views.access(flavor_id, projects))


def _add(req: ApiRequest, data: dict[str, object]) -> list[str]:
    req.cloud.policy.enforce(ADD_RULE, req.ctx, {})
    tenant = body(req, schemas.AddTenantAccess, data).addTenantAccess.tenant
    # COMPAT: from 2.7 sharing a public flavor is a conflict; before, it was recorded.
    return req.cloud.flavors.add_access(
        req.params["flavor_id"],
        tenant,
        req.ctx.project_id,
        is_admin(req),
        refuse_public=gated(req, "flavor_access.refuse_public"),
    )


def _remove(req: ApiRequest, data: dict[str, object]) -> list[str]:
    req.cloud.policy.enforce(REMOVE_RULE, req.ctx, {})
    tenant = body(req, schemas.RemoveTenantAccess, data).removeTenantAccess.tenant
    return req.cloud.flavors.remove_access(req.params["flavor_id"], tenant, req.ctx.project_id, is_admin(req))


ACTIONS = {"addTenantAccess": _add, "removeTenantAccess": _remove}


def flavor_action(req: ApiRequest) -> Response:
    """``POST /flavors/{id}/action``: the body's single key names the action, as in Nova."""
    data = req.json()
    if not isinstance(data, dict) or len(data) != 1:
        raise BadRequest("Malformed request body")
    (name,) = data
    action = ACTIONS.get(name)
    if action is None:
        raise BadRequest(f"There is no such action: {name}")
    projects = action(req, data)
    return json_response(views.access(req.params["flavor_id"], projects))


ROUTES: list[Endpoint] = [
    Endpoint(
        "GET", "/flavors/{flavor_id}/os-flavor-access", list_flavor_access, "os_compute_api:os-flavor-access"
    ),
    # The handler enforces the rule of the action the body names (add or remove).
    Endpoint("POST", "/flavors/{flavor_id}/action", flavor_action, ADD_RULE),
]
