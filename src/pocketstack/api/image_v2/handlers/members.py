"""/v2/images/{id}/members: share an image with other projects."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.image_v2 import views
from pocketstack.core.errors import BadRequest


def _field(req: ApiRequest, name: str) -> str:
    body = req.json()
    # COMPAT: openstacksdk sends the whole member document back; only NAME counts.
    if not isinstance(body, dict) or not isinstance(body.get(name), str):
        raise BadRequest(f'The request body must be {{"{name}": "..."}}.')
    return body[name]


def create_member(req: ApiRequest) -> Response:
    member = req.cloud.image_members.add(req.ctx, req.params["image_id"], _field(req, "member"))
    return json_response(views.member(member))


def list_members(req: ApiRequest) -> Response:
    members = req.cloud.image_members.list(req.ctx, req.params["image_id"])
    return json_response({"members": [views.member(m) for m in members], "schema": "/v2/schemas/members"})


def show_member(req: ApiRequest) -> Response:
    member = req.cloud.image_members.get(req.ctx, req.params["image_id"], req.params["member_id"])
    return json_response(views.member(member))


def update_member(req: ApiRequest) -> Response:
    status = _field(req, "status")
    member = req.cloud.image_members.set_status(
        req.ctx, req.params["image_id"], req.params["member_id"], status
    )
    return json_response(views.member(member))


def delete_member(req: ApiRequest) -> Response:
    req.cloud.image_members.remove(req.ctx, req.params["image_id"], req.params["member_id"])
    return empty_response(204)


# The member service enforces these rules against the image once loaded.
ROUTES: list[Endpoint] = [
    Endpoint("POST", "/v2/images/{image_id}/members", create_member, "image:members:create"),
    Endpoint("GET", "/v2/images/{image_id}/members", list_members, "image:members:list"),
    Endpoint("GET", "/v2/images/{image_id}/members/{member_id}", show_member, "image:members:get"),
    Endpoint("PUT", "/v2/images/{image_id}/members/{member_id}", update_member, "image:members:update"),
    Endpoint("DELETE", "/v2/images/{image_id}/members/{member_id}", delete_member, "image:members:delete"),
]
