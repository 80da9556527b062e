"""/v3/users/{user_id}/access_rules: list, show, delete (refused while a credential uses it)."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.identity_v3.views.common import collection_links, links
from pocketstack.core.errors import Forbidden
from pocketstack.core.identity.access_rules import as_dict
from pocketstack.store.identity_delegation_models import AccessRule


def _view(base_url: str, rule: AccessRule) -> dict:
    return {**as_dict(rule), "links": links(base_url, f"users/{rule.user_id}/access_rules/{rule.id}")}


def _refuse_delegated(req: ApiRequest) -> None:
    """COMPAT: Keystone refuses access rule calls with delegated tokens."""
    if req.ctx.trust_id or req.ctx.application_credential_id:
        raise Forbidden("Cannot manage access rules with a token issued via delegation.")


def list_access_rules(req: ApiRequest) -> Response:
    user_id = req.params["user_id"]
    req.enforce({"user_id": user_id})
    _refuse_delegated(req)
    q = req.query
    rules = req.cloud.delegation.access_rules.list(user_id, q.get("service"), q.get("path"), q.get("method"))
    path = f"users/{user_id}/access_rules" + (f"?{req.request.url.query}" if req.request.url.query else "")
    return json_response(
        {
            "access_rules": [_view(req.base_url, r) for r in rules],
            "links": collection_links(req.base_url, path),
        }
    )


def get_access_rule(req: ApiRequest) -> Response:
    user_id = req.params["user_id"]
    req.enforce({"user_id": user_id})
    _refuse_delegated(req)
    rule = req.cloud.delegation.access_rules.get(user_id, req.params["access_rule_id"])
    return json_response({"access_rule": _view(req.base_url, rule)})


def delete_access_rule(req: ApiRequest) -> Response:
    user_id = req.params["user_id"]
    req.enforce({"user_id": user_id})
    _refuse_delegated(req)
    req.cloud.delegation.access_rules.delete(user_id, req.params["access_rule_id"])
    return empty_response(204)


E = Endpoint
_COLLECTION = "/v3/users/{user_id}/access_rules"

ROUTES: list[Endpoint] = [
    E("GET", _COLLECTION, list_access_rules, "identity:access_rules:list"),
    E("GET", _COLLECTION + "/{access_rule_id}", get_access_rule, "identity:access_rules:get"),
    E("DELETE", _COLLECTION + "/{access_rule_id}", delete_access_rule, "identity:access_rules:delete"),
]
