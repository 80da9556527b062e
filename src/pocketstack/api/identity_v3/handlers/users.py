"""/v3/users: list, create, show, update, delete; a user's password and projects."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.common.validation import parse, query_bool
from pocketstack.api.identity_v3.schemas.domains import (
    check_matching_id,
    extra_attributes,
    given,
    resource_name,
)
from pocketstack.api.identity_v3.schemas.users import (
    NAME_MAX,
    RESERVED_EXTRA,
    PasswordChangeBody,
    UserCreateBody,
    UserUpdateBody,
)
from pocketstack.api.identity_v3.views import projects as project_views
from pocketstack.api.identity_v3.views import users as views
from pocketstack.core.errors import BadRequest, NotFound, NotImplementedYet
from pocketstack.core.identity.bootstrap import DEFAULT_DOMAIN_ID
from pocketstack.core.identity.users import UserFilter
from pocketstack.store.models import User


def target(u: User) -> dict[str, str]:
    return {"user_id": u.id, "domain_id": u.domain_id}


def _load(req: ApiRequest) -> User:
    """The user in the path; policy first, so the denied learn nothing of which ids exist."""
    user_id = req.params["user_id"]
    user = req.cloud.users.find(user_id)
    req.enforce(target(user) if user else {})
    if user is None:
        raise NotFound("user", user_id, code="identity.user.not_found")
    return user


def _extra(body: UserCreateBody | UserUpdateBody) -> dict:
    model = body.user
    extra = dict(extra_attributes(model))
    if "federated" in extra:
        raise NotImplementedYet("Federated users (the 'federated' attribute).")
    for key in RESERVED_EXTRA:
        extra.pop(key, None)  # COMPAT: read-only attributes in a body are ignored
    return extra


def list_users(req: ApiRequest) -> Response:
    # COMPAT: as in Keystone, a domain-scoped token sees the users of its own domain only.
    scope = req.ctx.domain_id
    req.enforce({"domain_id": scope} if scope else {})
    q = dict(req.query)
    domain_id = q.get("domain_id")
    if scope is not None and domain_id not in (None, scope):
        return json_response(views.users(req.base_url, []))
    f = UserFilter(domain_id=scope or domain_id, enabled=query_bool(q.get("enabled")), name=q.get("name"))
    return json_response(views.users(req.base_url, req.cloud.users.list(f)))


def create_user(req: ApiRequest) -> Response:
    body = parse(UserCreateBody, req.json())
    u = body.user
    # COMPAT: Keystone falls back to the token's domain, then to the default domain.
    domain_id = u.domain_id or req.ctx.domain_id or DEFAULT_DOMAIN_ID
    req.enforce({"domain_id": domain_id})
    user = req.cloud.users.create(
        name=resource_name(u.name, "user", NAME_MAX),
        domain_id=domain_id,
        enabled=u.enabled,
        password=u.password,
        default_project_id=u.default_project_id,
        description=u.description or "",
        options=u.options,
        extra=_extra(body),
    )
    return json_response({"user": views.user(req.base_url, user)}, 201)


def get_user(req: ApiRequest) -> Response:
    return json_response({"user": views.user(req.base_url, _load(req))})


def update_user(req: ApiRequest) -> Response:
    user = _load(req)
    body = parse(UserUpdateBody, req.json())
    u = body.user
    check_matching_id(u, user.id, "user")
    changes = given(u, nullable=frozenset({"description", "default_project_id", "password"}))
    if changes.get("domain_id", user.domain_id) != user.domain_id:
        raise BadRequest("Cannot change Domain ID")
    changes.pop("domain_id", None)
    if changes.get("password", "") is None:
        changes.pop("password")  # COMPAT: a null password changes nothing
    if "name" in changes:
        changes["name"] = resource_name(changes["name"], "user", NAME_MAX)
    if "description" in changes:
        changes["description"] = changes["description"] or ""
    extra = _extra(body)
    if extra:
        changes["extra"] = extra
    if not u.model_fields_set and not u.model_extra:
        raise BadRequest("The user in the body must name at least one attribute to change.")
    updated = req.cloud.users.update(user.id, changes)
    return json_response({"user": views.user(req.base_url, updated)})


def delete_user(req: ApiRequest) -> Response:
    req.cloud.users.delete(_load(req).id)
    return empty_response(204)


def change_password(req: ApiRequest) -> Response:
    user = _load(req)
    body = parse(PasswordChangeBody, req.json()).user
    req.cloud.users.change_password(user.id, body.original_password, body.password)
    return empty_response(204)


def list_user_projects(req: ApiRequest) -> Response:
    user = _load(req)
    q = req.query
    enabled = query_bool(q.get("enabled"))
    items = [
        p
        for p in req.cloud.users.projects(user.id)
        if (q.get("domain_id") is None or p.domain_id == q.get("domain_id"))
        and (enabled is None or p.enabled is enabled)
        and (q.get("name") is None or p.name == q.get("name"))
    ]
    return json_response(project_views.projects(req.base_url, items, f"users/{user.id}/projects"))


E = Endpoint
ROUTES: list[Endpoint] = [
    E("GET", "/v3/users", list_users, "identity:users:list"),
    E("POST", "/v3/users", create_user, "identity:users:create"),
    E("GET", "/v3/users/{user_id}", get_user, "identity:users:get"),
    E("PATCH", "/v3/users/{user_id}", update_user, "identity:users:update"),
    E("DELETE", "/v3/users/{user_id}", delete_user, "identity:users:delete"),
    E("POST", "/v3/users/{user_id}/password", change_password, "identity:users:password"),
    E("GET", "/v3/users/{user_id}/projects", list_user_projects, "identity:users:projects"),
]
