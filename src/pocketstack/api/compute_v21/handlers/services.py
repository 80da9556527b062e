"""GET /os-services, PUT /os-services/{id or action}, DELETE /os-services/{id}.

There is one ``nova-compute`` service per host (in the host's zone) and the control services
(``nova-scheduler``, ``nova-conductor``, in zone ``internal``). Only compute services can be
changed. From 2.53 a service is named by UUID and ``PUT`` takes the changes; below, it is named
by an integer (``hosts.short_id``), and ``PUT /os-services/{enable|disable|disable-log-reason|
force-down}`` names it by ``host`` and ``binary`` in the body. Deleting a compute service
deletes its host (see ``HostService.delete_service``).
"""

from __future__ import annotations

import uuid

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.request import body, check_query, version
from pocketstack.api.compute_v21.schemas.services import LEGACY_UPDATE_BODY, UpdateService, UpdateServiceV253
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.api.compute_v21.views import services as views
from pocketstack.core.errors import BadRequest, NotFound
from pocketstack.core.placement.services import COMPUTE_BINARY, ServiceRecord

P = "os_compute_api:os-services:"
LEGACY_ACTIONS = ("enable", "disable", "disable-log-reason")


def _not_compute(binary: str) -> BadRequest:
    return BadRequest(
        f"Updating a {binary} service is not supported. Only {COMPUTE_BINARY} services can be updated."
    )


def _uuid(raw: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise BadRequest(f"Invalid uuid {raw}") from None


def list_services(req: ApiRequest) -> Response:
    req.enforce()
    check_query(req, {"host", "binary"})
    found = req.cloud.service_registry.services(binary=req.query.get("binary"), host=req.query.get("host"))
    return json_response({"services": [views.service(req, svc) for svc in found]})


def update_service(req: ApiRequest) -> Response:
    if gated(req, "service.uuid_ids"):
        return _update(req)
    return _legacy_update(req)


def _update(req: ApiRequest) -> Response:
    changes = body(req, UpdateServiceV253)
    service_id = _uuid(req.params["service_id"])
    req.enforce()
    svc = req.cloud.service_registry.get_service(service_id)
    if svc.binary != COMPUTE_BINARY:
        raise _not_compute(svc.binary)
    disabled = None
    if changes.status == "enabled":
        if changes.disabled_reason:
            raise BadRequest("Specifying 'disabled_reason' with status 'enabled' is invalid.")
        disabled = False
    elif changes.status == "disabled":
        disabled = True
    if disabled is None and changes.forced_down is None:
        raise BadRequest("No updates were requested. Fields 'status' or 'forced_down' should be specified.")
    updated = req.cloud.service_registry.set_service_status(
        svc.id, disabled, changes.disabled_reason, changes.forced_down
    )
    return json_response({"service": views.service(req, updated)})


def _legacy_update(req: ApiRequest) -> Response:
    """COMPAT: before 2.53 the path names the action, the body the service."""
    action = req.params["service_id"]
    actions = (*LEGACY_ACTIONS, "force-down") if gated(req, "service.forced_down") else LEGACY_ACTIONS
    given = body(req, LEGACY_UPDATE_BODY.at(version(req)))
    req.enforce()
    if action not in actions:
        raise NotFound("action", action, message="Unknown action")
    if action == "force-down":
        forced_down = getattr(given, "forced_down", None)
        if forced_down is None:
            raise BadRequest("Missing forced_down field")
        _set(req, given, None, None, forced_down)
        return json_response(views.legacy_update(given.host, given.binary, forced_down=forced_down))
    if action == "disable-log-reason" and given.disabled_reason is None:
        raise BadRequest("Missing disabled reason field")
    disabled = action != "enable"
    reason = given.disabled_reason if action == "disable-log-reason" else None
    _set(req, given, disabled, reason, None)
    fields: dict = {"status": "disabled" if disabled else "enabled"}
    if reason:
        fields["disabled_reason"] = reason
    return json_response(views.legacy_update(given.host, given.binary, **fields))


def _legacy_target(req: ApiRequest, given: UpdateService) -> ServiceRecord:
    if given.binary != COMPUTE_BINARY:
        raise _not_compute(given.binary)
    return req.cloud.service_registry.find_compute_service(given.host)


def _set(
    req: ApiRequest, given: UpdateService, disabled: bool | None, reason: str | None, forced_down: bool | None
) -> None:
    svc = _legacy_target(req, given)
    req.cloud.service_registry.set_service_status(svc.id, disabled, reason, forced_down)


def delete_service(req: ApiRequest) -> Response:
    req.enforce()
    raw = req.params["service_id"]
    if gated(req, "service.uuid_ids"):
        ident: str | int = _uuid(raw)
    else:
        if not (raw.isascii() and raw.lstrip("-").isdigit()):
            raise BadRequest("Invalid input received: id must be an integer.")
        ident = int(raw)  # an integer no service has (negative, too long) is simply not found
    svc = req.cloud.service_registry.get_service(ident)
    req.cloud.service_registry.delete_service(svc.id)
    return empty_response(204)


ROUTES: list[Endpoint] = [
    Endpoint("GET", "/os-services", list_services, f"{P}list"),
    Endpoint("PUT", "/os-services/{service_id}", update_service, f"{P}update"),
    Endpoint("DELETE", "/os-services/{service_id}", delete_service, f"{P}delete"),
]
