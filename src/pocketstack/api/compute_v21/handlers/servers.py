"""Compute v2.1: /servers (list, detail, show, create, update, delete)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.common.validation import query_bool
from pocketstack.api.compute_v21.request import (
    at_least,
    body,
    check_gated,
    check_query,
    next_links,
    page,
    unexpected,
)
from pocketstack.api.compute_v21.schemas.servers import ServerCreate, ServerUpdate
from pocketstack.api.compute_v21.views import servers as view
from pocketstack.core.compute.server_queries import ServerLister, ServerQuery
from pocketstack.core.compute.servers import CreateRequest
from pocketstack.core.context import is_admin
from pocketstack.core.errors import BadRequest, NotImplementedYet
from pocketstack.store.compute_models import Server

P = "os_compute_api:servers:"


def _time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"Invalid input for query parameters {name}. Value: {value}.") from None
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def _csv(value: str | None) -> list[str]:
    return [t for t in (value or "").split(",") if t]


# Every filter and sort parameter Nova's server list knows; from 2.75 others are a 400.
KNOWN_QUERY = frozenset(
    [
        "access_ip_v4",
        "access_ip_v6",
        "all_tenants",
        "auto_disk_config",
        "availability_zone",
        "changes-before",
        "changes-since",
        "config_drive",
        "created_at",
        "deleted",
        "description",
        "display_description",
        "display_name",
        "flavor",
        "host",
        "hostname",
        "image",
        "image_ref",
        "instance_name",
        "ip",
        "ip6",
        "kernel_id",
        "key_name",
        "launch_index",
        "launched_at",
        "limit",
        "locked",
        "locked_by",
        "marker",
        "name",
        "node",
        "not-tags",
        "not-tags-any",
        "pinned_availability_zone",
        "power_state",
        "progress",
        "project_id",
        "ramdisk_id",
        "reservation_id",
        "root_device_name",
        "sort_dir",
        "sort_key",
        "soft_deleted",
        "status",
        "tags",
        "tags-any",
        "task_state",
        "tenant_id",
        "terminated_at",
        "updated_at",
        "user_id",
        "uuid",
        "vm_state",
    ]
)


def _query(req: ApiRequest) -> ServerQuery:
    q = req.query
    check_query(req, KNOWN_QUERY)
    admin = is_admin(req.ctx)
    all_projects = bool(query_bool(q.get("all_tenants"))) if "all_tenants" in q else False
    if all_projects:
        req.cloud.policy.enforce(P + "index:get_all_tenants", req.ctx, {})
    project = q.get("project_id") or q.get("tenant_id")
    if project and admin:
        all_projects = True
    limit, marker = page(req)
    keys, dirs = q.getlist("sort_key"), q.getlist("sort_dir")
    sort = [(k, dirs[i] if i < len(dirs) else "desc") for i, k in enumerate(keys)]
    query = ServerQuery(
        all_projects=all_projects,
        project_id=project if admin else None,
        name=q.get("name"),
        status=q.get("status"),
        image=q.get("image"),
        flavor=q.get("flavor"),
        ip=q.get("ip"),
        ip6=q.get("ip6"),
        reservation_id=q.get("reservation_id"),
        changes_since=_time(q.get("changes-since"), "changes-since"),
        changes_before=_time(q.get("changes-before"), "changes-before") if at_least(req, 2, 66) else None,
        sort=sort,
        limit=limit,
        marker=marker,
    )
    if admin:
        query.host = q.get("host")
        query.user_id = q.get("user_id")
        query.deleted = bool(query_bool(q.get("deleted"))) if "deleted" in q else False
        query.zone = q.get("availability_zone")
    if at_least(req, 2, 26):
        query.tags, query.tags_any = _csv(q.get("tags")), _csv(q.get("tags-any"))
        query.not_tags, query.not_tags_any = _csv(q.get("not-tags")), _csv(q.get("not-tags-any"))
    if at_least(req, 2, 73) and "locked" in q:
        query.locked = query_bool(q.get("locked"))
    return query


def render_one(req: ApiRequest, server: Server, show_groups: bool = False) -> dict[str, Any]:
    with req.cloud.db.read() as s:
        facts = ServerLister(req.cloud.db).facts(s, [server])
    return view.ServerView(req, facts).detail(server, show_groups)


def list_servers(req: ApiRequest) -> Response:
    req.enforce({"project_id": req.ctx.project_id})
    q = _query(req)
    servers = ServerLister(req.cloud.db).list_names(req.ctx, q)
    out: dict[str, Any] = {"servers": [view.summary(req, s) for s in servers]}
    links = next_links(req, "servers", servers, q.limit)
    if links:
        out["servers_links"] = links
    return json_response(out)


def list_servers_detail(req: ApiRequest) -> Response:
    req.enforce({"project_id": req.ctx.project_id})
    q = _query(req)
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
    given = b.model_fields_set
    gated = {
        "description": (2, 19),
        "tags": (2, 52),
        "trusted_image_certificates": (2, 63),
        "hostname": (2, 90),
    }
    check_gated(req, given, gated)
    if "personality" in given and at_least(req, 2, 57):
        raise unexpected("personality")
    image_id = _image_from_mappings(b.block_device_mapping_v2, b.block_device_mapping, b.imageRef)
    if b.trusted_image_certificates:
        raise NotImplementedYet("Trusted image certificate validation is not supported.")
    if (b.host or b.hypervisor_hostname) and not at_least(req, 2, 74):
        raise unexpected("host")
    networks = b.networks
    if networks is None:
        if at_least(req, 2, 37):
            raise BadRequest("Invalid input for field/attribute server. 'networks' is a required property")
        networks = "auto"
    if isinstance(networks, list):
        if networks:
            raise BadRequest(
                "Requesting specific networks or ports is not supported: pocketstack has no network service "
                '(Neutron) yet. Use "networks": "auto" for the project\'s built-in network, or "none".'
            )
        networks = "none"
    hints_doc = doc.os_scheduler_hints or doc.os_sch_hnt
    hints = {k: v for k, v in (hints_doc.model_dump() if hints_doc else {}).items() if v is not None}
    zone = b.availability_zone
    if b.host:
        req.cloud.policy.enforce(P + "create:requested_destination", req.ctx, {})
        zone = f"{zone or ''}:{b.host}"
    return CreateRequest(
        name=b.name,
        image_id=image_id,
        flavor_id=str(b.flavorRef).rsplit("/", 1)[-1],
        networks=networks,
        key_name=b.key_name,
        metadata=dict(b.metadata or {}),
        user_data=b.user_data,
        zone=zone,
        min_count=b.min_count,
        max_count=b.max_count,
        description=b.description,
        tags=list(b.tags or []),
        hostname=b.hostname,
        hints=hints,
        access_ipv4=b.accessIPv4,
        access_ipv6=b.accessIPv6,
        config_drive=str(b.config_drive).lower() in ("true", "1", "yes")
        if b.config_drive is not None
        else False,
        admin_password=b.adminPass,
    )


def _image_from_mappings(
    v2: list[dict[str, Any]] | None, legacy: list[dict[str, Any]] | None, image_ref: str | None
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
        source, dest = bdm.get("source_type"), bdm.get("destination_type", "local")
        if source == "image" and dest == "local":
            image_id = image_id or bdm.get("uuid")
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
    doc = body(req, ServerCreate)
    created = req.cloud.servers.create(req.ctx, _create_request(req, doc))
    if doc.server.return_reservation_id:
        return json_response({"reservation_id": created.reservation_id}, 202)
    first = created.servers[0]
    out: dict[str, Any] = {
        "id": first.id,
        "links": view.links(req, "servers", first.id),
        "OS-DCF:diskConfig": "MANUAL",
    }
    if first.addresses:
        out["security_groups"] = [{"name": "default"}]
    out["adminPass"] = doc.server.adminPass or secrets.token_urlsafe(12)
    location = {"Location": f"{req.base_url}/servers/{first.id}"}
    return json_response({"server": out}, 202, location)


def update_server(req: ApiRequest) -> Response:
    server = req.cloud.servers.get(req.ctx, req.params["server_id"])
    req.enforce({"project_id": server.project_id})
    doc = body(req, ServerUpdate).server
    given = doc.model_fields_set
    check_gated(req, given, {"description": (2, 19), "hostname": (2, 90)})
    names = {"accessIPv4": "access_ipv4", "accessIPv6": "access_ipv6"}
    changes = {names.get(k, k): getattr(doc, k) for k in given if k != "OS_DCF_diskConfig"}
    server = req.cloud.servers.update(req.ctx, server.id, changes)
    return json_response({"server": render_one(req, server)})


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
