"""Compute v2.1 security groups: the ``os-security-groups`` and ``os-security-group-rules``
proxies (up to 2.35; 404 from 2.36, as Nova) and a server's groups,
``GET /servers/{server_id}/os-security-groups`` (every microversion). The work is in
core/compute/security_group_proxy.py and server_security_groups.py."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.handlers.network_proxies import gate
from pocketstack.api.compute_v21.request import MAX_LIMIT, body, query_int
from pocketstack.api.compute_v21.schemas.network_proxies import SecurityGroupBody, SecurityGroupRuleBody
from pocketstack.api.compute_v21.views import network_proxies as views
from pocketstack.core.compute.security_group_proxy import SecurityGroupProxy
from pocketstack.core.compute.server_security_groups import ServerSecurityGroups

P = "os_compute_api:os-security-groups:"


def _proxy(req: ApiRequest) -> SecurityGroupProxy:
    gate(req)
    return SecurityGroupProxy(req.cloud.network)


def list_groups(req: ApiRequest) -> Response:
    """COMPAT: Nova's ``offset`` and ``limit`` (0 or none: MAX_LIMIT) slice the list before it
    is sorted by project and name; ``all_tenants`` lists every project's groups to admins."""
    proxy = _proxy(req)
    offset = query_int(req, "offset", maximum=None) or 0
    limit = min(query_int(req, "limit", maximum=None) or MAX_LIMIT, MAX_LIMIT)
    groups = proxy.list(req.ctx, "all_tenants" in req.query, offset, limit)
    return json_response({"security_groups": [views.security_group(g) for g in groups]})


def show_group(req: ApiRequest) -> Response:
    group = _proxy(req).get(req.ctx, req.params["security_group_id"])
    return json_response({"security_group": views.security_group(group)})


def create_group(req: ApiRequest) -> Response:
    proxy = _proxy(req)
    new = body(req, SecurityGroupBody).security_group
    group = proxy.create(req.ctx, new.name, new.description)
    return json_response({"security_group": views.security_group(group)})


def update_group(req: ApiRequest) -> Response:
    proxy = _proxy(req)
    new = body(req, SecurityGroupBody).security_group
    group = proxy.update(req.ctx, req.params["security_group_id"], new.name, new.description)
    return json_response({"security_group": views.security_group(group)})


def delete_group(req: ApiRequest) -> Response:
    _proxy(req).delete(req.ctx, req.params["security_group_id"])
    return empty_response(202)


def create_rule(req: ApiRequest) -> Response:
    proxy = _proxy(req)
    new = body(req, SecurityGroupRuleBody).security_group_rule
    given = new.model_dump(include={"ip_protocol", "from_port", "to_port", "cidr"})
    rule = proxy.create_rule(req.ctx, new.parent_group_id, new.group_id, given)
    return json_response({"security_group_rule": views.rule(rule)})


def delete_rule(req: ApiRequest) -> Response:
    _proxy(req).delete_rule(req.ctx, req.params["security_group_rule_id"])
    return empty_response(202)


def list_server_groups(req: ApiRequest) -> Response:
    server = req.cloud.servers.get(req.ctx, req.params["server_id"])
    req.enforce({"project_id": server.project_id})
    groups = ServerSecurityGroups(req.cloud.network).list(req.ctx, server.id)
    return json_response({"security_groups": [views.security_group(g) for g in groups]})


ROUTES: list[Endpoint] = [
    Endpoint("GET", "/os-security-groups", list_groups, P + "get"),
    Endpoint("POST", "/os-security-groups", create_group, P + "create"),
    Endpoint("GET", "/os-security-groups/{security_group_id}", show_group, P + "show"),
    Endpoint("PUT", "/os-security-groups/{security_group_id}", update_group, P + "update"),
    Endpoint("DELETE", "/os-security-groups/{security_group_id}", delete_group, P + "delete"),
    Endpoint("POST", "/os-security-group-rules", create_rule, P + "rule:create"),
    Endpoint("DELETE", "/os-security-group-rules/{security_group_rule_id}", delete_rule, P + "rule:delete"),
    Endpoint("GET", "/servers/{server_id}/os-security-groups", list_server_groups, P + "list"),
]
