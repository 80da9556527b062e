"""/v3/credentials: create, list, show, update, delete."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.common.validation import parse
from pocketstack.api.identity_v3.schemas.credentials import CredentialCreateBody, CredentialUpdateBody
from pocketstack.api.identity_v3.views import credentials as views
from pocketstack.core.context import RequestContext
from pocketstack.core.errors import BadRequest, Forbidden, NotFound
from pocketstack.core.identity.credentials import EC2, CredentialData


def _target(user_id: str | None) -> dict[str, Any]:
    return {"credential": {"user_id": user_id}}


def out_of_delegated_scope(ctx: RequestContext, project_id: str | None) -> bool:
    """COMPAT: a delegated token (trust, application credential) reaches only credentials of
    the project it is scoped to, as in Keystone."""
    delegated = ctx.trust_id or ctx.application_credential_id
    return bool(delegated) and project_id != ctx.project_id


def _check_scope(ctx: RequestContext, project_id: str | None) -> None:
    if out_of_delegated_scope(ctx, project_id):
        raise Forbidden(
            "You are not authorized to perform the requested action: Credential project does not "
            "match the project scope of the delegated token."
        )


def refuse_restricted(req: ApiRequest) -> None:
    """COMPAT: a restricted application credential may not make further credentials."""
    cred_id = req.ctx.application_credential_id
    if cred_id and not req.cloud.application_credentials.is_unrestricted(cred_id):
        raise Forbidden(
            "You are not authorized to perform the requested action: Using method "
            "'application_credential' is not allowed for managing additional credentials."
        )


def _load(req: ApiRequest) -> CredentialData:
    cred_id = req.params["credential_id"]
    cred = req.cloud.delegation.credentials.find(cred_id)
    req.enforce(_target(cred.user_id if cred else None))
    if cred is None:
        raise NotFound("credential", cred_id, code="identity.credential.not_found")
    _check_scope(req.ctx, cred.project_id)
    return cred


def list_credentials(req: ApiRequest) -> Response:
    req.enforce(_target(req.ctx.user_id))
    items = req.cloud.delegation.credentials.list(req.query.get("user_id"), req.query.get("type"))
    visible = [
        c
        for c in items
        if req.cloud.policy.check("identity:credentials:get", req.ctx, _target(c.user_id))
        and not out_of_delegated_scope(req.ctx, c.project_id)
    ]
    return json_response(views.credentials(req.base_url, visible, req.request.url.query))


def create_credential(req: ApiRequest) -> Response:
    body = parse(CredentialCreateBody, req.json()).credential
    req.enforce(_target(body.user_id))
    if body.type.lower() == EC2:
        refuse_restricted(req)
    _check_scope(req.ctx, body.project_id)
    cred = req.cloud.delegation.credentials.create(
        user_id=body.user_id,
        type=body.type,
        blob=body.blob,
        project_id=body.project_id,
        extra={k: v for k, v in (body.model_extra or {}).items() if k != "id"},
        trust_id=req.ctx.trust_id,
        app_cred_id=req.ctx.application_credential_id,
    )
    return json_response({"credential": views.credential(req.base_url, cred)}, 201)


def get_credential(req: ApiRequest) -> Response:
    return json_response({"credential": views.credential(req.base_url, _load(req))})


def update_credential(req: ApiRequest) -> Response:
    current = _load(req)
    body = parse(CredentialUpdateBody, req.json()).credential
    changes = body.model_dump(exclude_unset=True)
    if changes.get("id", current.id) != current.id:
        raise BadRequest("Cannot change ID.")
    if "type" in changes and changes["type"] is None:
        raise BadRequest("Invalid input for field 'type': a credential has a type.")
    for key in ("user_id", "blob"):
        if key in changes and changes[key] is None:
            del changes[key]
    # The owner after the change must be one the caller may manage too.
    req.enforce(_target(changes.get("user_id") or current.user_id))
    cred = req.cloud.delegation.credentials.update(current.id, changes)
    return json_response({"credential": views.credential(req.base_url, cred)})


def delete_credential(req: ApiRequest) -> Response:
    cred = _load(req)
    req.cloud.delegation.credentials.delete(cred.id)
    return empty_response(204)


E = Endpoint
ROUTES: list[Endpoint] = [
    E("GET", "/v3/credentials", list_credentials, "identity:credentials:list"),
    E("POST", "/v3/credentials", create_credential, "identity:credentials:create"),
    E("GET", "/v3/credentials/{credential_id}", get_credential, "identity:credentials:get"),
    E("PATCH", "/v3/credentials/{credential_id}", update_credential, "identity:credentials:update"),
    E("DELETE", "/v3/credentials/{credential_id}", delete_credential, "identity:credentials:delete"),
]
