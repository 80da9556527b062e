"""/v3/policies (opaque policy documents), and the extensions around them that pocketstack does
not serve: OS-ENDPOINT-POLICY and OS-OAUTH1 answer 501 with what is missing."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint, Handler
from pocketstack.api.common.validation import parse
from pocketstack.api.identity_v3.schemas.catalog_extras import PolicyCreateBody, PolicyUpdateBody
from pocketstack.api.identity_v3.schemas.domains import check_matching_id, extra_attributes, given
from pocketstack.api.identity_v3.views import catalog_extras as views
from pocketstack.core.errors import BadRequest, NotImplementedYet


def list_policies(req: ApiRequest) -> Response:
    req.enforce()
    items = req.cloud.catalog_extras.policies.list(type=req.query.get("type"))
    return json_response(views.policies(req.base_url, items, req.request.url.query))


def create_policy(req: ApiRequest) -> Response:
    req.enforce()
    body = parse(PolicyCreateBody, req.json()).policy
    policy = req.cloud.catalog_extras.policies.create(body.type, body.blob, extra_attributes(body))
    return json_response({"policy": views.policy(req.base_url, policy)}, 201)


def get_policy(req: ApiRequest) -> Response:
    req.enforce()
    policy = req.cloud.catalog_extras.policies.get(req.params["policy_id"])
    return json_response({"policy": views.policy(req.base_url, policy)})


def update_policy(req: ApiRequest) -> Response:
    req.enforce()
    policy_id = req.params["policy_id"]
    body = parse(PolicyUpdateBody, req.json()).policy
    check_matching_id(body, policy_id, "policy")
    changes = given(body)
    extra = extra_attributes(body)
    if extra:
        changes["extra"] = extra
    if not changes:
        raise BadRequest("Invalid input for field 'policy': it must name at least one attribute to change.")
    policy = req.cloud.catalog_extras.policies.update(policy_id, changes)
    return json_response({"policy": views.policy(req.base_url, policy)})


def delete_policy(req: ApiRequest) -> Response:
    req.enforce()
    req.cloud.catalog_extras.policies.delete(req.params["policy_id"])
    return empty_response(204)


def endpoint_policy_not_served(req: ApiRequest) -> Response:
    req.enforce()
    raise NotImplementedYet(
        "OS-ENDPOINT-POLICY (associating policies with endpoints, services and regions) is not "
        "served by pocketstack; /v3/policies is."
    )


def oauth1_not_served(req: ApiRequest) -> Response:
    req.enforce()
    raise NotImplementedYet(
        "OS-OAUTH1 request and access tokens (OAuth 1.0a delegation) are not served by pocketstack; "
        "consumers are. Use application credentials or trusts."
    )


FEDERATION = (
    "OS-FEDERATION (identity providers, mappings, protocols, service providers, WebSSO and SAML) "
    "is not served by pocketstack: every user lives in its own identity store."
)


def federation_not_served(req: ApiRequest) -> Response:
    req.enforce()
    raise NotImplementedYet(FEDERATION)


E = Endpoint
_FED = "/v3/OS-FEDERATION"
_IDP = _FED + "/identity_providers/{idp_id}"
_CRUD = ("GET", "PUT", "PATCH", "DELETE")
_POLICY = "/v3/policies/{policy_id}"
_EP = _POLICY + "/OS-ENDPOINT-POLICY"
_EP_RULE = "identity:endpoint_policies:manage"
_OAUTH_RULE = "identity:oauth1:manage"


def _not_served(paths: list[tuple[str, tuple[str, ...]]], handler: Handler, rule: str) -> list[Endpoint]:
    return [E(method, path, handler, rule) for path, methods in paths for method in methods]


_CHECKED = ("GET", "PUT", "DELETE")

ROUTES: list[Endpoint] = [
    E("GET", "/v3/policies", list_policies, "identity:policies:list"),
    E("POST", "/v3/policies", create_policy, "identity:policies:create"),
    E("GET", _POLICY, get_policy, "identity:policies:get"),
    E("PATCH", _POLICY, update_policy, "identity:policies:update"),
    E("DELETE", _POLICY, delete_policy, "identity:policies:delete"),
    *_not_served(
        [
            (_EP + "/endpoints", ("GET",)),
            (_EP + "/endpoints/{endpoint_id}", _CHECKED),
            (_EP + "/services/{service_id}", _CHECKED),
            (_EP + "/services/{service_id}/regions/{region_id}", _CHECKED),
            ("/v3/endpoints/{endpoint_id}/OS-ENDPOINT-POLICY/policy", ("GET",)),
        ],
        endpoint_policy_not_served,
        _EP_RULE,
    ),
    *_not_served(
        [
            ("/v3/OS-OAUTH1/request_token", ("POST",)),
            ("/v3/OS-OAUTH1/access_token", ("POST",)),
            ("/v3/OS-OAUTH1/authorize/{request_token_id}", ("PUT",)),
            ("/v3/users/{user_id}/OS-OAUTH1/access_tokens", ("GET",)),
            ("/v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}", ("GET", "DELETE")),
            ("/v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}/roles", ("GET",)),
        ],
        oauth1_not_served,
        _OAUTH_RULE,
    ),
    *_not_served(
        [
            (_FED + "/identity_providers", ("GET",)),
            (_IDP, _CRUD),
            (_IDP + "/protocols", ("GET",)),
            (_IDP + "/protocols/{protocol_id}", _CRUD),
            (_FED + "/mappings", ("GET",)),
            (_FED + "/mappings/{mapping_id}", _CRUD),
            (_FED + "/service_providers", ("GET",)),
            (_FED + "/service_providers/{sp_id}", _CRUD),
            (_FED + "/projects", ("GET",)),
            (_FED + "/domains", ("GET",)),
        ],
        federation_not_served,
        "identity:federation:manage",
    ),
    # Reached before there is a token: federated authentication itself.
    *[
        E(method, path, federation_not_served, None, authenticated=False)
        for path in (
            _IDP + "/protocols/{protocol_id}/auth",
            "/v3/auth/OS-FEDERATION/websso/{protocol_id}",
            "/v3/auth/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}/websso",
        )
        for method in ("GET", "POST")
    ],
    E("GET", _FED + "/saml2/metadata", federation_not_served, None, authenticated=False),
    E("POST", "/v3/auth/OS-FEDERATION/saml2", federation_not_served, "identity:federation:manage"),
    E("POST", "/v3/auth/OS-FEDERATION/saml2/ecp", federation_not_served, "identity:federation:manage"),
]
