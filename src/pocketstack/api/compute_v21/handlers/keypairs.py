"""Compute v2.1 keypairs (``/os-keypairs``): each user's own; admins may name another user
with ``user_id`` (2.10+)."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.handlers.flavors import refuse_unknown_query
from pocketstack.api.compute_v21.request import body, effective_limit, next_links, page, version
from pocketstack.api.compute_v21.schemas.keypairs import create_schema
from pocketstack.api.compute_v21.version_ranges import Ranged, gated
from pocketstack.api.compute_v21.views import keypairs as views
from pocketstack.core.compute.keypairs import DEFAULT_LIMIT
from pocketstack.core.errors import Forbidden

P = "os_compute_api:os-keypairs:"
OTHER_USER = f"{P}other_user"
# The answer codes of a create and a delete (2.2 made them 201 and 204).
CREATE_STATUS: Ranged[int] = Ranged("keypair.create_status", ("2.0", "2.1", 200), ("2.2", None, 201))
DELETE_STATUS: Ranged[int] = Ranged("keypair.delete_status", ("2.0", "2.1", 202), ("2.2", None, 204))


def _owner(req: ApiRequest, requested: str | None) -> str:
    """Whose keypairs the call is about: the caller's, or (2.10+) the ``user_id`` given,
    which needs the other-user rule unless it is the caller's own."""
    user_id = (requested if gated(req, "keypair.other_users") else None) or req.ctx.user_id
    if user_id is None:
        raise Forbidden("Keypairs belong to users; this token names none.")
    req.enforce({"user_id": user_id})
    if user_id != req.ctx.user_id:
        req.cloud.policy.enforce(OTHER_USER, req.ctx, {"user_id": user_id})
    return user_id


def _query_user(req: ApiRequest) -> str | None:
    # COMPAT: Nova takes the first of repeated user_id parameters.
    values = req.query.getlist("user_id")
    return values[0] if values else None


def list_keypairs(req: ApiRequest) -> Response:
    refuse_unknown_query(req, ("user_id", "limit", "marker"))
    user_id = _owner(req, _query_user(req))
    paged = gated(req, "keypair.paging")
    limit, marker = page(req) if paged else (None, None)
    if paged:
        limit = effective_limit(limit)
    keypairs = req.cloud.keypairs.list(user_id, limit=limit, marker=marker)
    result: dict[str, object] = {"keypairs": [views.brief(req, k) for k in keypairs]}
    if paged:
        links = next_links(req, "os-keypairs", keypairs, limit, key="name")
        if links:
            result["keypairs_links"] = links
    return json_response(result)


def show_keypair(req: ApiRequest) -> Response:
    refuse_unknown_query(req, ("user_id",))
    user_id = _owner(req, _query_user(req))
    return json_response(views.full(req, req.cloud.keypairs.get(user_id, req.params["name"])))


def create_keypair(req: ApiRequest) -> Response:
    """Import a public key, or (below 2.92) generate a key pair and return its private key
    once. 200 below 2.2, 201 from 2.2."""
    new = body(req, create_schema(version(req))).keypair
    user_id = _owner(req, getattr(new, "user_id", None))
    # COMPAT: as in Nova, the limit is the caller's project's ``key_pairs``, counted per user.
    limit = req.cloud.quotas.limits(req.ctx.project_id).get("key_pairs", DEFAULT_LIMIT)
    keypair, private_key = req.cloud.keypairs.create(
        user_id, new.name, key_type=getattr(new, "type", "ssh"), public_key=new.public_key, limit=limit
    )
    return json_response(views.created(req, keypair, private_key), CREATE_STATUS.at(version(req)))


def delete_keypair(req: ApiRequest) -> Response:
    refuse_unknown_query(req, ("user_id",))
    user_id = _owner(req, _query_user(req))
    req.cloud.keypairs.delete(user_id, req.params["name"])
    return empty_response(DELETE_STATUS.at(version(req)))


ROUTES: list[Endpoint] = [
    Endpoint("GET", "/os-keypairs", list_keypairs, f"{P}index", cached=("keypairs",)),
    Endpoint("POST", "/os-keypairs", create_keypair, f"{P}create"),
    Endpoint("GET", "/os-keypairs/{name}", show_keypair, f"{P}show", cached=("keypairs",)),
    Endpoint("DELETE", "/os-keypairs/{name}", delete_keypair, f"{P}delete"),
]
