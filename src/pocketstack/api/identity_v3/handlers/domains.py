"""/v3/domains: list, create, show, update, delete."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.common.validation import parse, query_bool
from pocketstack.api.identity_v3.schemas.domains import (
    DomainCreateBody,
    DomainUpdateBody,
    check_matching_id,
    extra_attributes,
    given,
    resource_name,
)
from pocketstack.api.identity_v3.schemas.projects import NAME_MAX
from pocketstack.api.identity_v3.views import domains as views
from pocketstack.core.errors import NotFound
from pocketstack.store.models import Domain

RESERVED_EXTRA = frozenset({"tags", "domain_id", "parent_id", "is_domain"})


def _load(req: ApiRequest) -> Domain:
    """The domain in the path. Policy is checked first, so a caller who may not see domains
    learns nothing about which ids exist (403, not 404)."""
    domain_id = req.params["domain_id"]
    domain = req.cloud.domains.find(domain_id)
    req.enforce({"domain_id": domain.id} if domain else {})
    if domain is None:
        raise NotFound("domain", domain_id, code="identity.domain.not_found")
    return domain


def list_domains(req: ApiRequest) -> Response:
    # COMPAT: as in Keystone, a domain-scoped token sees its own domain only.
    scope = req.ctx.domain_id
    req.enforce({"domain_id": scope} if scope else {})
    items = req.cloud.domains.list(
        name=req.query.get("name"), enabled=query_bool(req.query.get("enabled")), only_id=scope
    )
    return json_response(views.domains(req.base_url, items))


def create_domain(req: ApiRequest) -> Response:
    req.enforce({})
    body = parse(DomainCreateBody, req.json()).domain
    domain = req.cloud.domains.create(
        name=resource_name(body.name, "domain", NAME_MAX),
        description=body.description or "",
        enabled=body.enabled,
        options=body.options,
        extra=extra_attributes(body, RESERVED_EXTRA),
        domain_id=body.explicit_domain_id,
    )
    return json_response({"domain": views.domain(req.base_url, domain)}, 201)


def get_domain(req: ApiRequest) -> Response:
    return json_response({"domain": views.domain(req.base_url, _load(req))})


def update_domain(req: ApiRequest) -> Response:
    domain = _load(req)
    body = parse(DomainUpdateBody, req.json()).domain
    check_matching_id(body, domain.id, "domain")
    changes = given(body, nullable=frozenset({"description"}))
    if "name" in changes:
        changes["name"] = resource_name(changes["name"], "domain", NAME_MAX)
    if "description" in changes:
        changes["description"] = changes["description"] or ""
    extra = extra_attributes(body, RESERVED_EXTRA)
    if extra:
        changes["extra"] = extra
    updated = req.cloud.domains.update(domain.id, changes)
    return json_response({"domain": views.domain(req.base_url, updated)})


def delete_domain(req: ApiRequest) -> Response:
    req.cloud.domains.delete(_load(req).id)
    return empty_response(204)


ROUTES: list[Endpoint] = [
    Endpoint("GET", "/v3/domains", list_domains, "identity:domains:list"),
    Endpoint("POST", "/v3/domains", create_domain, "identity:domains:create"),
    Endpoint("GET", "/v3/domains/{domain_id}", get_domain, "identity:domains:get"),
    Endpoint("PATCH", "/v3/domains/{domain_id}", update_domain, "identity:domains:update"),
    Endpoint("DELETE", "/v3/domains/{domain_id}", delete_domain, "identity:domains:delete"),
]
