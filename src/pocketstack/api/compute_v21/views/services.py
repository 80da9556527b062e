"""os-services bodies as Nova renders them, per microversion; and Nova's way of writing times,
which the other operator views share."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.core.placement.hosts import short_id
from pocketstack.core.placement.services import ServiceRecord

# COMPAT: Nova serialises these times naive, with microseconds and no zone.
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def nova_time(when: datetime | None) -> str | None:
    return None if when is None else when.strftime(_TIME_FORMAT)


def service_id(req: ApiRequest, ident: str) -> str | int:
    """The UUID from 2.53; below, the integer that stands for it (see ``short_id``)."""
    return ident if gated(req, "service.uuid_ids") else short_id(ident)


def service(req: ApiRequest, svc: ServiceRecord) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": service_id(req, svc.id),
        "binary": svc.binary,
        "host": svc.host,
        "zone": svc.zone,
        "status": "disabled" if svc.disabled else "enabled",
        "state": "up" if svc.up else "down",
        "updated_at": nova_time(svc.updated_at),
        "disabled_reason": svc.disabled_reason,
    }
    if gated(req, "service.forced_down"):
        body["forced_down"] = svc.forced_down
    return body


def legacy_update(host: str, binary: str, **fields: Any) -> dict[str, Any]:
    """The answer of the pre-2.53 actions: what was asked, not the whole service."""
    return {"service": {"host": host, "binary": binary, **fields}}
