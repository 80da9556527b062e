"""Grants: roles of users on projects, domains and the system, and OS-INHERIT inherited grants.

Every grant resource has the same four calls (PUT grant, GET/HEAD check, DELETE revoke, GET list
of the actor's roles on the target), so they are made once per kind of target and actor (user
or group) by ``_grant_routes``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.identity_v3.views import roles as views
from pocketstack.core.identity.assignments import (
    GROUP_DOMAIN,
    GROUP_PROJECT,
    GROUP_SYSTEM,
    PROJECT_KINDS,
    SYSTEM_TARGET,
    USER_DOMAIN,
    USER_PROJECT,
    USER_SYSTEM,
    GrantRow,
)

Handler = Callable[[ApiRequest], Response]


@dataclass(frozen=True)
class GrantTarget:
    """One kind of grant resource: what it grants on, where the target id sits in the path."""

    name: str  # used in handler names: project, domain, system, ...
    kind: str
    path: str  # the collection path, up to /roles
    param: str | None  # path parameter holding the target id (None for the system)
    inherited: bool = False

    @property
    def actor(self) -> str:
        return "group" if self.kind.startswith("Group") else "user"

    def member_path(self) -> str:
        if self.inherited:
            return self.path.removesuffix("/inherited_to_projects") + "/{role_id}/inherited_to_projects"
        return self.path + "/{role_id}"


def _grant(req: ApiRequest, t: GrantTarget, role_id: str = "") -> GrantRow:
    target_id = req.params[t.param] if t.param else SYSTEM_TARGET
    return GrantRow(t.kind, req.params[f"{t.actor}_id"], target_id, role_id, t.inherited)


def _enforce(req: ApiRequest, grant: GrantRow) -> None:
    """Flat target: the domain and project the grant is on and the user it is for. An unknown
    target only leaves the domain out, so the caller is refused before learning it is missing."""
    target: dict[str, Any] = {"group_id" if grant.is_group else "user_id": grant.actor_id}
    domain_id = req.cloud.roles.target_domain(grant.kind, grant.target_id)
    if domain_id:
        target["domain_id"] = domain_id
    if grant.kind in PROJECT_KINDS:
        target["project_id"] = grant.target_id
    req.enforce(target)


def _make(t: GrantTarget) -> tuple[Handler, Handler, Handler, Handler]:
    def create(req: ApiRequest) -> Response:
        grant = _grant(req, t, req.params["role_id"])
        _enforce(req, grant)
        req.cloud.roles.create_grant(grant)
        return empty_response(204)

    def check(req: ApiRequest) -> Response:
        grant = _grant(req, t, req.params["role_id"])
        _enforce(req, grant)
        req.cloud.roles.check_grant(grant)
        return empty_response(204)

    def revoke(req: ApiRequest) -> Response:
        grant = _grant(req, t, req.params["role_id"])
        _enforce(req, grant)
        req.cloud.roles.delete_grant(grant)
        return empty_response(204)

    def list_(req: ApiRequest) -> Response:
        grant = _grant(req, t)
        _enforce(req, grant)
        roles = req.cloud.roles.list_grants(t.kind, grant.actor_id, grant.target_id, t.inherited)
        path = req.request.url.path.split("/v3/", 1)[-1]
        return json_response(views.roles(req.base_url, roles, path))

    handlers = (create, check, revoke, list_)
    for verb, fn in zip(("create", "check", "revoke", "list"), handlers, strict=True):
        fn.__name__ = fn.__qualname__ = f"{verb}_{t.name}_{t.actor}_grant{'s' if verb == 'list' else ''}"
    return handlers


def _grant_routes(t: GrantTarget) -> list[Endpoint]:
    create, check, revoke, list_ = _make(t)
    member = t.member_path()
    return [
        Endpoint("PUT", member, create, "identity:grants:create"),
        Endpoint("GET", member, check, "identity:grants:check"),
        Endpoint("DELETE", member, revoke, "identity:grants:delete"),
        Endpoint("GET", t.path, list_, "identity:grants:list"),
    ]


TARGETS = [
    GrantTarget("project", USER_PROJECT, "/v3/projects/{project_id}/users/{user_id}/roles", "project_id"),
    GrantTarget("domain", USER_DOMAIN, "/v3/domains/{domain_id}/users/{user_id}/roles", "domain_id"),
    GrantTarget("system", USER_SYSTEM, "/v3/system/users/{user_id}/roles", None),
    GrantTarget(
        "inherited_domain",
        USER_DOMAIN,
        "/v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/inherited_to_projects",
        "domain_id",
        inherited=True,
    ),
    # Keystone has no list call for inherited project grants; this one is its natural sibling.
    GrantTarget(
        "inherited_project",
        USER_PROJECT,
        "/v3/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/inherited_to_projects",
        "project_id",
        inherited=True,
    ),
]


def _group_target(t: GrantTarget) -> GrantTarget:
    kinds = {USER_PROJECT: GROUP_PROJECT, USER_DOMAIN: GROUP_DOMAIN, USER_SYSTEM: GROUP_SYSTEM}
    path = t.path.replace("/users/{user_id}/", "/groups/{group_id}/")
    return GrantTarget(t.name, kinds[t.kind], path, t.param, t.inherited)


ROUTES: list[Endpoint] = [
    route for t in TARGETS for target in (t, _group_target(t)) for route in _grant_routes(target)
]
