"""os-hypervisors bodies as Nova renders them, per microversion.

Fields come and go with versions: ``cpu_info`` is a JSON string below 2.28 and an object from
it; from 2.53 ids are UUIDs and ``servers`` may be asked for; 2.88 drops the capacity and usage
fields (placement's business in Nova) and adds ``uptime``.
"""

from __future__ import annotations

from typing import Any

import orjson

from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.api.compute_v21.views.services import service_id
from pocketstack.core.placement.hosts import HostRecord, short_id

# COMPAT: drivers report no version; Nova's fake driver says 1000 (1.0), and so do we.
HYPERVISOR_VERSION = 1000
_TYPES = {"qemu": "QEMU", "kvm": "QEMU"}


def hypervisor_id(req: ApiRequest, ident: str) -> str | int:
    return ident if gated(req, "hypervisor.uuid_ids") else short_id(ident)


def cpu_info(rec: HostRecord) -> dict[str, Any]:
    arch = (rec.host.traits or {}).get("architecture")
    return {"arch": arch} if arch else {}


def hypervisor(
    req: ApiRequest,
    rec: HostRecord,
    *,
    detail: bool,
    servers: list[tuple[str, str]] | None = None,
    uptime: str | None = None,
) -> dict[str, Any]:
    """One hypervisor; ``servers`` (id, name) when they were asked for."""
    host = rec.host
    body: dict[str, Any] = {
        "id": hypervisor_id(req, host.id),
        "hypervisor_hostname": host.name,
        "state": "down" if host.forced_down else "up",
        "status": "enabled" if host.enabled else "disabled",
    }
    if detail:
        kind = (host.traits or {}).get("hypervisor_type") or host.driver
        body |= {
            "hypervisor_type": _TYPES.get(kind, kind),
            "hypervisor_version": HYPERVISOR_VERSION,
            "host_ip": host.host_ip,
            "service": {
                "id": service_id(req, host.service_id),
                "host": host.name,
                "disabled_reason": host.disabled_reason,
            },
        }
        if gated(req, "hypervisor.uptime_in_detail"):
            body["uptime"] = uptime
        else:
            body |= capacity(rec)
            info = cpu_info(rec)
            body["cpu_info"] = (
                info if gated(req, "hypervisor.cpu_info_object") else orjson.dumps(info).decode()
            )
    if servers:
        body["servers"] = [{"name": name, "uuid": ident} for ident, name in servers]
    elif servers is not None and gated(req, "hypervisor.empty_servers_shown"):
        body["servers"] = []  # COMPAT: from 2.75 an asked-for empty list is shown, not left out
    return body


def capacity(rec: HostRecord, count: int | None = None) -> dict[str, Any]:
    """Nova's capacity fields: raw totals, ``*_used`` including what is reserved for the host."""
    body = {
        "vcpus": rec.host.vcpus,
        "memory_mb": rec.host.memory_mb,
        "local_gb": rec.host.disk_gb,
        "vcpus_used": rec.vcpus_used,
        "memory_mb_used": rec.memory_mb_used,
        "local_gb_used": rec.disk_gb_used,
        "free_ram_mb": rec.free_memory_mb,
        "free_disk_gb": rec.free_disk_gb,
        "current_workload": rec.busy,
        "running_vms": rec.servers,
        "disk_available_least": rec.free_disk_gb,
    }
    if count is not None:
        body["count"] = count
    return body
