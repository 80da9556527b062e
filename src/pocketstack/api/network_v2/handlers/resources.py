"""The resources (networks, subnets, ports, subnet pools, address scopes, routers, floating IPs,
security groups and their rules, RBAC policies) share one shape, as in Neutron: list, create (one
or in bulk), show, update, delete, and tags (rules are never updated; they and RBAC policies
have no tags). These handlers serve all of them from each resource's ``Spec`` and view; the
core enforces the policy rules named in the route table once it has loaded the resource (the
rules need its owner)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.network_v2 import attributes, l3_views, security_views, views
from pocketstack.api.network_v2.request import (
    Spec,
    body_items,
    fields,
    if_match,
    list_query,
    page_links,
    parse_document,
)
from pocketstack.core.errors import BadRequest, NotFound
from pocketstack.core.network.base import Item, ResourceService

View = Callable[[Item], dict[str, Any]]
RESOURCES: list[tuple[Spec, View]] = [
    (Spec("network", "networks", "networks", attributes.NETWORK), views.network),
    (Spec("subnet", "subnets", "subnets", attributes.SUBNET), views.subnet),
    (Spec("port", "ports", "ports", attributes.PORT), views.port),
    (Spec("subnetpool", "subnetpools", "subnetpools", attributes.SUBNETPOOL), views.subnetpool),
    (
        Spec("address_scope", "address_scopes", "address-scopes", attributes.ADDRESS_SCOPE),
        views.address_scope,
    ),
    (Spec("router", "routers", "routers", attributes.ROUTER), l3_views.router),
    (Spec("floatingip", "floatingips", "floatingips", attributes.FLOATINGIP), l3_views.floatingip),
    (
        Spec("security_group", "security_groups", "security-groups", attributes.SECURITY_GROUP),
        security_views.security_group,
    ),
    (
        Spec(
            "security_group_rule",
            "security_group_rules",
            "security-group-rules",
            attributes.SECURITY_GROUP_RULE,
            updatable=False,
            tagged=False,
        ),
        security_views.security_group_rule,
    ),
    (
        Spec("rbac_policy", "rbac_policies", "rbac-policies", attributes.RBAC_POLICY, tagged=False),
        security_views.rbac_policy,
    ),
]


def _service(req: ApiRequest, spec: Spec) -> ResourceService:
    return req.cloud.network.by_collection(spec.collection)


def list_items(spec: Spec, view: View, req: ApiRequest) -> Response:
    q = list_query(req, spec)
    items = _service(req, spec).list(req.ctx, q)
    wanted = fields(req)
    body: dict[str, Any] = {spec.collection: [views.only(view(i), wanted) for i in items]}
    links = page_links(req, spec, q, [i.row.id for i in items])
    if links:
        body[f"{spec.collection}_links"] = links
    return json_response(body)


def show_item(spec: Spec, view: View, req: ApiRequest) -> Response:
    item = _service(req, spec).get(req.ctx, req.params["id"])
    return json_response({spec.singular: views.only(view(item), fields(req))})


def create_item(spec: Spec, view: View, req: ApiRequest) -> Response:
    """201 with the new resource; a bulk create (``{"<collection>": [...]}``) makes all or none:
    when one fails, those made before it are deleted again."""
    documents, bulk = body_items(req, spec)
    wanted = [parse_document(spec, d, creating=True) for d in documents]
    service = _service(req, spec)
    made: list[Item] = []
    try:
        for attrs in wanted:
            made.append(service.create(req.ctx, attrs))
    except Exception:
        for item in reversed(made):
            service.delete(req.ctx, item.row.id)
        raise
    if bulk:
        return json_response({spec.collection: [view(i) for i in made]}, 201)
    return json_response({spec.singular: view(made[0])}, 201)


def update_item(spec: Spec, view: View, req: ApiRequest) -> Response:
    documents, bulk = body_items(req, spec)
    if bulk:
        raise BadRequest(f"Unable to find '{spec.singular}' in request body")
    attrs = parse_document(spec, documents[0], creating=False)
    item = _service(req, spec).update(req.ctx, req.params["id"], attrs, if_match(req))
    return json_response({spec.singular: view(item)})


def delete_item(spec: Spec, view: View, req: ApiRequest) -> Response:
    _service(req, spec).delete(req.ctx, req.params["id"], if_match(req))
    return empty_response(204)


# -- tags (standard-attr-tag) -----------------------------------------------------------------
def list_tags(spec: Spec, view: View, req: ApiRequest) -> Response:
    return json_response({"tags": _service(req, spec).tags(req.ctx, req.params["id"])})


def check_tag(spec: Spec, view: View, req: ApiRequest) -> Response:
    tag = req.params["tag"]
    if not _service(req, spec).has_tag(req.ctx, req.params["id"], tag):
        raise NotFound("tag", tag, code="network.tag.not_found", message=f"Tag {tag} could not be found.")
    return empty_response(204)


def replace_tags(spec: Spec, view: View, req: ApiRequest) -> Response:
    body = req.json()
    if not isinstance(body, dict) or set(body) != {"tags"}:
        raise BadRequest('The body must be {"tags": [...]}.')
    return json_response({"tags": _service(req, spec).replace_tags(req.ctx, req.params["id"], body["tags"])})


def add_tag(spec: Spec, view: View, req: ApiRequest) -> Response:
    _service(req, spec).add_tag(req.ctx, req.params["id"], req.params["tag"])
    return empty_response(201)


def remove_tags(spec: Spec, view: View, req: ApiRequest) -> Response:
    _service(req, spec).remove_tag(req.ctx, req.params["id"], None)
    return empty_response(204)


def remove_tag(spec: Spec, view: View, req: ApiRequest) -> Response:
    _service(req, spec).remove_tag(req.ctx, req.params["id"], req.params["tag"])
    return empty_response(204)


def _routes(spec: Spec, view: View) -> list[Endpoint]:
    base, one, name = f"/v2.0/{spec.path}", f"/v2.0/{spec.path}/{{id}}", spec.singular
    rows = [
        ("GET", base, list_items, f"get_{name}"),
        ("POST", base, create_item, f"create_{name}"),
        ("GET", one, show_item, f"get_{name}"),
        ("PUT", one, update_item, f"update_{name}"),
        ("DELETE", one, delete_item, f"delete_{name}"),
        ("GET", f"{one}/tags", list_tags, f"get_{name}:tags"),
        ("PUT", f"{one}/tags", replace_tags, f"update_{name}:tags"),
        ("DELETE", f"{one}/tags", remove_tags, f"delete_{name}:tags"),
        ("GET", f"{one}/tags/{{tag}}", check_tag, f"get_{name}:tags"),
        ("PUT", f"{one}/tags/{{tag}}", add_tag, f"update_{name}:tags"),
        ("DELETE", f"{one}/tags/{{tag}}", remove_tag, f"delete_{name}:tags"),
    ]
    served = [
        row
        for row in rows
        if (spec.updatable or row[0] != "PUT" or "/tags" in row[1]) and (spec.tagged or "/tags" not in row[1])
    ]
    # Networks and subnets are read from the network tables only (routing.Endpoint.cached).
    cached = ("network",) if spec.collection in ("networks", "subnets") else ()
    return [
        Endpoint(
            method,
            path,
            partial(handler, spec, view),
            rule,
            cached=cached if handler in (list_items, show_item) else (),
        )
        for method, path, handler, rule in served
    ]


ROUTES: list[Endpoint] = [route for spec, view in RESOURCES for route in _routes(spec, view)]
