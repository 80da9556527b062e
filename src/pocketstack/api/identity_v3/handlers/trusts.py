"""/v3/OS-TRUST/trusts: create, list, show, delete, and the trust's roles."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.common.validation import parse
from pocketstack.api.identity_v3.schemas.application_credentials import parse_expiry
from pocketstack.api.identity_v3.schemas.trusts import TrustCreateBody
from pocketstack.api.identity_v3.views import roles as role_views
from pocketstack.api.identity_v3.views import trusts as views
from pocketstack.core.errors import Forbidden, NotFound
from pocketstack.core.identity.application_credentials import RoleRequest
from pocketstack.core.identity.trusts import TrustInfo, TrustRequest


def _refuse_app_cred(req: ApiRequest) -> None:
    """COMPAT: as Keystone, a token from an application credential may not touch trusts."""
    if req.ctx.application_credential_id:
        raise Forbidden(
            "You are not authorized to perform the requested action: Using method "
            "'application_credential' is not allowed for managing trusts."
        )


def _target(trustor: str | None = None, trustee: str | None = None) -> dict[str, Any]:
    return {"trust": {"trustor_user_id": trustor, "trustee_user_id": trustee}}


def _load(req: ApiRequest) -> TrustInfo:
    """COMPAT: an unknown trust is a 404 before policy is asked, as in Keystone."""
    info = req.cloud.delegation.trusts.get(req.params["trust_id"])
    req.enforce(_target(info.trust.trustor_user_id, info.trust.trustee_user_id))
    _refuse_app_cred(req)
    return info


def list_trusts(req: ApiRequest) -> Response:
    trustor = req.query.get("trustor_user_id")
    trustee = req.query.get("trustee_user_id")
    policy = req.cloud.policy
    if trustor:
        policy.enforce("identity:trusts:list_for_trustor", req.ctx, _target(trustor=trustor))
    elif trustee:
        policy.enforce("identity:trusts:list_for_trustee", req.ctx, _target(trustee=trustee))
    else:
        req.enforce()
    _refuse_app_cred(req)
    items = req.cloud.delegation.trusts.list(trustor or None, None if trustor else trustee or None)
    return json_response(views.trusts(req.base_url, items, req.request.url.query))


def create_trust(req: ApiRequest) -> Response:
    body = parse(TrustCreateBody, req.json()).trust
    req.enforce(_target(trustor=body.trustor_user_id))
    _refuse_app_cred(req)
    assert req.ctx.user_id is not None
    info = req.cloud.delegation.trusts.create(
        req.ctx.user_id,
        req.ctx.trust_id,
        TrustRequest(
            trustor_user_id=body.trustor_user_id,
            trustee_user_id=body.trustee_user_id,
            project_id=body.project_id,
            impersonation=body.impersonation,
            roles=[RoleRequest(id=r.id, name=r.name) for r in body.roles or []],
            expires_at=parse_expiry(body.expires_at),
            remaining_uses=body.remaining_uses,
            allow_redelegation=bool(body.allow_redelegation),
            redelegation_count=body.redelegation_count,
        ),
    )
    return json_response({"trust": views.trust(req.base_url, info)}, 201)


def get_trust(req: ApiRequest) -> Response:
    return json_response({"trust": views.trust(req.base_url, _load(req))})


def delete_trust(req: ApiRequest) -> Response:
    info = _load(req)
    req.cloud.delegation.trusts.delete(info.trust.id)
    return empty_response(204)


def list_trust_roles(req: ApiRequest) -> Response:
    return json_response(views.trust_roles(req.base_url, _load(req)))


def get_trust_role(req: ApiRequest) -> Response:
    info = _load(req)
    role_id = req.params["role_id"]
    for role in info.roles:
        if role.id == role_id:
            return json_response({"role": role_views.role(req.base_url, role)})
    raise NotFound("role", role_id, code="identity.role.not_found")


E = Endpoint
_COLLECTION = "/v3/OS-TRUST/trusts"
_MEMBER = _COLLECTION + "/{trust_id}"

ROUTES: list[Endpoint] = [
    E("GET", _COLLECTION, list_trusts, "identity:trusts:list"),
    E("POST", _COLLECTION, create_trust, "identity:trusts:create"),
    E("GET", _MEMBER, get_trust, "identity:trusts:get"),
    E("DELETE", _MEMBER, delete_trust, "identity:trusts:delete"),
    E("GET", _MEMBER + "/roles", list_trust_roles, "identity:trust_roles:list"),
    E("GET", _MEMBER + "/roles/{role_id}", get_trust_role, "identity:trust_roles:get"),
]
