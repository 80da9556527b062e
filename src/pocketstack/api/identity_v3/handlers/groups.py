"""/v3/groups: list, create, show, update, delete; members; a user's groups."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.common.validation import parse
from pocketstack.api.identity_v3.schemas.domains import (
    check_matching_id,
    extra_attributes,
    given,
    resource_name,
)
from pocketstack.api.identity_v3.schemas.groups import NAME_MAX, GroupCreateBody, GroupUpdateBody
from pocketstack.api.identity_v3.views import groups as views
from pocketstack.api.identity_v3.views import users as user_views
from pocketstack.core.errors import BadRequest, NotFound
from pocketstack.core.identity.bootstrap import DEFAULT_DOMAIN_ID
from pocketstack.core.identity.groups import GroupFilter
from pocketstack.store.identity_group_models import Group


def _load(req: ApiRequest, extra_target: dict[str, Any] | None = None) -> Group:
    """The group in the path; policy first, so the denied learn nothing of which ids exist."""
    group_id = req.params["group_id"]
    group = req.cloud.groups.find(group_id)
    target = {"group_id": group.id, "domain_id": group.domain_id} if group else {}
    req.enforce({**target, **(extra_target or {})})
    if group is None:
        raise NotFound("group", group_id, code="identity.group.not_found")
    return group


def list_groups(req: ApiRequest) -> Response:
    # COMPAT: as in Keystone, a domain-scoped token sees the groups of its own domain only.
    scope = req.ctx.domain_id
    req.enforce({"domain_id": scope} if scope else {})
    domain_id = req.query.get("domain_id")
    if scope is not None and domain_id not in (None, scope):
        return json_response(views.groups(req.base_url, []))
    f = GroupFilter(domain_id=scope or domain_id, name=req.query.get("name"))
    return json_response(views.groups(req.base_url, req.cloud.groups.list(f)))


def create_group(req: ApiRequest) -> Response:
    g = parse(GroupCreateBody, req.json()).group
    # COMPAT: Keystone falls back to the token's domain, then to the default domain.
    domain_id = g.domain_id or req.ctx.domain_id or DEFAULT_DOMAIN_ID
    req.enforce({"domain_id": domain_id})
    group = req.cloud.groups.create(
        name=resource_name(g.name, "group", NAME_MAX),
        domain_id=domain_id,
        description=g.description,
        extra=extra_attributes(g),
    )
    return json_response({"group": views.group(req.base_url, group)}, 201)


def get_group(req: ApiRequest) -> Response:
    return json_response({"group": views.group(req.base_url, _load(req))})


def update_group(req: ApiRequest) -> Response:
    group = _load(req)
    g = parse(GroupUpdateBody, req.json()).group
    check_matching_id(g, group.id, "group")
    changes = given(g, nullable=frozenset({"description"}))
    if changes.pop("domain_id", group.domain_id) != group.domain_id:
        raise BadRequest("Cannot change Domain ID")
    if "name" in changes:
        changes["name"] = resource_name(changes["name"], "group", NAME_MAX)
    extra = extra_attributes(g)
    if extra:
        changes["extra"] = extra
    if not g.model_fields_set and not g.model_extra:
        raise BadRequest("The group in the body must name at least one attribute to change.")
    return json_response({"group": views.group(req.base_url, req.cloud.groups.update(group.id, changes))})


def delete_group(req: ApiRequest) -> Response:
    req.cloud.groups.delete(_load(req).id)
    return empty_response(204)


def list_group_users(req: ApiRequest) -> Response:
    group = _load(req)
    users = req.cloud.groups.users(group.id)
    body = user_views.users(req.base_url, users)
    body["links"]["self"] = f"{req.base_url}/v3/groups/{group.id}/users"
    return json_response(body)


def _membership(req: ApiRequest) -> tuple[Group, str]:
    """COMPAT: like Keystone's policy target, a domain-scoped caller acts on a membership only
    when the user is of the group's domain too."""
    user_id = req.params["user_id"]
    user = req.cloud.users.find(user_id)
    group_id = req.params["group_id"]
    group = req.cloud.groups.find(group_id)
    target: dict[str, Any] = {"user_id": user_id, "group_id": group_id}
    if group is not None and (user is None or user.domain_id == group.domain_id):
        target["domain_id"] = group.domain_id
    req.enforce(target)
    if group is None:
        raise NotFound("group", group_id, code="identity.group.not_found")
    return group, user_id


def add_group_user(req: ApiRequest) -> Response:
    group, user_id = _membership(req)
    req.cloud.groups.add_user(group.id, user_id)
    return empty_response(204)


def check_group_user(req: ApiRequest) -> Response:
    group, user_id = _membership(req)
    req.cloud.groups.check_user(group.id, user_id)
    return empty_response(204)


def remove_group_user(req: ApiRequest) -> Response:
    group, user_id = _membership(req)
    req.cloud.groups.remove_user(group.id, user_id)
    return empty_response(204)


def list_user_groups(req: ApiRequest) -> Response:
    user_id = req.params["user_id"]
    user = req.cloud.users.find(user_id)
    req.enforce({"user_id": user.id, "domain_id": user.domain_id} if user else {})
    if user is None:
        raise NotFound("user", user_id, code="identity.user.not_found")
    items = req.cloud.groups.groups_of(user.id)
    if req.query.get("name") is not None:
        items = [g for g in items if g.name == req.query.get("name")]
    if req.query.get("domain_id") is not None:
        items = [g for g in items if g.domain_id == req.query.get("domain_id")]
    return json_response(views.groups(req.base_url, items, f"users/{user.id}/groups", membership=True))


E = Endpoint
MEMBER = "/v3/groups/{group_id}/users/{user_id}"
ROUTES: list[Endpoint] = [
    E("GET", "/v3/groups", list_groups, "identity:groups:list"),
    E("POST", "/v3/groups", create_group, "identity:groups:create"),
    E("GET", "/v3/groups/{group_id}", get_group, "identity:groups:get"),
    E("PATCH", "/v3/groups/{group_id}", update_group, "identity:groups:update"),
    E("DELETE", "/v3/groups/{group_id}", delete_group, "identity:groups:delete"),
    E("GET", "/v3/groups/{group_id}/users", list_group_users, "identity:group_users:list"),
    E("PUT", MEMBER, add_group_user, "identity:group_users:add"),
    E("GET", MEMBER, check_group_user, "identity:group_users:check"),
    E("DELETE", MEMBER, remove_group_user, "identity:group_users:remove"),
    E("GET", "/v3/users/{user_id}/groups", list_user_groups, "identity:users:groups"),
]
