"""Servers as Nova shows them, per microversion."""

from __future__ import annotations

import hashlib
from typing import Any

from pocketstack.api.common.responses import isotime
from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.compute_v21.request import at_least
from pocketstack.api.compute_v21.versions import compute_root
from pocketstack.core.compute.states import status_of
from pocketstack.store.compute_models import Server

_PROGRESS_SHOWN = {"ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING"}


def links(req: ApiRequest, kind: str, ident: str) -> list[dict[str, str]]:
    return [
        {"rel": "self", "href": f"{req.base_url}/{kind}/{ident}"},
        {"rel": "bookmark", "href": f"{compute_root(req.base_url)}/{kind}/{ident}"},
    ]


def host_id(server: Server) -> str:
    """Nova's opaque per-project host identifier."""
    if not server.host:
        return ""
    return hashlib.sha224((server.project_id + server.host).encode()).hexdigest()


def addresses(server: Server) -> dict[str, list[dict[str, Any]]]:
    return {
        net: [
            {
                "version": a["version"],
                "addr": a["addr"],
                "OS-EXT-IPS:type": a["type"],
                "OS-EXT-IPS-MAC:mac_addr": a["mac"],
            }
            for a in entries
        ]
        for net, entries in (server.addresses or {}).items()
    }


def _flavor(req: ApiRequest, server: Server, admin: bool) -> dict[str, Any]:
    f = server.flavor
    if not at_least(req, 2, 47):
        return {"id": f["id"], "links": [links(req, "flavors", f["id"])[1]]}
    out = {
        "vcpus": f["vcpus"],
        "ram": f["ram"],
        "disk": f["disk"],
        "ephemeral": f["ephemeral"],
        "swap": f["swap"],
        "original_name": f["name"],
    }
    if req.cloud.policy.check("os_compute_api:os-flavor-extra-specs:index", req.ctx, {}):
        out["extra_specs"] = f.get("extra_specs") or {}
    return out


def fault(server: Server, admin: bool) -> dict[str, Any] | None:
    if not server.fault or server.vm_state not in ("error", "deleted"):
        return None
    out = {
        "code": server.fault["code"],
        "message": server.fault["message"],
        "created": server.fault["created"],
    }
    if admin:
        out["details"] = server.fault.get("details", "")
    return out


def summary(req: ApiRequest, server: Server) -> dict[str, Any]:
    return {"id": server.id, "name": server.name, "links": links(req, "servers", server.id)}


def detail(
    req: ApiRequest,
    server: Server,
    *,
    zone: str | None,
    tags: list[str],
    groups: list[str] | None = None,
    host_status: str | None = None,
) -> dict[str, Any]:
    admin = "admin" in req.ctx.roles
    status = status_of(server.vm_state, server.task_state)
    body: dict[str, Any] = {
        "id": server.id,
        "name": server.name,
        "status": status,
        "tenant_id": server.project_id,
        "user_id": server.user_id,
        "metadata": dict(server.metadata_ or {}),
        "hostId": host_id(server),
        "image": {"id": server.image_id, "links": [links(req, "images", server.image_id)[1]]}
        if server.image_id
        else "",
        "flavor": _flavor(req, server, admin),
        "created": isotime(server.created_at, micros=False),
        "updated": isotime(server.updated_at, micros=False),
        "addresses": addresses(server),
        "accessIPv4": server.access_ipv4 or "",
        "accessIPv6": server.access_ipv6 or "",
        "links": links(req, "servers", server.id),
        "OS-DCF:diskConfig": "MANUAL",
        "OS-EXT-AZ:availability_zone": zone or "",
        "config_drive": server.config_drive,
        "key_name": server.key_name,
        "OS-SRV-USG:launched_at": isotime(server.launched_at),
        "OS-SRV-USG:terminated_at": isotime(server.terminated_at),
        "security_groups": [{"name": "default"}] if server.addresses else [],
        "OS-EXT-STS:task_state": server.task_state,
        "OS-EXT-STS:vm_state": server.vm_state,
        "OS-EXT-STS:power_state": server.power_state,
        "os-extended-volumes:volumes_attached": [],
    }
    if status in _PROGRESS_SHOWN:
        body["progress"] = 100 if status == "ACTIVE" else 0
    if admin:
        body["OS-EXT-SRV-ATTR:host"] = server.host
        body["OS-EXT-SRV-ATTR:hypervisor_hostname"] = server.host
        body["OS-EXT-SRV-ATTR:instance_name"] = f"instance-{server.id[:8]}"
        if at_least(req, 2, 3):
            body.update(
                {
                    "OS-EXT-SRV-ATTR:reservation_id": server.reservation_id,
                    "OS-EXT-SRV-ATTR:launch_index": server.launch_index,
                    "OS-EXT-SRV-ATTR:kernel_id": "",
                    "OS-EXT-SRV-ATTR:ramdisk_id": "",
                    "OS-EXT-SRV-ATTR:root_device_name": "/dev/vda",
                    "OS-EXT-SRV-ATTR:user_data": server.user_data,
                }
            )
    if (admin and at_least(req, 2, 3)) or at_least(req, 2, 90):
        body["OS-EXT-SRV-ATTR:hostname"] = server.hostname
    fault_body = fault(server, admin)
    if fault_body:
        body["fault"] = fault_body
    if at_least(req, 2, 9):
        body["locked"] = server.locked
    if at_least(req, 2, 16) and host_status is not None:
        body["host_status"] = host_status
    if at_least(req, 2, 19):
        body["description"] = server.description
    if at_least(req, 2, 26):
        body["tags"] = tags
    if at_least(req, 2, 63):
        body["trusted_image_certificates"] = None
    if at_least(req, 2, 71) and groups is not None:
        body["server_groups"] = groups
    if at_least(req, 2, 73):
        body["locked_reason"] = server.locked_reason
    if at_least(req, 2, 96):
        body["pinned_availability_zone"] = server.requested_zone
    return body
