"""/v3/users/{user_id}/application_credentials: create, list, show, delete."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.common.validation import parse
from pocketstack.api.identity_v3.schemas.application_credentials import AppCredCreateBody, parse_expiry
from pocketstack.api.identity_v3.views import application_credentials as views
from pocketstack.core.errors import BadRequest, Forbidden, NotFound, NotImplementedYet
from pocketstack.core.identity.access_rules import AccessRuleSpec
from pocketstack.core.identity.application_credentials import RoleRequest
from pocketstack.store.models import ApplicationCredential


def _forbidden(action: str) -> Forbidden:
    return Forbidden(f"You are not authorized to perform the requested action: {action}")


def _refuse_restricted(req: ApiRequest) -> None:
    """COMPAT: a token from a restricted application credential may not create or delete
    application credentials, so a leaked credential cannot mint itself successors."""
    cred_id = req.ctx.application_credential_id
    if cred_id and not req.cloud.application_credentials.is_unrestricted(cred_id):
        raise _forbidden(
            "Using method 'application_credential' is not allowed for managing additional "
            "application credentials."
        )


def _load(req: ApiRequest) -> ApplicationCredential:
    """The credential in the path, after policy on its owner. COMPAT: like Keystone, policy
    looks at the credential's own user, whatever user the path names."""
    cred_id = req.params["application_credential_id"]
    cred = req.cloud.application_credentials.find(cred_id)
    req.enforce({"user_id": cred.user_id if cred else req.params["user_id"]})
    if cred is None:
        raise NotFound("application credential", cred_id, code="identity.application_credential.not_found")
    return cred


def list_application_credentials(req: ApiRequest) -> Response:
    user_id = req.params["user_id"]
    req.enforce({"user_id": user_id})
    items = req.cloud.application_credentials.list(user_id, name=req.query.get("name"))
    return json_response(views.application_credentials(req.base_url, user_id, items, req.request.url.query))


def create_application_credential(req: ApiRequest) -> Response:
    user_id = req.params["user_id"]
    req.enforce({"user_id": user_id})
    _refuse_restricted(req)
    if req.ctx.user_id != user_id:
        raise _forbidden("Cannot create an application credential for another user.")
    body = parse(AppCredCreateBody, req.json()).application_credential
    if body.system is not None:
        raise NotImplementedYet("System-scoped application credentials are not supported.")
    if req.ctx.project_id is None:
        raise BadRequest("An application credential is created with a project-scoped token.")
    info = req.cloud.application_credentials.create(
        user_id=user_id,
        project_id=req.ctx.project_id,
        name=body.name,
        token_roles=req.ctx.roles,
        requested_roles=[RoleRequest(id=r.id, name=r.name) for r in body.roles or []],
        secret=body.secret,
        description=body.description or "",
        expires_at=parse_expiry(body.expires_at),
        unrestricted=bool(body.unrestricted),
        access_rules=[
            AccessRuleSpec(id=r.id, service=r.service, path=r.path, method=r.method)
            for r in body.access_rules or []
        ],
    )
    return json_response({"application_credential": views.application_credential(req.base_url, info)}, 201)


def get_application_credential(req: ApiRequest) -> Response:
    cred = _load(req)
    info = req.cloud.application_credentials.get(cred.id)
    return json_response({"application_credential": views.application_credential(req.base_url, info)})


def delete_application_credential(req: ApiRequest) -> Response:
    cred = _load(req)
    _refuse_restricted(req)
    req.cloud.application_credentials.delete(cred.id)
    return empty_response(204)


E = Endpoint
_COLLECTION = "/v3/users/{user_id}/application_credentials"
_MEMBER = _COLLECTION + "/{application_credential_id}"

ROUTES: list[Endpoint] = [
    E("GET", _COLLECTION, list_application_credentials, "identity:application_credentials:list"),
    E("POST", _COLLECTION, create_application_credential, "identity:application_credentials:create"),
    E("GET", _MEMBER, get_application_credential, "identity:application_credentials:get"),
    E("DELETE", _MEMBER, delete_application_credential, "identity:application_credentials:delete"),
]
