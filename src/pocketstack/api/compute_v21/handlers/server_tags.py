"""Compute v2.1: /servers/{id}/tags (2.26+); the tags themselves are core/compute/server_tags.py."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.request import body
from pocketstack.api.compute_v21.schemas.server_meta import ReplaceTags
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.core.compute.server_tags import ServerTags, tag_not_found
from pocketstack.core.errors import NotFound

P = "os_compute_api:os-server-tags:"


def _check_version(req: ApiRequest) -> None:
    if not gated(req, "server.tags"):
        raise NotFound("resource", req.request.url.path, message="The resource could not be found.")


def _server(req: ApiRequest, rule: str) -> Any:
    _check_version(req)
    server = req.cloud.servers.get(req.ctx, req.params["server_id"])
    req.cloud.policy.enforce(P + rule, req.ctx, {"project_id": server.project_id})
    return server


def list_tags(req: ApiRequest) -> Response:
    server = _server(req, "index")
    return json_response({"tags": ServerTags(req.cloud.db).list(req.ctx, server.id)})


def replace_tags(req: ApiRequest) -> Response:
    server = _server(req, "update_all")
    tags = ServerTags(req.cloud.db).replace(req.ctx, server.id, body(req, ReplaceTags).tags)
    return json_response({"tags": tags})


def check_tag(req: ApiRequest) -> Response:
    server = _server(req, "show")
    if not ServerTags(req.cloud.db).has(req.ctx, server.id, req.params["tag"]):
        raise tag_not_found(req.params["tag"])
    return empty_response(204)


def add_tag(req: ApiRequest) -> Response:
    server = _server(req, "update")
    tag = req.params["tag"]
    if not ServerTags(req.cloud.db).add(req.ctx, server.id, tag):
        return empty_response(204)
    location = f"{req.base_url}/servers/{server.id}/tags/{tag}"
    return empty_response(201, {"Location": location})


def delete_tag(req: ApiRequest) -> Response:
    server = _server(req, "delete")
    ServerTags(req.cloud.db).remove(req.ctx, server.id, req.params["tag"])
    return empty_response(204)


def delete_tags(req: ApiRequest) -> Response:
    server = _server(req, "delete_all")
    ServerTags(req.cloud.db).clear(req.ctx, server.id)
    return empty_response(204)


ROUTES = [
    Endpoint("GET", "/servers/{server_id}/tags", list_tags, P + "index"),
    Endpoint("PUT", "/servers/{server_id}/tags", replace_tags, P + "update_all"),
    Endpoint("DELETE", "/servers/{server_id}/tags", delete_tags, P + "delete_all"),
    Endpoint("GET", "/servers/{server_id}/tags/{tag}", check_tag, P + "show"),
    Endpoint("PUT", "/servers/{server_id}/tags/{tag}", add_tag, P + "update"),
    Endpoint("DELETE", "/servers/{server_id}/tags/{tag}", delete_tag, P + "delete"),
]
