"""/v3/projects: list, create, show (with its hierarchy), update, delete, and tags."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.common.validation import parse, query_bool
from pocketstack.api.identity_v3.handlers import domain_projects
from pocketstack.api.identity_v3.schemas.domains import (
    check_matching_id,
    extra_attributes,
    given,
    resource_name,
)
from pocketstack.api.identity_v3.schemas.projects import (
    NAME_MAX,
    ProjectCreateBody,
    ProjectUpdateBody,
    TagsBody,
)
from pocketstack.api.identity_v3.views import projects as views
from pocketstack.api.identity_v3.views.common import collection_links
from pocketstack.core.errors import BadRequest, NotFound
from pocketstack.core.identity.bootstrap import DEFAULT_DOMAIN_ID
from pocketstack.core.identity.resources import ProjectFilter
from pocketstack.store.models import Project


def target(p: Project) -> dict[str, str]:
    return {"project_id": p.id, "domain_id": p.domain_id}


def _load(req: ApiRequest) -> Project:
    """The project in the path; policy first, so the denied learn nothing of what exists."""
    project_id = req.params["project_id"]
    project = req.cloud.projects.find(project_id)
    req.enforce(target(project) if project else {})
    if project is None:
        raise NotFound("project", project_id, code="identity.project.not_found")
    return project


def _tag_list(req: ApiRequest, key: str) -> list[str]:
    value = req.query.get(key)
    return [t for t in value.split(",") if t] if value else []


def _filter(req: ApiRequest, domain_id: str | None = None) -> ProjectFilter:
    q = req.query
    return ProjectFilter(
        domain_id=domain_id or q.get("domain_id"),
        enabled=query_bool(q.get("enabled")),
        name=q.get("name"),
        parent_id=q.get("parent_id"),
        tags=_tag_list(req, "tags"),
        tags_any=_tag_list(req, "tags-any"),
        not_tags=_tag_list(req, "not-tags"),
        not_tags_any=_tag_list(req, "not-tags-any"),
    )


def _domains_as_projects(req: ApiRequest, only_id: str | None) -> Response:
    """COMPAT: ``is_domain=true`` lists domains, which Keystone stores as projects."""
    q = req.query
    items: list[dict[str, Any]] = []
    if q.get("domain_id") is None and q.get("parent_id") is None:
        found = req.cloud.domains.list(
            name=q.get("name"), enabled=query_bool(q.get("enabled")), only_id=only_id
        )
        items = [views.domain_as_project(req.base_url, d) for d in found]
    return json_response({"projects": items, "links": collection_links(req.base_url, "projects")})


def list_projects(req: ApiRequest) -> Response:
    # COMPAT: as in Keystone, a domain-scoped token sees the projects of its own domain only.
    scope = req.ctx.domain_id
    req.enforce({"domain_id": scope} if scope else {})
    if query_bool(req.query.get("is_domain")):
        return _domains_as_projects(req, scope)
    f = _filter(req)
    if scope is not None and f.domain_id not in (None, scope):
        return json_response(views.projects(req.base_url, []))
    if scope is not None:
        f = _filter(req, scope)
    return json_response(views.projects(req.base_url, req.cloud.projects.list(f)))


def create_project(req: ApiRequest) -> Response:
    body = parse(ProjectCreateBody, req.json()).project
    if body.is_domain:
        return domain_projects.create(req, body)
    domain_id = body.domain_id
    if domain_id is None and not body.parent_id:
        # COMPAT: Keystone falls back to the token's domain, then to the default domain.
        domain_id = req.ctx.domain_id or DEFAULT_DOMAIN_ID
    req.enforce({"domain_id": domain_id} if domain_id else {})
    project = req.cloud.projects.create(
        name=resource_name(body.name, "project", NAME_MAX),
        domain_id=domain_id,
        parent_id=body.parent_id,
        description=body.description or "",
        enabled=body.enabled,
        tags=body.tags,
        options=body.options,
        extra=extra_attributes(body),
    )
    return json_response({"project": views.project(req.base_url, project)}, 201)


def _hierarchy(req: ApiRequest, project: Project, body: dict[str, Any]) -> None:
    """``parents_as_ids``/``subtree_as_ids`` (nested ids) and ``*_as_list`` (projects the
    caller holds a role on), as Keystone shows them."""
    flags = {k: query_bool(req.query.get(k)) for k in ("parents_as_ids", "parents_as_list")}
    flags |= {k: query_bool(req.query.get(k)) for k in ("subtree_as_ids", "subtree_as_list")}
    if flags["parents_as_ids"] and flags["parents_as_list"]:
        raise BadRequest("Cannot use parents_as_list and parents_as_ids query params at the same time.")
    if flags["subtree_as_ids"] and flags["subtree_as_list"]:
        raise BadRequest("Cannot use subtree_as_list and subtree_as_ids query params at the same time.")
    svc = req.cloud.projects
    mine = req.cloud.users.project_ids(req.ctx.user_id or "")
    if flags["parents_as_ids"]:
        nested: dict[str, Any] | None = {project.domain_id: None}  # the domain is the root
        for parent in reversed(svc.parents(project.id)):
            nested = {parent.id: nested}
        body["parents"] = nested
    elif flags["parents_as_list"]:
        body["parents"] = [
            {"project": views.project(req.base_url, p)} for p in svc.parents(project.id) if p.id in mine
        ]
    subtree = svc.subtree(project.id) if flags["subtree_as_ids"] or flags["subtree_as_list"] else []
    if flags["subtree_as_ids"]:
        body["subtree"] = _nest(project.id, subtree)
    elif flags["subtree_as_list"]:
        body["subtree"] = [{"project": views.project(req.base_url, p)} for p in subtree if p.id in mine]


def _nest(root_id: str, subtree: list[Project]) -> dict[str, Any] | None:
    children: dict[str, list[str]] = {}
    for p in subtree:
        children.setdefault(p.parent_id or "", []).append(p.id)

    def walk(pid: str) -> dict[str, Any] | None:
        kids = children.get(pid)
        return {k: walk(k) for k in kids} if kids else None

    return walk(root_id)


def get_project(req: ApiRequest) -> Response:
    if domain := domain_projects.domain_instead(req):
        return domain_projects.show(req, domain)
    project = _load(req)
    body = views.project(req.base_url, project)
    _hierarchy(req, project, body)
    return json_response({"project": body})


def update_project(req: ApiRequest) -> Response:
    if domain := domain_projects.domain_instead(req):
        return domain_projects.update(req, domain)
    project = _load(req)
    body = parse(ProjectUpdateBody, req.json()).project
    check_matching_id(body, project.id, "project")
    changes = given(body, nullable=frozenset({"description", "parent_id", "is_domain"}))
    if "name" in changes:
        changes["name"] = resource_name(changes["name"], "project", NAME_MAX)
    if "description" in changes:
        changes["description"] = changes["description"] or ""
    extra = extra_attributes(body)
    if extra:
        changes["extra"] = extra
    updated = req.cloud.projects.update(project.id, changes)
    return json_response({"project": views.project(req.base_url, updated)})


def delete_project(req: ApiRequest) -> Response:
    if domain := domain_projects.domain_instead(req):
        return domain_projects.delete(req, domain)
    req.cloud.projects.delete(_load(req).id)
    return empty_response(204)


# -- tags ----------------------------------------------------------------------------------
def list_project_tags(req: ApiRequest) -> Response:
    return json_response(views.tags(req.base_url, _load(req)))


def replace_project_tags(req: ApiRequest) -> Response:
    project = _load(req)
    tags = parse(TagsBody, req.json()).tags
    req.cloud.projects.set_tags(project.id, tags)
    return json_response(views.tags(req.base_url, req.cloud.projects.get(project.id)))


def clear_project_tags(req: ApiRequest) -> Response:
    req.cloud.projects.set_tags(_load(req).id, [])
    return empty_response(204)


def check_project_tag(req: ApiRequest) -> Response:
    req.cloud.projects.check_tag(_load(req).id, req.params["tag"])
    return empty_response(204)


def add_project_tag(req: ApiRequest) -> Response:
    project = _load(req)
    tag = req.cloud.projects.add_tag(project.id, req.params["tag"])
    location = f"{req.base_url}/v3/projects/{project.id}/tags/{quote(tag, safe='')}"
    return empty_response(201, {"Location": location})


def delete_project_tag(req: ApiRequest) -> Response:
    req.cloud.projects.remove_tag(_load(req).id, req.params["tag"])
    return empty_response(204)


E = Endpoint
TAGS = "/v3/projects/{project_id}/tags"
ROUTES: list[Endpoint] = [
    E("GET", "/v3/projects", list_projects, "identity:projects:list"),
    E("POST", "/v3/projects", create_project, "identity:projects:create"),
    E("GET", "/v3/projects/{project_id}", get_project, "identity:projects:get"),
    E("PATCH", "/v3/projects/{project_id}", update_project, "identity:projects:update"),
    E("DELETE", "/v3/projects/{project_id}", delete_project, "identity:projects:delete"),
    E("GET", TAGS, list_project_tags, "identity:project_tags:list"),
    E("PUT", TAGS, replace_project_tags, "identity:project_tags:update"),
    E("DELETE", TAGS, clear_project_tags, "identity:project_tags:delete"),
    E("GET", TAGS + "/{tag}", check_project_tag, "identity:project_tags:get"),
    E("PUT", TAGS + "/{tag}", add_project_tag, "identity:project_tags:create"),
    E("DELETE", TAGS + "/{tag}", delete_project_tag, "identity:project_tags:delete"),
]
