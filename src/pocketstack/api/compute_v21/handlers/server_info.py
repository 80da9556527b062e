"""Compute v2.1: a server's ips, diagnostics, password and remote consoles."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.api.compute_v21.views.servers import addresses
from pocketstack.core.compute import nics
from pocketstack.core.errors import NotFound

P = "os_compute_api:"


def _server(req: ApiRequest, rule: str) -> Any:
    server = req.cloud.servers.get(req.ctx, req.params["server_id"])
    req.cloud.policy.enforce(P + rule, req.ctx, {"project_id": server.project_id})
    return server


def _addresses(req: ApiRequest, server: Any) -> dict[str, list[dict[str, Any]]]:
    """As Nova's ips API: each address's ``version`` and ``addr`` only."""
    with req.cloud.db.read() as s:
        shown = addresses(nics.attachments(s, [server.id])[server.id])
    return {
        net: [{"version": a["version"], "addr": a["addr"]} for a in entries] for net, entries in shown.items()
    }


def list_ips(req: ApiRequest) -> Response:
    return json_response({"addresses": _addresses(req, _server(req, "ips:index"))})


def show_network_ips(req: ApiRequest) -> Response:
    nets = _addresses(req, _server(req, "ips:show"))
    name = req.params["network"]
    if name not in nets:
        raise NotFound("network", name, message="There are no interfaces on this network.")
    return json_response({name: nets[name]})


def diagnostics(req: ApiRequest) -> Response:
    server = _server(req, "os-server-diagnostics")
    data = req.cloud.server_actions.diagnostics(req.ctx, server.id)
    if not gated(req, "server.diagnostics_standard"):
        return json_response(
            {"cpu0_time": 17300000000, "memory": data["memory_details"]["maximum"] * 1024 * 1024}
        )
    return json_response(data)


def show_password(req: ApiRequest) -> Response:
    _server(req, "os-server-password:show")
    return json_response({"password": ""})


def clear_password(req: ApiRequest) -> Response:
    server = _server(req, "os-server-password:clear")
    req.cloud.servers.update(req.ctx, server.id, {"admin_password_set": False})
    return empty_response(204)


def create_console(req: ApiRequest) -> Response:
    _server(req, "os-remote-consoles")
    req.cloud.server_actions.require("remote_console", "remote consoles")
    return empty_response(204)  # not reached by a driver without consoles


ROUTES = [
    Endpoint("GET", "/servers/{server_id}/ips", list_ips, P + "ips:index"),
    Endpoint("GET", "/servers/{server_id}/ips/{network}", show_network_ips, P + "ips:show"),
    Endpoint("GET", "/servers/{server_id}/diagnostics", diagnostics, P + "os-server-diagnostics"),
    Endpoint("GET", "/servers/{server_id}/os-server-password", show_password, P + "os-server-password:show"),
    Endpoint(
        "DELETE", "/servers/{server_id}/os-server-password", clear_password, P + "os-server-password:clear"
    ),
    Endpoint("POST", "/servers/{server_id}/remote-consoles", create_console, P + "os-remote-consoles"),
]
