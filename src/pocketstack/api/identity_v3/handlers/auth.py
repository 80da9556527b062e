"""POST/GET/HEAD/DELETE /v3/auth/tokens and the /v3/auth/* read calls."""

from __future__ import annotations

import orjson
from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.common.validation import parse, query_bool
from pocketstack.api.identity_v3.schemas.auth import TRUST_SCOPE, AuthBodyIn, UserRefIn, trust_scope
from pocketstack.api.identity_v3.views import auth as views
from pocketstack.api.identity_v3.views import domains as domain_views
from pocketstack.api.identity_v3.views import projects as project_views
from pocketstack.api.identity_v3.views.common import links
from pocketstack.core.errors import BadRequest, Forbidden, NotFound, NotImplementedYet, Unauthorized
from pocketstack.core.identity.auth import AuthRequest, ScopeRequest, TokenInfo, UserRef


def _user_ref(user: UserRefIn | None) -> UserRef | None:
    if user is None:
        return None
    domain = user.domain
    return UserRef(
        id=user.id,
        name=user.name,
        domain_id=domain.id if domain else None,
        domain_name=domain.name if domain else None,
    )


def _translate(body: AuthBodyIn) -> AuthRequest:
    auth = body.auth
    ident = auth.identity
    scope: ScopeRequest | None = None
    unscoped = auth.scope == "unscoped"
    if isinstance(auth.scope, str) and not unscoped:
        raise BadRequest("The scope must be an object or 'unscoped'.")
    if auth.scope is not None and not isinstance(auth.scope, str):
        sc = auth.scope
        extra = dict(sc.model_extra or {})
        trust = extra.pop(TRUST_SCOPE, None)
        given = [k for k in ("project", "domain", "system") if getattr(sc, k) is not None]
        if extra:
            raise NotImplementedYet(f"Scoping to {', '.join(extra)} is not supported.")
        if len(given) + (trust is not None) != 1:
            raise BadRequest("Specify exactly one of project, domain, system or OS-TRUST:trust as the scope.")
        if trust is not None:
            scope = trust_scope(trust)
        elif sc.project is not None:
            pd = sc.project.domain
            if not sc.project.id and not sc.project.name:
                raise BadRequest("A project scope needs an id or a name.")
            scope = ScopeRequest(
                "project",
                id=sc.project.id,
                name=sc.project.name,
                domain_id=pd.id if pd else None,
                domain_name=pd.name if pd else None,
            )
        elif sc.domain is not None:
            if not sc.domain.id and not sc.domain.name:
                raise BadRequest("A domain scope needs an id or a name.")
            scope = ScopeRequest("domain", id=sc.domain.id, name=sc.domain.name)
        else:
            if sc.system != {"all": True}:
                raise BadRequest('A system scope must be {"all": true}.')
            scope = ScopeRequest("system")
    pw = ident.password
    cred = ident.application_credential
    if "password" in ident.methods and pw is None:
        raise BadRequest("The password method needs a 'password' object.")
    if "token" in ident.methods and ident.token is None:
        raise BadRequest("The token method needs a 'token' object.")
    if "application_credential" in ident.methods and cred is None:
        raise BadRequest("The application_credential method needs an 'application_credential' object.")
    return AuthRequest(
        methods=tuple(ident.methods),
        user=_user_ref(pw.user if pw else (cred.user if cred else None)),
        password=pw.user.password if pw else None,
        token=ident.token.id if ident.token else None,
        app_cred_id=cred.id if cred else None,
        app_cred_name=cred.name if cred else None,
        app_cred_secret=cred.secret if cred else None,
        scope=scope,
        unscoped=unscoped,
    )


def _token_response(req: ApiRequest, info: TokenInfo, status: int) -> Response:
    nocatalog = query_bool(req.query.get("nocatalog")) if "nocatalog" in req.query else False
    body = info.rendered.get(nocatalog)
    if body is None:
        # The body depends on the validation and the catalog, both as of the identity revision
        # the validation was made at: a validation of a later one is another TokenInfo.
        project_id = info.project.id if info.project else None
        entries = None if nocatalog else req.cloud.auth_scopes.catalog(project_id, req.identity_revision)
        body = info.rendered[nocatalog] = orjson.dumps(views.token(info, entries))
    return Response(body, status, {"X-Subject-Token": info.token}, media_type="application/json")


def issue_token(req: ApiRequest) -> Response:
    info = req.cloud.auth.authenticate(_translate(parse(AuthBodyIn, req.json())))
    return _token_response(req, info, 201)


def _subject(req: ApiRequest) -> TokenInfo:
    subject = req.headers.get("x-subject-token")
    if not subject:
        raise NotFound("token", "", message="The X-Subject-Token header is missing.")
    try:
        info = req.cloud.auth.validate(subject, req.identity_revision)
    except Unauthorized:
        raise NotFound("token", "", message="Could not find token.") from None
    req.enforce({"token": {"user_id": info.user.id}})
    return info


def validate_token(req: ApiRequest) -> Response:
    return _token_response(req, _subject(req), 200)


def check_token(req: ApiRequest) -> Response:
    info = _subject(req)
    return empty_response(200, {"X-Subject-Token": info.token})


def revoke_token(req: ApiRequest) -> Response:
    info = _subject(req)
    req.cloud.auth.revoke_token(info.token)
    return empty_response(204)


def get_auth_catalog(req: ApiRequest) -> Response:
    req.enforce()
    if req.ctx.project_id is None and req.ctx.domain_id is None and req.ctx.system_scope is None:
        raise Forbidden("The catalog needs a scoped token.")
    entries = req.cloud.auth_scopes.catalog(req.ctx.project_id)
    catalog = views.catalog(entries, req.ctx.user_id, req.ctx.project_id)
    body = {"catalog": catalog, "links": links(req.base_url, "auth/catalog")}
    return json_response(body)


def list_auth_projects(req: ApiRequest) -> Response:
    req.enforce()
    assert req.ctx.user_id is not None
    items = [p for p, _domain in req.cloud.auth_scopes.projects(req.ctx.user_id)]
    return json_response(project_views.projects(req.base_url, items, "auth/projects"))


def list_auth_domains(req: ApiRequest) -> Response:
    req.enforce()
    assert req.ctx.user_id is not None
    items = req.cloud.auth_scopes.domains(req.ctx.user_id)
    return json_response(domain_views.domains(req.base_url, items, "auth/domains"))


def get_auth_system(req: ApiRequest) -> Response:
    req.enforce()
    assert req.ctx.user_id is not None
    system = [{"all": True}] if req.cloud.auth_scopes.system(req.ctx.user_id) else []
    return json_response({"system": system, "links": links(req.base_url, "auth/system")})
