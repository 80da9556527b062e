"""Compute v2.1: /servers/{id}/metadata."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.core.errors import BadRequest, Conflict, NotFound, QuotaExceeded

P = "os_compute_api:server-metadata:"


def _server(req: ApiRequest, rule: str) -> Any:
    server = req.cloud.servers.get(req.ctx, req.params["server_id"])
    req.cloud.policy.enforce(P + rule, req.ctx, {"project_id": server.project_id})
    return server


def _items(doc: Any, key: str) -> dict[str, str]:
    if not isinstance(doc, dict) or set(doc) != {key} or not isinstance(doc[key], dict):
        raise BadRequest(f"Malformed request body: an object with exactly '{key}' is expected.")
    out = {}
    for k, v in doc[key].items():
        if not isinstance(k, str) or not 1 <= len(k) <= 255 or not isinstance(v, str) or len(v) > 255:
            raise BadRequest(
                "Invalid metadata: keys of 1-255 characters and string values of up to 255 are required."
            )
        out[k] = v
    return out


def _save(req: ApiRequest, server_id: str, metadata: dict[str, str]) -> dict[str, str]:
    server = req.cloud.servers.get(req.ctx, server_id)
    if server.locked and "admin" not in req.ctx.roles:
        raise Conflict(f"Instance {server_id} is locked")
    if server.task_state is not None:
        raise Conflict(f"Cannot 'update metadata' instance while it is in task_state {server.task_state}")
    limit = req.cloud.quotas.limits(server.project_id).get("metadata_items", 128)
    if 0 <= limit < len(metadata):
        raise QuotaExceeded("Quota exceeded for metadata_items: too many metadata items for this server.")
    return req.cloud.servers.update(req.ctx, server_id, {"metadata_": metadata}).metadata_


def list_metadata(req: ApiRequest) -> Response:
    return json_response({"metadata": dict(_server(req, "index").metadata_ or {})})


def replace_metadata(req: ApiRequest) -> Response:
    server = _server(req, "update_all")
    return json_response({"metadata": _save(req, server.id, _items(req.json(), "metadata"))})


def merge_metadata(req: ApiRequest) -> Response:
    server = _server(req, "create")
    merged = {**(server.metadata_ or {}), **_items(req.json(), "metadata")}
    return json_response({"metadata": _save(req, server.id, merged)})


def show_item(req: ApiRequest) -> Response:
    server = _server(req, "show")
    key = req.params["key"]
    if key not in (server.metadata_ or {}):
        raise NotFound("metadata item", key, message="Metadata item was not found")
    return json_response({"meta": {key: server.metadata_[key]}})


def set_item(req: ApiRequest) -> Response:
    server = _server(req, "update")
    item = _items(req.json(), "meta")
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
