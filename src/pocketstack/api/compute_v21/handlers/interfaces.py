"""Compute v2.1: /servers/{id}/os-interface, a server's ports (attach, list, show, detach)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.request import body, check_gated
from pocketstack.api.compute_v21.schemas.interfaces import ATTACH_GATES, AttachRequest
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.core.compute import nics
from pocketstack.core.compute.nics import Attachment

P = "os_compute_api:os-attach-interfaces"


def _server(req: ApiRequest, action: str) -> Any:
    server = req.cloud.servers.get(req.ctx, req.params["server_id"])
    req.cloud.policy.enforce(f"{P}:{action}", req.ctx, {"project_id": server.project_id})
    return server


def _view(req: ApiRequest, a: Attachment) -> dict[str, Any]:
    out: dict[str, Any] = {
        "port_state": a.status,
        "fixed_ips": [{"subnet_id": subnet, "ip_address": address} for subnet, address in a.fixed_ips],
        "port_id": a.port_id,
        "net_id": a.network_id,
        "mac_addr": a.mac,
    }
    if gated(req, "interface.tag_shown"):
        out["tag"] = a.tag
    return out


def _attachments(req: ApiRequest, server_id: str) -> list[Attachment]:
    with req.cloud.db.read() as s:
        return nics.attachments(s, [server_id])[server_id]


def list_interfaces(req: ApiRequest) -> Response:
    server = _server(req, "list")
    return json_response({"interfaceAttachments": [_view(req, a) for a in _attachments(req, server.id)]})


def show_interface(req: ApiRequest) -> Response:
    server = _server(req, "show")
    port_id = req.params["port_id"]
    found = next((a for a in _attachments(req, server.id) if a.port_id == port_id), None)
    if found is None:
        raise nics.not_attached(port_id)
    return json_response({"interfaceAttachment": _view(req, found)})


def attach_interface(req: ApiRequest) -> Response:
    server = _server(req, "create")
    doc = body(req, AttachRequest).interfaceAttachment
    given = doc.model_fields_set if doc is not None else set()
    check_gated(req, given, ATTACH_GATES)
    port_id = req.cloud.server_actions.attach_interface(
        req.ctx,
        server.id,
        net_id=doc.net_id if doc else None,
        port_id=doc.port_id if doc else None,
        fixed_ips=[ip.ip_address for ip in doc.fixed_ips or []] if doc else [],
        tag=doc.tag if doc else None,
    )
    found = next(a for a in _attachments(req, server.id) if a.port_id == port_id)
    return json_response({"interfaceAttachment": _view(req, found)})


def detach_interface(req: ApiRequest) -> Response:
    server = _server(req, "delete")
    req.cloud.server_actions.detach_interface(req.ctx, server.id, req.params["port_id"])
    return empty_response(202)


ROUTES = [
    Endpoint("GET", "/servers/{server_id}/os-interface", list_interfaces, f"{P}:list"),
    Endpoint("POST", "/servers/{server_id}/os-interface", attach_interface, f"{P}:create"),
    Endpoint("GET", "/servers/{server_id}/os-interface/{port_id}", show_interface, f"{P}:show"),
    Endpoint("DELETE", "/servers/{server_id}/os-interface/{port_id}", detach_interface, f"{P}:delete"),
]
