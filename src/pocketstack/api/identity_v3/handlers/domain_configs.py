"""/v3/domains/{domain_id}/config[/{group}[/{option}]] and the defaults under
/v3/domains/config/...: Keystone's domain-specific configuration."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.core.errors import BadRequest
from pocketstack.core.identity.domain_config_options import SECURITY_COMPLIANCE
from pocketstack.core.identity.domain_configs import DomainConfigService


def _svc(req: ApiRequest) -> DomainConfigService:
    return req.cloud.catalog_extras.domain_configs


def _config_in(req: ApiRequest) -> Any:
    data = req.json()
    if not isinstance(data, dict):
        raise BadRequest("Invalid input for field 'config': the body must be a JSON object.")
    return data.get("config", {})


def _path(req: ApiRequest) -> tuple[str, str | None, str | None]:
    return req.params["domain_id"], req.params.get("group"), req.params.get("option")


def get_config(req: ApiRequest) -> Response:
    domain_id, group, option = _path(req)
    if group == SECURITY_COMPLIANCE:
        # COMPAT: Keystone lets any user read the default domain's password rules.
        req.cloud.policy.enforce("identity:domain_configs:security_compliance", req.ctx, {})
    else:
        req.enforce()
    return json_response({"config": _svc(req).get(domain_id, group, option)})


def put_config(req: ApiRequest) -> Response:
    req.enforce()
    config, created = _svc(req).replace(req.params["domain_id"], _config_in(req))
    return json_response({"config": config}, 201 if created else 200)


def update_config(req: ApiRequest) -> Response:
    req.enforce()
    domain_id, group, option = _path(req)
    config = _svc(req).update(domain_id, _config_in(req), group, option)
    return json_response({"config": config})


def delete_config(req: ApiRequest) -> Response:
    req.enforce()
    domain_id, group, option = _path(req)
    _svc(req).delete(domain_id, group, option)
    return empty_response(204)


def get_default_config(req: ApiRequest) -> Response:
    req.enforce()
    config = _svc(req).defaults(req.params.get("group"), req.params.get("option"))
    return json_response({"config": config})


E = Endpoint
_CONFIG = "/v3/domains/{domain_id}/config"
_GROUP = _CONFIG + "/{group}"
_OPTION = _GROUP + "/{option}"
_GET, _CREATE = "identity:domain_configs:get", "identity:domain_configs:create"
_UPDATE, _DELETE = "identity:domain_configs:update", "identity:domain_configs:delete"
_DEFAULT = "identity:domain_configs:default"

ROUTES: list[Endpoint] = [
    E("GET", "/v3/domains/config/default", get_default_config, _DEFAULT),
    E("GET", "/v3/domains/config/{group}/default", get_default_config, _DEFAULT),
    E("GET", "/v3/domains/config/{group}/{option}/default", get_default_config, _DEFAULT),
    E("GET", _CONFIG, get_config, _GET),
    E("PUT", _CONFIG, put_config, _CREATE),
    E("PATCH", _CONFIG, update_config, _UPDATE),
    E("DELETE", _CONFIG, delete_config, _DELETE),
    *[E("GET", path, get_config, _GET) for path in (_GROUP, _OPTION)],
    *[E("PATCH", path, update_config, _UPDATE) for path in (_GROUP, _OPTION)],
    *[E("DELETE", path, delete_config, _DELETE) for path in (_GROUP, _OPTION)],
]
