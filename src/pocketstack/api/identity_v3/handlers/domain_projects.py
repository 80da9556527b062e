"""COMPAT: Keystone stores a domain as a project with ``is_domain`` true, so /v3/projects can
create, show, update and delete domains. pocketstack keeps domains in their own table and
translates here: the project calls that name a domain (and no project) act on the domain."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.common.validation import parse
from pocketstack.api.identity_v3.schemas.domains import given, resource_name
from pocketstack.api.identity_v3.schemas.projects import NAME_MAX, ProjectCreateIn, ProjectUpdateBody
from pocketstack.api.identity_v3.views import projects as views
from pocketstack.core.errors import BadRequest
from pocketstack.store.models import Domain


def domain_instead(req: ApiRequest) -> Domain | None:
    """The domain the path's project id names, when no project has that id."""
    project_id = req.params["project_id"]
    if req.cloud.projects.find(project_id) is not None:
        return None
    return req.cloud.domains.find(project_id)


def create(req: ApiRequest, body: ProjectCreateIn) -> Response:
    req.enforce({})
    if body.parent_id or body.domain_id:
        raise BadRequest("Invalid input: a project that acts as a domain has no domain_id or parent_id.")
    domain = req.cloud.domains.create(
        name=resource_name(body.name, "project", NAME_MAX),
        description=body.description or "",
        enabled=body.enabled,
        options=body.options,
    )
    return json_response({"project": views.domain_as_project(req.base_url, domain)}, 201)


def show(req: ApiRequest, domain: Domain) -> Response:
    req.enforce({"domain_id": domain.id})
    return json_response({"project": views.domain_as_project(req.base_url, domain)})


def update(req: ApiRequest, domain: Domain) -> Response:
    req.enforce({"domain_id": domain.id})
    body = parse(ProjectUpdateBody, req.json()).project
    changes: dict[str, Any] = {
        k: v
        for k, v in given(body, nullable=frozenset({"description"})).items()
        if k in ("name", "description", "enabled", "options")
    }
    if "name" in changes:
        changes["name"] = resource_name(changes["name"], "project", NAME_MAX)
    if "description" in changes:
        changes["description"] = changes["description"] or ""
    updated = req.cloud.domains.update(domain.id, changes)
    return json_response({"project": views.domain_as_project(req.base_url, updated)})


def delete(req: ApiRequest, domain: Domain) -> Response:
    req.enforce({"domain_id": domain.id})
    req.cloud.domains.delete(domain.id)
    return empty_response(204)
