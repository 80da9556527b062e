"""The Compute v2.1 route table (paths relative to /compute/v2.1): handler modules keep their
rows in ``ROUTES``; this module puts them together."""

from __future__ import annotations

from dataclasses import replace

from starlette.responses import Response

from pocketstack.api.common.routing import ApiRequest, Endpoint, Handler
from pocketstack.api.compute_v21 import versions
from pocketstack.api.compute_v21.handlers import (
    aggregates,
    availability_zones,
    extensions,
    external_events,
    fault_injection,
    flavor_access,
    flavor_extra_specs,
    flavors,
    hosts,
    hypervisors,
    image_proxy,
    instance_actions,
    interfaces,
    keypairs,
    limits,
    migrations,
    network_proxies,
    quotas,
    security_groups,
    server_actions,
    server_groups,
    server_info,
    server_metadata,
    server_migrations,
    server_shares,
    server_tags,
    server_topology,
    servers,
    services,
    usage,
    usage_audit,
)
from pocketstack.api.compute_v21.request import check_query

# 2.102: the GET APIs whose query schema Nova left open until then (any parameter ignored)
# and closed with no parameter at all; from 2.102 any query parameter is a 400, checked
# before the policy and before the object is looked up, as Nova's decorators do. The other
# GET APIs check their own parameters (most from 2.75, see ``check_query``).
QUERY_CLOSED_AT_2_102 = frozenset(
    {
        "/os-aggregates",
        "/os-aggregates/{aggregate_id}",
        "/servers/{server_id}/os-interface",
        "/servers/{server_id}/os-interface/{port_id}",
        "/os-availability-zone",
        "/os-availability-zone/detail",
        "/extensions",
        "/extensions/{alias}",
        "/flavors/{flavor_id}",
        "/flavors/{flavor_id}/os-flavor-access",
        "/flavors/{flavor_id}/os-extra_specs",
        "/flavors/{flavor_id}/os-extra_specs/{key}",
        "/servers/{server_id}/os-instance-actions/{request_id}",
        "/os-instance_usage_audit_log",
        "/os-instance_usage_audit_log/{before}",
        "/servers/{server_id}/ips",
        "/servers/{server_id}/ips/{network}",
        "/os-quota-class-sets/{class_name}",
        "/os-quota-sets/{project_id}/defaults",
        "/servers/{server_id}/os-security-groups",
        "/servers/{server_id}/diagnostics",
        "/os-server-groups/{group_id}",
        "/servers/{server_id}/metadata",
        "/servers/{server_id}/metadata/{key}",
        "/servers/{server_id}/migrations",
        "/servers/{server_id}/migrations/{migration_id}",
        "/servers/{server_id}/os-server-password",
        "/servers/{server_id}/tags",
        "/servers/{server_id}/tags/{tag}",
        "/servers/{server_id}/topology",
        "/servers/{server_id}",
    }
)


def _closed_query(handler: Handler) -> Handler:
    def checked(req: ApiRequest) -> Response:
        check_query(req, (), gate="query.strict_everywhere")
        return handler(req)  # type: ignore[return-value] # these handlers are plain functions

    return checked


def _with_2_102_query_check(endpoints: list[Endpoint]) -> list[Endpoint]:
    return [
        replace(e, handler=_closed_query(e.handler))
        if e.method == "GET" and e.path in QUERY_CLOSED_AT_2_102
        else e
        for e in endpoints
    ]


_ROUTES: list[Endpoint] = [
    Endpoint("GET", "/", versions.show_version, None, authenticated=False),
    *servers.ROUTES,
    *server_actions.ROUTES,
    *server_metadata.ROUTES,
    *server_tags.ROUTES,
    *instance_actions.ROUTES,
    *flavors.ROUTES,
    *flavor_access.ROUTES,
    *flavor_extra_specs.ROUTES,
    *keypairs.ROUTES,
    *server_groups.ROUTES,
    *server_info.ROUTES,
    *interfaces.ROUTES,
    *quotas.ROUTES,
    *limits.ROUTES,
    *extensions.ROUTES,
    *hypervisors.ROUTES,
    *services.ROUTES,
    *aggregates.ROUTES,
    *availability_zones.ROUTES,
    *migrations.ROUTES,
    *usage.ROUTES,
    *network_proxies.ROUTES,
    *security_groups.ROUTES,
    *fault_injection.ROUTES,
    *hosts.ROUTES,
    *image_proxy.ROUTES,
    *usage_audit.ROUTES,
    *server_migrations.ROUTES,
    *server_topology.ROUTES,
    *server_shares.ROUTES,
    *external_events.ROUTES,
]
ROUTES = _with_2_102_query_check(_ROUTES)
