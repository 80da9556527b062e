"""The Network v2 route table (paths relative to /network): handler modules keep their rows in
``ROUTES``; this module puts them together."""

from __future__ import annotations

from pocketstack.api.common.routing import Endpoint
from pocketstack.api.network_v2 import versions
from pocketstack.api.network_v2.handlers import (
    agents,
    auto_topology,
    extensions,
    port_forwardings,
    quotas,
    resources,
    routers,
)

ROUTES: list[Endpoint] = [
    Endpoint("GET", "/", versions.list_versions, None, authenticated=False),
    Endpoint("GET", "/v2.0", versions.show_version, None, authenticated=False),
    Endpoint("GET", "/v2.0/", versions.show_version, None, authenticated=False),
    *resources.ROUTES,
    *routers.ROUTES,
    *port_forwardings.ROUTES,
    *quotas.ROUTES,
    *auto_topology.ROUTES,
    *agents.ROUTES,
    *extensions.ROUTES,
]
