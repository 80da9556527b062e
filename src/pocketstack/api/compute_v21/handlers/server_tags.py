"""Compute v2.1: /servers/{id}/tags (2.26+)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, select
from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.request import at_least, body
from pocketstack.api.compute_v21.schemas.server_meta import ReplaceTags
from pocketstack.core.compute.servers import MAX_TAGS, get_visible
from pocketstack.core.errors import BadRequest, NotFound
from pocketstack.store.compute_models import ServerTag

P = "os_compute_api:os-server-tags:"
_TAG = re.compile(r"^[^,/]{1,60}$")


def _check_version(req: ApiRequest) -> None:
    if not at_least(req, 2, 26):
        raise NotFound("resource", req.request.url.path, message="The resource could not be found.")


def _server(req: ApiRequest, rule: str) -> Any:
    _check_version(req)
    server = req.cloud.servers.get(req.ctx, req.params["server_id"])
    req.cloud.policy.enforce(P + rule, req.ctx, {"project_id": server.project_id})
    return server


def _tag(value: Any) -> str:
    if not isinstance(value, str) or not _TAG.match(value):
        raise BadRequest(f"Invalid tag {value!r}: 1 to 60 characters, without ',' or '/'.")
    return value


def _tags(req: ApiRequest, server_id: str) -> list[str]:
    with req.cloud.db.read() as s:
        return list(
            s.scalars(select(ServerTag.tag).where(ServerTag.server_id == server_id).order_by(ServerTag.tag))
        )


def list_tags(req: ApiRequest) -> Response:
    server = _server(req, "index")
    return json_response({"tags": _tags(req, server.id)})


def replace_tags(req: ApiRequest) -> Response:
    server = _server(req, "update_all")
    tags = list(dict.fromkeys(body(req, ReplaceTags).tags))
    with req.cloud.db.transaction() as s:
        get_visible(s, req.ctx, server.id)
        s.execute(delete(ServerTag).where(ServerTag.server_id == server.id))
        s.add_all(ServerTag(server_id=server.id, tag=t) for t in tags)
    return json_response({"tags": sorted(tags)})


def check_tag(req: ApiRequest) -> Response:
    server = _server(req, "show")
    if req.params["tag"] not in _tags(req, server.id):
        raise NotFound("tag", req.params["tag"], message=f"Tag {req.params['tag']} does not exist on server.")
    return empty_response(204)


def add_tag(req: ApiRequest) -> Response:
    server = _server(req, "update")
    tag = _tag(req.params["tag"])
    existing = _tags(req, server.id)
    if tag in existing:
        return empty_response(204)
    if len(existing) >= MAX_TAGS:
        raise BadRequest(f"A server can have at most {MAX_TAGS} tags.")
    with req.cloud.db.transaction() as s:
        s.add(ServerTag(server_id=server.id, tag=tag))
    location = f"{req.base_url}/servers/{server.id}/tags/{tag}"
    return empty_response(201, {"Location": location})


def delete_tag(req: ApiRequest) -> Response:
    server = _server(req, "delete")
    with req.cloud.db.transaction() as s:
        gone = s.execute(
            delete(ServerTag).where(ServerTag.server_id == server.id, ServerTag.tag == req.params["tag"])
        ).rowcount
    if not gone:
        raise NotFound("tag", req.params["tag"], message=f"Tag {req.params['tag']} does not exist on server.")
    return empty_response(204)


def delete_tags(req: ApiRequest) -> Response:
    server = _server(req, "delete_all")
    with req.cloud.db.transaction() as s:
        s.execute(delete(ServerTag).where(ServerTag.server_id == server.id))
    return empty_response(204)


ROUTES = [
    Endpoint("GET", "/servers/{server_id}/tags", list_tags, P + "index"),
    Endpoint("PUT", "/servers/{server_id}/tags", replace_tags, P + "update_all"),
    Endpoint("DELETE", "/servers/{server_id}/tags", delete_tags, P + "delete_all"),
    Endpoint("GET", "/servers/{server_id}/tags/{tag}", check_tag, P + "show"),
    Endpoint("PUT", "/servers/{server_id}/tags/{tag}", add_tag, P + "update"),
    Endpoint("DELETE", "/servers/{server_id}/tags/{tag}", delete_tag, P + "delete"),
]
