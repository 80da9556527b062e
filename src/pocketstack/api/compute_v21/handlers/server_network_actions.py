"""Compute v2.1 server actions on a server's network, served over the network service as Nova
serves them over Neutron: ``addSecurityGroup`` / ``removeSecurityGroup`` (every microversion)
and ``addFloatingIp`` / ``removeFloatingIp`` (up to 2.43; from 2.44 a 404, as Nova). Each
answers 202 with no body. The work is in core/compute/server_security_groups.py and
server_floating_ips.py."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response
from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.common.validation import Wire
from pocketstack.api.compute_v21.request import body
from pocketstack.api.compute_v21.schemas import network_proxies as schemas
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.core.compute.server_floating_ips import ServerFloatingIps
from pocketstack.core.compute.server_security_groups import ServerSecurityGroups
from pocketstack.core.errors import BadRequest, NotFound

P = "os_compute_api:"
# wire action -> (policy rule, body schema, the gate of the microversions that have it)
ACTIONS: dict[str, tuple[str, type[Wire], str | None]] = {
    "addSecurityGroup": ("os-security-groups:add", schemas.AddSecurityGroup, None),
    "removeSecurityGroup": ("os-security-groups:remove", schemas.RemoveSecurityGroup, None),
    "addFloatingIp": ("os-floating-ips:add", schemas.AddFloatingIp, "server.floating_ip_actions"),
    "removeFloatingIp": ("os-floating-ips:remove", schemas.RemoveFloatingIp, "server.floating_ip_actions"),
}


def network_action(req: ApiRequest, wire: str, raw: object) -> Response:
    """As Nova: the microversion, then the body, then the server (404), then the rule."""
    rule, schema, gate = ACTIONS[wire]
    if gate is not None and not gated(req, gate):
        raise NotFound("resource", req.request.url.path, message="The resource could not be found.")
    value = body(req, schema, {wire: raw}).value  # type: ignore[attr-defined]
    server = req.cloud.servers.get(req.ctx, req.params["server_id"])
    req.cloud.policy.enforce(P + rule, req.ctx, {"project_id": server.project_id})
    if wire in ("addSecurityGroup", "removeSecurityGroup"):
        if not value.name.strip():
            raise BadRequest("Security group name cannot be empty")
        groups = ServerSecurityGroups(req.cloud.network)
        change = groups.add if wire == "addSecurityGroup" else groups.remove
        change(req.ctx, server.id, value.name)
    elif wire == "addFloatingIp":
        ServerFloatingIps(req.cloud.network).add(req.ctx, server.id, value.address, value.fixed_address)
    else:
        ServerFloatingIps(req.cloud.network).remove(req.ctx, server.id, value.address)
    return empty_response(202)
