"""``os-hosts``, served below microversion 2.43 as in Nova (404 from 2.43: use os-services and
os-hypervisors): list the hosts of the enabled services, show a compute host's resources,
enable or disable its compute service, and the power actions.

The power actions and maintenance mode need a hypervisor driver that can act on the host
itself; pocketstack's drivers cannot (nor can Nova's libvirt driver): 501.
"""

from __future__ import annotations

from dataclasses import asdict

from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.request import body
from pocketstack.api.compute_v21.schemas.hosts import UpdateHost
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.core.compute.host_resources import host_report
from pocketstack.core.errors import BadRequest, NotFound, NotImplementedYet
from pocketstack.core.placement.services import ServiceRecord

P = "os_compute_api:os-hosts:"
# COMPAT: Nova lists the services' topics, which are their binaries without ``nova-``.
_API_BINARIES = ("nova-osapi_compute", "nova-metadata")


def _gate(req: ApiRequest) -> None:
    if not gated(req, "host.api"):
        raise NotFound("resource", req.request.url.path, message="The resource could not be found.")
    req.enforce()


def list_hosts(req: ApiRequest) -> Response:
    _gate(req)
    zone = req.query.get("zone")
    hosts = [
        {"host_name": svc.host, "service": svc.binary.removeprefix("nova-"), "zone": svc.zone}
        for svc in req.cloud.service_registry.services()
        if not svc.disabled and svc.binary not in _API_BINARIES
    ]
    if zone:
        hosts = [h for h in hosts if h["zone"] == zone]
    return json_response({"hosts": hosts})


def show_host(req: ApiRequest) -> Response:
    _gate(req)
    report = host_report(req.cloud.db, req.cloud.hosts, req.params["host_name"])
    host = req.params["host_name"]
    return json_response({"host": [{"resource": {"host": host, **asdict(line)}} for line in report]})


def update_host(req: ApiRequest) -> Response:
    _gate(req)
    given = body(req, UpdateHost)
    if given.status is None and given.maintenance_mode is None:
        raise BadRequest("'status' or 'maintenance_mode' needed for host update")
    host = req.params["host_name"]
    svc = _compute_service(req, host)
    if given.maintenance_mode is not None:
        raise NotImplementedYet("Host maintenance mode is not provided: the drivers cannot act on a host.")
    disabled = given.status.lower() == "disable" if given.status else None
    req.cloud.service_registry.set_service_status(svc.id, disabled, None, None)
    return json_response({"host": host, "status": "disabled" if disabled else "enabled"})


def _compute_service(req: ApiRequest, host: str) -> ServiceRecord:
    try:
        return req.cloud.service_registry.find_compute_service(host)
    except NotFound:
        raise NotFound("host", host, message=f"Compute host {host} could not be found.") from None


def _power_action(req: ApiRequest, action: str) -> Response:
    _gate(req)
    _compute_service(req, req.params["host_name"])
    raise NotImplementedYet(
        f"Host power action {action!r} is not provided: the drivers cannot act on a host."
    )


def reboot_host(req: ApiRequest) -> Response:
    return _power_action(req, "reboot")


def shutdown_host(req: ApiRequest) -> Response:
    return _power_action(req, "shutdown")


def startup_host(req: ApiRequest) -> Response:
    return _power_action(req, "startup")


ROUTES: list[Endpoint] = [
    Endpoint("GET", "/os-hosts", list_hosts, f"{P}list"),
    Endpoint("GET", "/os-hosts/{host_name}", show_host, f"{P}show"),
    Endpoint("PUT", "/os-hosts/{host_name}", update_host, f"{P}update"),
    Endpoint("GET", "/os-hosts/{host_name}/reboot", reboot_host, f"{P}reboot"),
    Endpoint("GET", "/os-hosts/{host_name}/shutdown", shutdown_host, f"{P}shutdown"),
    Endpoint("GET", "/os-hosts/{host_name}/startup", startup_host, f"{P}start"),
]
