"""Compute v2.1's proxies of the network service: ``os-networks``, ``os-tenant-networks``,
``os-floating-ip-pools`` and ``os-floating-ips`` (core/compute/network_proxy.py does the work).

Nova serves them up to microversion 2.35 only (``MAX_PROXY_API_SUPPORT_VERSION``): from 2.36
every one of them is a 404, as if it had never been. The nova-network writes of
``os-networks`` (create, add, delete, its actions) are gone at every version: 410.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.request import body
from pocketstack.api.compute_v21.schemas.network_proxies import FloatingIpBody
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.api.compute_v21.views import network_proxies as views
from pocketstack.core.compute.network_proxy import NetworkProxy, ProxyNetwork
from pocketstack.core.context import is_admin
from pocketstack.core.errors import BadRequest, NotFound, PocketstackError

P = "os_compute_api:"
# COMPAT: webob's words for a 410, which Nova answers for the removed nova-network calls.
GONE = "This resource is no longer available.  No forwarding address is given."
NETWORK_ACTIONS = ("disassociate", "associate_host", "disassociate_host", "disassociate_project")


class Gone(PocketstackError):
    status = 410
    code = "compute.api.gone"


def gate(req: ApiRequest) -> None:
    """A proxy's checks: 404 from 2.36, as Nova, then the route's rule (about the caller's
    own project: Nova's target for every proxy)."""
    if not gated(req, "network_proxy.api"):
        raise NotFound("resource", req.request.url.path, message="The resource could not be found.")
    req.enforce({"project_id": req.ctx.project_id})


def proxied(req: ApiRequest) -> NetworkProxy:
    gate(req)
    return NetworkProxy(req.cloud.network)


# -- os-networks ------------------------------------------------------------------------------
def list_networks(req: ApiRequest) -> Response:
    nets = proxied(req).networks_list(req.ctx)
    return json_response({"networks": [views.network(n, is_admin(req.ctx)) for n in nets]})


def show_network(req: ApiRequest) -> Response:
    net = proxied(req).network(req.ctx, req.params["network_id"])
    return json_response({"network": views.network(net, is_admin(req.ctx))})


# -- os-tenant-networks: the same networks in its three fields ---------------------------------
def _tenant_network(net: ProxyNetwork) -> dict[str, Any]:
    # COMPAT: Nova over Neutron shows the string "None" as every network's cidr; null says so.
    return {"id": net.id, "cidr": None, "label": net.label}


def list_tenant_networks(req: ApiRequest) -> Response:
    nets = proxied(req).networks_list(req.ctx)
    return json_response({"networks": [_tenant_network(n) for n in nets]})


def show_tenant_network(req: ApiRequest) -> Response:
    net = proxied(req).network(req.ctx, req.params["network_id"])
    return json_response({"network": _tenant_network(net)})


def network_gone(req: ApiRequest) -> Response:
    req.enforce({"project_id": req.ctx.project_id})
    raise Gone(GONE)


def network_action(req: ApiRequest) -> Response:
    req.enforce({"project_id": req.ctx.project_id})
    doc = req.json()
    if not isinstance(doc, dict) or len(doc) != 1:
        raise BadRequest("Malformed request body")
    (name,) = doc
    if name not in NETWORK_ACTIONS:
        raise BadRequest(f"There is no such action: {name}")
    raise Gone(GONE)


# -- os-floating-ip-pools ---------------------------------------------------------------------
def list_pools(req: ApiRequest) -> Response:
    pools = proxied(req).pools(req.ctx)
    return json_response({"floating_ip_pools": [{"name": name} for name in pools]})


# -- os-floating-ips --------------------------------------------------------------------------
def list_floating_ips(req: ApiRequest) -> Response:
    fips = proxied(req).floating_ips_list(req.ctx)
    return json_response({"floating_ips": [views.floating_ip(f) for f in fips]})


def show_floating_ip(req: ApiRequest) -> Response:
    fip = proxied(req).floating_ip(req.ctx, req.params["floating_ip_id"])
    return json_response({"floating_ip": views.floating_ip(fip)})


def create_floating_ip(req: ApiRequest) -> Response:
    """200 (not 201), as Nova. The body and its ``pool`` may be absent or null."""
    proxy = proxied(req)
    raw = req.json() if req.body else None
    pool = None if raw is None else body(req, FloatingIpBody, raw).pool
    return json_response({"floating_ip": views.floating_ip(proxy.allocate(req.ctx, pool))})


def delete_floating_ip(req: ApiRequest) -> Response:
    proxied(req).release(req.ctx, req.params["floating_ip_id"])
    return empty_response(202)


ROUTES: list[Endpoint] = [
    Endpoint("GET", "/os-networks", list_networks, P + "os-networks:list"),
    # COMPAT: nova-network's writes, gone: Nova answers 410 to every caller; here, to every
    # caller the list's rule lets in (the others get 403).
    Endpoint("POST", "/os-networks", network_gone, P + "os-networks:list"),
    Endpoint("POST", "/os-networks/add", network_gone, P + "os-networks:list"),
    Endpoint("GET", "/os-networks/{network_id}", show_network, P + "os-networks:show"),
    Endpoint("DELETE", "/os-networks/{network_id}", network_gone, P + "os-networks:list"),
    Endpoint("POST", "/os-networks/{network_id}/action", network_action, P + "os-networks:list"),
    Endpoint("GET", "/os-tenant-networks", list_tenant_networks, P + "os-tenant-networks:list"),
    Endpoint("POST", "/os-tenant-networks", network_gone, P + "os-tenant-networks:list"),
    Endpoint("GET", "/os-tenant-networks/{network_id}", show_tenant_network, P + "os-tenant-networks:show"),
    Endpoint("DELETE", "/os-tenant-networks/{network_id}", network_gone, P + "os-tenant-networks:list"),
    Endpoint("GET", "/os-floating-ip-pools", list_pools, P + "os-floating-ip-pools"),
    Endpoint("GET", "/os-floating-ips", list_floating_ips, P + "os-floating-ips:list"),
    Endpoint("POST", "/os-floating-ips", create_floating_ip, P + "os-floating-ips:create"),
    Endpoint("GET", "/os-floating-ips/{floating_ip_id}", show_floating_ip, P + "os-floating-ips:show"),
    Endpoint("DELETE", "/os-floating-ips/{floating_ip_id}", delete_floating_ip, P + "os-floating-ips:delete"),
]
