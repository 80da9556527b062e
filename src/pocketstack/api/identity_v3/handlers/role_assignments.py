"""GET /v3/role_assignments with Keystone's filters."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import QueryParams
from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.identity_v3.views import roles as views
from pocketstack.core.errors import BadRequest
from pocketstack.core.identity.assignment_listing import AssignmentQuery

# Pairs of filters that cannot be combined, with Keystone's message.
_EXCLUSIVE = [
    ("scope.domain.id", "scope.project.id", "Specify a domain or project, not both"),
    ("scope.domain.id", "scope.system", "Specify system or domain, not both"),
    ("scope.project.id", "scope.system", "Specify system or project, not both"),
    ("user.id", "group.id", "Specify a user or group, not both"),
]


def _flag(query: QueryParams, name: str) -> bool:
    """COMPAT: Keystone's key-only flags are true when present with any value but "0"."""
    return name in query and query.get(name) != "0"


def _validate(query: QueryParams, effective: bool, inherited: bool | None) -> None:
    for first, second, message in _EXCLUSIVE:
        if query.get(first) and query.get(second):
            raise BadRequest(message)
    if effective and query.get("group.id"):
        raise BadRequest("Combining effective and group filter will always result in an empty list.")
    if effective and inherited and query.get("scope.domain.id"):
        raise BadRequest(
            "Combining effective, domain and inherited filters will always result in an empty list."
        )


def _target(req: ApiRequest, project_id: str | None, subtree: bool) -> dict[str, Any]:
    """As Keystone: a subtree listing is about the project's domain; otherwise a domain-scoped
    caller names its own domain (and sees only what lies in it), anyone else names none."""
    if subtree and project_id:
        domain_id = req.cloud.roles.project_domain(project_id)
        return {"domain_id": domain_id} if domain_id else {}
    return {"domain_id": req.ctx.domain_id} if req.ctx.domain_id else {}


def list_role_assignments(req: ApiRequest) -> Response:
    query = req.query
    effective = _flag(query, "effective")
    include_names = _flag(query, "include_names")
    subtree = _flag(query, "include_subtree")
    inherited = (
        query.get("scope.OS-INHERIT:inherited_to") == "projects"
        if "scope.OS-INHERIT:inherited_to" in query
        else None
    )
    project_id = query.get("scope.project.id") or None
    req.enforce(_target(req, project_id, subtree))
    _validate(query, effective, inherited)
    if subtree and not project_id:
        raise BadRequest("scope.project.id must be specified if include_subtree is also specified")
    q = AssignmentQuery(
        user_id=query.get("user.id") or None,
        group_id=query.get("group.id") or None,
        role_id=query.get("role.id") or None,
        project_id=project_id,
        domain_id=query.get("scope.domain.id") or None,
        # COMPAT: like Keystone, only the value "all" selects the system.
        system=query.get("scope.system") == "all",
        inherited=inherited,
        effective=effective,
        include_subtree=subtree,
        visible_domain_id=req.ctx.domain_id,
    )
    listing = req.cloud.roles.list_assignments(q, include_names)
    body = views.role_assignments(req.base_url, listing, include_names, req.request.url.query)
    return json_response(body)


ROUTES: list[Endpoint] = [
    Endpoint("GET", "/v3/role_assignments", list_role_assignments, "identity:role_assignments:list"),
]
