"""Compute v2.1: /servers (list, detail, show, create, update, delete)."""

from __future__ import annotations

import secrets
from typing import Any

from pydantic import BaseModel
from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.request import (
    body,
    check_gated,
    next_links,
    version,
)
from pocketstack.api.compute_v21.schemas import servers as schemas
from pocketstack.api.compute_v21.schemas.servers import ServerCreate
from pocketstack.api.compute_v21.server_filters import server_query
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.api.compute_v21.views import servers as view
from pocketstack.core.compute.server_queries import ServerLister
from pocketstack.core.compute.servers import CreateRequest
from pocketstack.core.errors import BadRequest, NotImplementedYet
from pocketstack.store.compute_models import Server

P = "os_compute_api:servers:"


def render_one(req: ApiRequest, server: Server, show_groups: bool = False) -> dict[str, Any]:
    with req.cloud.db.read() as s:
        facts = ServerLister(req.cloud.db).facts(s, [server])
    return view.ServerView(req, facts).detail(server, show_groups)


def list_servers(req: ApiRequest) -> Response:
    req.enforce({"project_id": req.ctx.project_id})
    q = server_query(req)
    servers = ServerLister(req.cloud.db).list_names(req.ctx, q)
    out: dict[str, Any] = {"servers": [view.summary(req, s) for s in servers]}
    links = next_links(req, "servers", servers, q.limit)
    if links:
        out["servers_links"] = links
    return json_response(out)


def list_servers_detail(req: ApiRequest) -> Response:
    req.enforce({"project_id": req.ctx.project_id})
    q = server_query(req)
    servers, facts = ServerLister(req.cloud.db).list(req.ctx, q)
    rendering = view.ServerView(req, facts)
    out: dict[str, Any] = {"servers": [rendering.detail(s) for s in servers]}
    links = next_links(req, "servers/detail", servers, q.limit)
    if links:
        out["servers_links"] = links
    return json_response(out)


def show_server(req: ApiRequest) -> Response:
    server = req.cloud.servers.get(req.ctx, req.params["server_id"])
    req.enforce({"project_id": server.project_id})
    return json_response({"server": render_one(req, server, show_groups=True)})


def _create_request(req: ApiRequest, doc: ServerCreate) -> CreateRequest:
    b = doc.server
    check_gated(req, b.model_fields_set, schemas.CREATE_GATES)
    for network in b.networks if isinstance(b.networks, list) else []:
        _check_item_gates(req, network, schemas.NETWORK_TAG)
    for mapping in b.block_device_mapping_v2 or []:
        _check_item_gates(req, mapping, schemas.BDM_TAG)
    image_id = _image_from_mappings(b.block_device_mapping_v2, b.block_device_mapping, b.imageRef)
    if b.trusted_image_certificates:
        raise NotImplementedYet("Trusted image certificate validation is not supported.")
    networks: Any = b.networks
    if networks is None and gated(req, "server.create.networks_required"):
        raise BadRequest("Invalid input for field/attribute server. 'networks' is a required property")
    if isinstance(networks, list):
        # COMPAT: an empty list is a request for no network in particular, as when left out.
        networks = [n.model_dump(exclude_unset=True) for n in networks] or None
    zone = b.availability_zone
    host = b.host or b.hypervisor_hostname  # COMPAT: each host is its own (only) node
    if b.host and b.hypervisor_hostname and b.host != b.hypervisor_hostname:
        raise BadRequest(f"Compute host {b.host} and node {b.hypervisor_hostname} could not be found.")
    if host:
        req.cloud.policy.enforce(P + "create:requested_destination", req.ctx, {})
        zone = f"{zone or ''}:{host}"
    return CreateRequest(
        name=b.name,
        image_id=image_id,
        flavor_id=str(b.flavorRef).rsplit("/", 1)[-1],
        networks=networks,
        security_groups=[g.name for g in b.security_groups or [] if g.name],
        key_name=b.key_name,
        metadata=dict(b.metadata or {}),
        user_data=b.user_data,
        zone=zone,
        min_count=b.min_count,
        max_count=b.max_count if "max_count" in b.model_fields_set else b.min_count,  # as Nova
        description=b.description,
        tags=list(b.tags or []),
        hostname=b.hostname,
        hints=_hints(doc),
        access_ipv4=b.accessIPv4,
        access_ipv6=b.accessIPv6,
        config_drive=b.config_drive,
        admin_password=b.adminPass,
        auto_disk_config=_disk_config(b.disk_config),
    )


def _disk_config(wire: str | None) -> bool | None:
    return None if wire is None else wire == "AUTO"


def _check_item_gates(req: ApiRequest, item: BaseModel, gates: schemas.Gates) -> None:
    """A network's or block device's ``tag`` (and ``volume_type``) where the version has it;
    COMPAT: the tags Nova lost by mistake in 2.33/2.37 came back in 2.42."""
    if gated(req, "server.device_tags_again"):
        gates = {k: v for k, v in gates.items() if k != "tag"}
    check_gated(req, item.model_fields_set, gates)


def _hints(doc: ServerCreate) -> dict[str, Any]:
    """The scheduler hints given (either spelling); a ``group`` given as a list names the first."""
    given = doc.os_scheduler_hints or doc.os_sch_hnt
    hints = {k: v for k, v in (given.model_dump() if given else {}).items() if v is not None}
    if isinstance(hints.get("group"), list):
        hints["group"] = hints["group"][0] if hints["group"] else None
    return hints


def _image_from_mappings(
    v2: list[schemas.BlockDevice] | None,
    legacy: list[schemas.LegacyBlockDevice] | None,
    image_ref: str | None,
) -> str | None:
    """COMPAT: clients (OSC among them) describe an ordinary boot from an image as a block
    device mapping with source "image" and destination "local"; that is served. Anything that
    needs a volume is not, as there is no block storage service."""
    if legacy:
        raise NotImplementedYet(
            "Legacy block device mappings need a block storage service, which pocketstack lacks."
        )
    image_id = image_ref or None
    for bdm in v2 or []:
        source, dest = bdm.source_type, bdm.destination_type or "local"
        if source == "image" and dest == "local":
            image_id = image_id or bdm.uuid
        elif source == "blank" and dest == "local":
            continue
        else:
            raise NotImplementedYet(
                f"Block device mappings with source {source!r} and destination {dest!r} need a block storage "
                "service (Cinder), which pocketstack does not have yet."
            )
    return image_id


def create_server(req: ApiRequest) -> Response:
    req.enforce({"project_id": req.ctx.project_id})
    doc = body(req, schemas.create_schema(version(req)))
    created = req.cloud.servers.create(req.ctx, _create_request(req, doc))
    if doc.server.return_reservation_id:
        return json_response({"reservation_id": created.reservation_id}, 202)
    first = created.servers[0]
    out: dict[str, Any] = {
        "id": first.id,
        "links": view.links(req, "servers", first.id),
        "OS-DCF:diskConfig": view.disk_config(first),
    }
    if doc.server.networks != "none":
        names = [g.name for g in doc.server.security_groups or [] if g.name]
        out["security_groups"] = [{"name": n} for n in dict.fromkeys(names or ["default"])]
    out["adminPass"] = doc.server.adminPass or secrets.token_urlsafe(12)
    location = {"Location": f"{req.base_url}/servers/{first.id}"}
    return json_response({"server": out}, 202, location)


def update_server(req: ApiRequest) -> Response:
    server = req.cloud.servers.get(req.ctx, req.params["server_id"])
    req.enforce({"project_id": server.project_id})
    doc = body(req, schemas.update_schema(version(req))).server
    given = doc.model_fields_set
    check_gated(req, given, schemas.UPDATE_GATES)
    names = {"accessIPv4": "access_ipv4", "accessIPv6": "access_ipv6"}
    changes = {names.get(k, k): getattr(doc, k) for k in given if k != "disk_config"}
    if doc.disk_config is not None:
        changes["auto_disk_config"] = _disk_config(doc.disk_config)
    server = req.cloud.servers.update(req.ctx, server.id, changes)
    return json_response({"server": view.as_changed(render_one(req, server, show_groups=True), version(req))})


def delete_server(req: ApiRequest) -> Response:
    server = req.cloud.servers.get(req.ctx, req.params["server_id"])
    req.enforce({"project_id": server.project_id})
    req.cloud.servers.delete(req.ctx, server.id, soft_delete=req.cloud.settings.reclaim_instance_interval > 0)
    return empty_response(204)


ROUTES = [
    Endpoint("GET", "/servers", list_servers, P + "index"),
    Endpoint("POST", "/servers", create_server, P + "create"),
    Endpoint("GET", "/servers/detail", list_servers_detail, P + "detail"),
    Endpoint("GET", "/servers/{server_id}", show_server, P + "show"),
    Endpoint("PUT", "/servers/{server_id}", update_server, P + "update"),
    Endpoint("DELETE", "/servers/{server_id}", delete_server, P + "delete"),
]
