"""``/v2.0/floatingips/{id}/port_forwardings[/{pf_id}]``: a floating IP's port forwardings,
listed (filters, sorting, paging, ``fields``), created, shown, changed and deleted."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.network_v2 import attributes, l3_views, views
from pocketstack.api.network_v2.request import (
    Spec,
    body_items,
    fields,
    list_query,
    page_links,
    parse_document,
)
from pocketstack.core.errors import BadRequest

BASE = "/v2.0/floatingips/{id}/port_forwardings"


def _spec(req: ApiRequest) -> Spec:
    path = f"floatingips/{req.params['id']}/port_forwardings"
    return Spec("port_forwarding", "port_forwardings", path, attributes.PORT_FORWARDING)


def list_port_forwardings(req: ApiRequest) -> Response:
    spec = _spec(req)
    q = list_query(req, spec)
    found = req.cloud.network.port_forwardings.list(req.ctx, req.params["id"], q)
    wanted = fields(req)
    body: dict[str, object] = {
        "port_forwardings": [views.only(l3_views.port_forwarding(p), wanted) for p in found]
    }
    links = page_links(req, spec, q, [p.id for p in found])
    if links:
        body["port_forwardings_links"] = links
    return json_response(body)


def _document(req: ApiRequest, creating: bool) -> dict[str, object]:
    spec = _spec(req)
    documents, bulk = body_items(req, spec)
    if bulk:
        raise BadRequest("Unable to find 'port_forwarding' in request body")
    return parse_document(spec, documents[0], creating=creating)


def create_port_forwarding(req: ApiRequest) -> Response:
    pf = req.cloud.network.port_forwardings.create(req.ctx, req.params["id"], _document(req, True))
    return json_response({"port_forwarding": l3_views.port_forwarding(pf)}, 201)


def show_port_forwarding(req: ApiRequest) -> Response:
    pf = req.cloud.network.port_forwardings.get(req.ctx, req.params["id"], req.params["pf_id"])
    return json_response({"port_forwarding": views.only(l3_views.port_forwarding(pf), fields(req))})


def update_port_forwarding(req: ApiRequest) -> Response:
    attrs = _document(req, False)
    pf = req.cloud.network.port_forwardings.update(req.ctx, req.params["id"], req.params["pf_id"], attrs)
    return json_response({"port_forwarding": l3_views.port_forwarding(pf)})


def delete_port_forwarding(req: ApiRequest) -> Response:
    req.cloud.network.port_forwardings.delete(req.ctx, req.params["id"], req.params["pf_id"])
    return empty_response(204)


ROUTES: list[Endpoint] = [
    Endpoint("GET", BASE, list_port_forwardings, "get_floatingip_port_forwarding"),
    Endpoint("POST", BASE, create_port_forwarding, "create_floatingip_port_forwarding"),
    Endpoint("GET", f"{BASE}/{{pf_id}}", show_port_forwarding, "get_floatingip_port_forwarding"),
    Endpoint("PUT", f"{BASE}/{{pf_id}}", update_port_forwarding, "update_floatingip_port_forwarding"),
    Endpoint("DELETE", f"{BASE}/{{pf_id}}", delete_port_forwarding, "delete_floatingip_port_forwarding"),
]
