"""GET /os-availability-zone and /os-availability-zone/detail.

Zones are the root placements that hold hosts (see ``core/placement/zones.py``). As in Nova, a
zone is available while at least one of its compute services is enabled; the summary hides the
``internal`` zone of the control services and lists no hosts; the detail (admin) lists, per
host, its enabled services, and no hosts for a zone that is not available.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.views.services import nova_time
from pocketstack.core.placement.zones import INTERNAL_ZONE, Zone

P = "os_compute_api:os-availability-zone:"


def _ordered(zones: list[Zone]) -> list[Zone]:
    """Available zones by name, then the others by name."""
    return [z for z in zones if z.available] + [z for z in zones if not z.available]


def _summary(zone: Zone) -> dict[str, Any]:
    return {"zoneName": zone.name, "zoneState": {"available": zone.available}, "hosts": None}


def _detail(zone: Zone) -> dict[str, Any]:
    if not zone.available:
        return _summary(zone)
    hosts: dict[str, dict[str, Any]] = {}
    for host, services in zone.hosts.items():
        enabled = {
            svc.binary: {"available": svc.up, "active": svc.enabled, "updated_at": nova_time(svc.updated_at)}
            for svc in services
            if svc.enabled
        }
        if enabled:
            hosts[host] = enabled
    return {"zoneName": zone.name, "zoneState": {"available": True}, "hosts": hosts}


def list_zones(req: ApiRequest) -> Response:
    req.enforce()
    zones = [z for z in _ordered(req.cloud.zones.zones()) if z.name != INTERNAL_ZONE]
    return json_response({"availabilityZoneInfo": [_summary(z) for z in zones]})


def list_zones_detail(req: ApiRequest) -> Response:
    req.enforce()
    return json_response({"availabilityZoneInfo": [_detail(z) for z in _ordered(req.cloud.zones.zones())]})


ROUTES: list[Endpoint] = [
    Endpoint("GET", "/os-availability-zone", list_zones, f"{P}list"),
    Endpoint("GET", "/os-availability-zone/detail", list_zones_detail, f"{P}detail"),
]
