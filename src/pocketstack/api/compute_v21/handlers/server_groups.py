"""Compute v2.1: os-server-groups."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.request import MAX_LIMIT, body, check_query, page, query_int
from pocketstack.api.compute_v21.schemas import server_groups as schemas
from pocketstack.api.compute_v21.views import server_groups as views
from pocketstack.core.errors import BadRequest

RULE = "os_compute_api:os-server-groups:"


def _is_admin(req: ApiRequest) -> bool:
    return req.cloud.policy.check("admin_required", req.ctx, {})


def list_server_groups(req: ApiRequest) -> Response:
    """The caller's project's groups; every project's for an admin who asks ``all_projects``.
    COMPAT: as in Nova, ``all_projects`` counts by its presence (any value), and a non-admin
    asking for it gets their own groups rather than a 403. ``limit`` 0 or absent means the
    page maximum, as Nova's ``limited``."""
    check_query(req, ("all_projects", "limit", "offset"))
    req.enforce({"project_id": req.ctx.project_id})
    all_projects = "all_projects" in req.query and _is_admin(req)
    if all_projects:
        req.cloud.policy.enforce(f"{RULE}index:all_projects", req.ctx, {"project_id": req.ctx.project_id})
    limit = page(req)[0] or MAX_LIMIT
    offset = query_int(req, "offset") or 0
    service = req.cloud.server_groups
    groups = service.list(req.ctx.project_id, all_projects=all_projects, offset=offset, limit=limit)
    members = service.members_of(g.id for g in groups)
    return json_response({"server_groups": [views.server_group(req, g, members[g.id]) for g in groups]})


def show_server_group(req: ApiRequest) -> Response:
    service = req.cloud.server_groups
    group = service.get(req.params["group_id"], req.ctx.project_id, _is_admin(req))
    req.enforce({"project_id": group.project_id})
    members = service.members_of([group.id])[group.id]
    return json_response({"server_group": views.server_group(req, group, members)})


def create_server_group(req: ApiRequest) -> Response:
    """COMPAT: Nova answers a create with 200, not 201."""
    req.enforce({"project_id": req.ctx.project_id})
    name, policy, rules = schemas.policy_and_rules(body(req, schemas.create_model(req)))
    if req.ctx.project_id is None or req.ctx.user_id is None:
        raise BadRequest("Creating a server group needs a project-scoped token.")
    group = req.cloud.server_groups.create(req.ctx.project_id, req.ctx.user_id, name, policy, rules)
    return json_response({"server_group": views.server_group(req, group, [])})


def delete_server_group(req: ApiRequest) -> Response:
    service = req.cloud.server_groups
    group_id = req.params["group_id"]
    group = service.get(group_id, req.ctx.project_id, _is_admin(req))
    req.enforce({"project_id": group.project_id})
    service.delete(group_id, req.ctx.project_id, _is_admin(req))
    return empty_response(204)


ROUTES: list[Endpoint] = [
    Endpoint("GET", "/os-server-groups", list_server_groups, f"{RULE}index"),
    Endpoint("POST", "/os-server-groups", create_server_group, f"{RULE}create"),
    Endpoint("GET", "/os-server-groups/{group_id}", show_server_group, f"{RULE}show"),
    Endpoint("DELETE", "/os-server-groups/{group_id}", delete_server_group, f"{RULE}delete"),
]
