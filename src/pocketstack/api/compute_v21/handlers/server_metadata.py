"""Compute v2.1: /servers/{id}/metadata."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.request import body
from pocketstack.api.compute_v21.schemas.server_meta import MetadataBody, MetaItem
from pocketstack.core.errors import BadRequest, Conflict, NotFound

P = "os_compute_api:server-metadata:"


def _server(req: ApiRequest, rule: str) -> Any:
    server = req.cloud.servers.get(req.ctx, req.params["server_id"])
    req.cloud.policy.enforce(P + rule, req.ctx, {"project_id": server.project_id})
    return server


def _save(req: ApiRequest, server_id: str, metadata: dict[str, str]) -> dict[str, str]:
    server = req.cloud.servers.get(req.ctx, server_id)
    if server.locked and "admin" not in req.ctx.roles:
        raise Conflict(f"Instance {server_id} is locked")
    if server.task_state is not None:
        raise Conflict(f"Cannot 'update metadata' instance while it is in task_state {server.task_state}")
    req.cloud.quotas.check_metadata_items(server.project_id, len(metadata))
    return req.cloud.servers.update(req.ctx, server_id, {"metadata_": metadata}).metadata_


def list_metadata(req: ApiRequest) -> Response:
    return json_response({"metadata": dict(_server(req, "index").metadata_ or {})})


def replace_metadata(req: ApiRequest) -> Response:
    server = _server(req, "update_all")
    return json_response({"metadata": _save(req, server.id, body(req, MetadataBody).metadata)})


def merge_metadata(req: ApiRequest) -> Response:
    server = _server(req, "create")
    merged = {**(server.metadata_ or {}), **body(req, MetadataBody).metadata}
    return json_response({"metadata": _save(req, server.id, merged)})


def show_item(req: ApiRequest) -> Response:
    server = _server(req, "show")
    key = req.params["key"]
    if key not in (server.metadata_ or {}):
        raise NotFound("metadata item", key, message="Metadata item was not found")
    return json_response({"meta": {key: server.metadata_[key]}})


def set_item(req: ApiRequest) -> Response:
    server = _server(req, "update")
    item = body(req, MetaItem).meta
    key = req.params["key"]
    if list(item) != [key]:
        raise BadRequest("Request body and URI mismatch")
    _save(req, server.id, {**(server.metadata_ or {}), **item})
    return json_response({"meta": item})


def delete_item(req: ApiRequest) -> Response:
    server = _server(req, "delete")
    key = req.params["key"]
    if key not in (server.metadata_ or {}):
        raise NotFound("metadata item", key, message="Metadata item was not found")
    _save(req, server.id, {k: v for k, v in server.metadata_.items() if k != key})
    return empty_response(204)


ROUTES = [
    Endpoint("GET", "/servers/{server_id}/metadata", list_metadata, P + "index"),
    Endpoint("PUT", "/servers/{server_id}/metadata", replace_metadata, P + "update_all"),
    Endpoint("POST", "/servers/{server_id}/metadata", merge_metadata, P + "create"),
    Endpoint("GET", "/servers/{server_id}/metadata/{key}", show_item, P + "show"),
    Endpoint("PUT", "/servers/{server_id}/metadata/{key}", set_item, P + "update"),
    Endpoint("DELETE", "/servers/{server_id}/metadata/{key}", delete_item, P + "delete"),
]
