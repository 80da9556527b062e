"""/v3/users/{user_id}/credentials/OS-EC2 and POST /v3/ec2tokens."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.identity_v3.handlers.auth import _token_response
from pocketstack.api.identity_v3.handlers.credentials import (
    _check_scope,
    out_of_delegated_scope,
    refuse_restricted,
)
from pocketstack.api.identity_v3.views import credentials as views
from pocketstack.core.errors import BadRequest, Unauthorized
from pocketstack.core.identity.ec2 import Ec2Credential


def _target(user_id: str) -> dict[str, Any]:
    return {"user_id": user_id, "credential": {"user_id": user_id}}


def _user(req: ApiRequest) -> str:
    user_id = req.params["user_id"]
    req.cloud.users.get(user_id)  # NotFound for an unknown user
    return user_id


def list_ec2_credentials(req: ApiRequest) -> Response:
    req.enforce(_target(req.params["user_id"]))
    user_id = _user(req)
    items = [
        c for c in req.cloud.delegation.ec2.list(user_id) if not out_of_delegated_scope(req.ctx, c.tenant_id)
    ]
    return json_response(views.ec2_credentials(req.base_url, user_id, items))


def create_ec2_credential(req: ApiRequest) -> Response:
    req.enforce(_target(req.params["user_id"]))
    refuse_restricted(req)
    user_id = _user(req)
    body = req.json()
    tenant_id = body.get("tenant_id") if isinstance(body, dict) else None
    if tenant_id is not None and not isinstance(tenant_id, str):
        raise BadRequest("Invalid input for field 'tenant_id': expected a string.")
    _check_scope(req.ctx, tenant_id)
    cred = req.cloud.delegation.ec2.create(user_id, tenant_id or "", trust_id=req.ctx.trust_id)
    return json_response({"credential": views.ec2_credential(req.base_url, cred)}, 201)


def _load(req: ApiRequest) -> Ec2Credential:
    access = req.params["access"]
    found = req.cloud.delegation.ec2.find(access)
    req.enforce(_target(found.user_id if found else req.params["user_id"]))
    _user(req)
    cred = req.cloud.delegation.ec2.get(req.params["user_id"], access)
    _check_scope(req.ctx, cred.tenant_id)
    return cred


def get_ec2_credential(req: ApiRequest) -> Response:
    return json_response({"credential": views.ec2_credential(req.base_url, _load(req))})


def delete_ec2_credential(req: ApiRequest) -> Response:
    cred = _load(req)
    req.cloud.delegation.ec2.delete(cred.user_id, cred.access)
    return empty_response(204)


def issue_ec2_token(req: ApiRequest) -> Response:
    req.enforce()
    if not req.body:
        raise BadRequest("Request must include a request body.")
    body = req.json()
    creds = None
    if isinstance(body, dict):
        # COMPAT: Keystone takes any of the three names its clients have used.
        creds = body.get("credentials") or body.get("credential") or body.get("ec2Credentials")
    if not isinstance(creds, dict) or "access" not in creds:
        raise Unauthorized("EC2 signature not supplied.")
    info = req.cloud.delegation.ec2.authenticate(creds)
    return _token_response(req, info, 200)


E = Endpoint
_COLLECTION = "/v3/users/{user_id}/credentials/OS-EC2"
_MEMBER = _COLLECTION + "/{access}"

ROUTES: list[Endpoint] = [
    E("GET", _COLLECTION, list_ec2_credentials, "identity:ec2_credentials:list"),
    E("POST", _COLLECTION, create_ec2_credential, "identity:ec2_credentials:create"),
    E("GET", _MEMBER, get_ec2_credential, "identity:ec2_credentials:get"),
    E("DELETE", _MEMBER, delete_ec2_credential, "identity:ec2_credentials:delete"),
    E("POST", "/v3/ec2tokens", issue_ec2_token, "identity:ec2tokens:validate"),
]
