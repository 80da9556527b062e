"""The Compute v2.1 route table (paths relative to /compute/v2.1): handler modules keep their
rows in ``ROUTES``; this module puts them together."""

from __future__ import annotations

from pocketstack.api.common.routing import Endpoint
from pocketstack.api.compute_v21 import versions
from pocketstack.api.compute_v21.handlers import (
    aggregates,
    availability_zones,
    extensions,
    fault_injection,
    flavor_access,
    flavor_extra_specs,
    flavors,
    hypervisors,
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
    server_tags,
    servers,
    services,
    usage,
)

ROUTES: list[Endpoint] = [
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
]
