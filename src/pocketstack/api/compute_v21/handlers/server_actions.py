"""Compute v2.1: POST /servers/{id}/action, one action per body, each under its own rule."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.handlers import server_network_actions as network_actions
from pocketstack.api.compute_v21.handlers.network_proxies import GONE, Gone
from pocketstack.api.compute_v21.request import at_least, body, check_gated, version
from pocketstack.api.compute_v21.schemas import server_actions as schemas
from pocketstack.api.compute_v21.views import servers as view
from pocketstack.core.errors import BadRequest, NotImplementedYet
from pocketstack.store.compute_models import Server

P = "os_compute_api:"
# wire action -> (canonical action, policy rule, answer status)
ACTIONS: dict[str, tuple[str, str, int]] = {
    "reboot": ("reboot", "servers:reboot", 202),
    "os-stop": ("stop", "servers:stop", 202),
    "os-start": ("start", "servers:start", 202),
    "pause": ("pause", "os-pause-server:pause", 202),
    "unpause": ("unpause", "os-pause-server:unpause", 202),
    "suspend": ("suspend", "os-suspend-server:suspend", 202),
    "resume": ("resume", "os-suspend-server:resume", 202),
    "lock": ("lock", "os-lock-server:lock", 202),
    "unlock": ("unlock", "os-lock-server:unlock", 202),
    "rescue": ("rescue", "os-rescue", 200),
    "unrescue": ("unrescue", "os-unrescue", 202),
    "rebuild": ("rebuild", "servers:rebuild", 202),
    "resize": ("resize", "servers:resize", 202),
    "confirmResize": ("confirmResize", "servers:confirm_resize", 204),
    "revertResize": ("revertResize", "servers:revert_resize", 202),
    "createImage": ("createImage", "servers:create_image", 202),
    "createBackup": ("createBackup", "os-create-backup", 202),
    "changePassword": ("changePassword", "os-admin-password", 202),
    "shelve": ("shelve", "os-shelve:shelve", 202),
    "shelveOffload": ("shelveOffload", "os-shelve:shelve_offload", 202),
    "unshelve": ("unshelve", "os-shelve:unshelve", 202),
    "trigger_crash_dump": ("trigger_crash_dump", "servers:trigger_crash_dump", 202),
    "migrate": ("migrate", "os-migrate-server:migrate", 202),
    "os-migrateLive": ("live-migration", "os-migrate-server:migrate_live", 202),
    "evacuate": ("evacuate", "os-evacuate", 200),
    "os-resetState": ("resetState", "os-admin-actions:reset_state", 202),
    "restore": ("restore", "os-deferred-delete:restore", 202),
    "forceDelete": ("forceDelete", "os-deferred-delete:force", 202),
}
CONSOLES = {
    "os-getVNCConsole",
    "os-getSPICEConsole",
    "os-getSerialConsole",
    "os-getRDPConsole",
    "os-getMKSConsole",
}
# Served by server_network_actions.py (security groups, floating IPs) or not at all (below).
NETWORK_ACTIONS = network_actions.ACTIONS
NEUTRON_ACTIONS = {"addFixedIp", "removeFixedIp"}


def _validated(req: ApiRequest, wire: str, raw: Any) -> Any:
    """The action's value checked by its schema at the request's version (None when it has
    none, as for ``pause``: Nova takes any value there)."""
    model = schemas.schema_for(wire, version(req))
    return None if model is None else body(req, model, {wire: raw}).value


def _params(req: ApiRequest, server: Server, wire: str, p: Any) -> dict[str, Any]:
    """Turn one validated action value into the core's parameters."""
    if wire == "reboot":
        return {"type": p.type.upper()}
    if wire == "resize":
        out = {"flavor_id": str(p.flavorRef).rsplit("/", 1)[-1]}
        return out | _disk_config(p.disk_config)
    if wire == "rebuild":
        return _rebuild_params(req, server, p)
    if wire in ("createImage", "createBackup"):
        out: dict[str, Any] = {"name": p.name, "metadata": p.metadata or {}}
        if wire == "createBackup":
            out.update(backup_type=p.backup_type, rotation=p.rotation)
        return out
    if wire == "changePassword":
        return {"password": p.adminPass}
    if wire == "lock":
        return {"locked_reason": p.locked_reason if p is not None else None}
    if wire == "os-resetState":
        return {"state": p.state}
    if wire in ("migrate", "os-migrateLive", "evacuate"):
        out = {"host": p.host} if p is not None and p.host else {}
        if wire == "evacuate" and at_least(req, 2, 95):
            out["stopped"] = True  # from 2.95 an evacuated server is left stopped
        return out
    if wire == "unshelve" and p is not None:
        given = p.model_fields_set
        out = {k: getattr(p, k) for k in ("availability_zone", "host") if getattr(p, k, None)}
        if "availability_zone" in given and p.availability_zone is None and at_least(req, 2, 91):
            out["unpin"] = True  # 2.91: null unpins the server from its zone
        return out
    return {}


def _rebuild_params(req: ApiRequest, server: Server, p: schemas.Rebuild) -> dict[str, Any]:
    given = p.model_fields_set
    check_gated(req, given, schemas.REBUILD_GATES)
    if p.trusted_image_certificates:
        raise NotImplementedYet("Trusted image certificate validation is not supported.")
    if p.metadata is not None:
        req.cloud.quotas.check_metadata_items(server.project_id, len(p.metadata))
    out: dict[str, Any] = {"image_id": p.imageRef, **_disk_config(p.disk_config)}
    names = {"accessIPv4": "access_ipv4", "accessIPv6": "access_ipv6"}
    for field in ("name", "metadata", "description", "key_name", "hostname", "user_data", *names):
        if field in given:
            out[names.get(field, field)] = getattr(p, field)
    return out


def _disk_config(wire: str | None) -> dict[str, Any]:
    return {} if wire is None else {"auto_disk_config": wire == "AUTO"}


def server_action(req: ApiRequest) -> Response:
    doc = req.json()
    if not isinstance(doc, dict) or len(doc) != 1:
        raise BadRequest("Malformed request body: exactly one action is expected.")
    wire, raw = next(iter(doc.items()))
    if wire in NETWORK_ACTIONS:
        return network_actions.network_action(req, wire, raw)
    server = req.cloud.servers.get(req.ctx, req.params["server_id"])
    target = {"project_id": server.project_id}
    if wire in CONSOLES:
        req.cloud.policy.enforce(P + "os-remote-consoles", req.ctx, target)
        _validated(req, wire, raw)
        req.cloud.server_actions.require("remote_console", f"remote consoles ({wire})")
    if wire in NEUTRON_ACTIONS:
        raise NotImplementedYet(
            f"The action {wire} is not supported: change a server's fixed IPs through the port "
            "(Network API) or os-interface."
        )
    if wire == "os-resetNetwork":
        raise Gone(GONE)
    if wire == "injectNetworkInfo":
        # Nova's libvirt driver injects nothing either: guests read their network from DHCP or
        # the config drive, both of which read the ports live.
        req.cloud.policy.enforce(P + "os-admin-actions:inject_network_info", req.ctx, target)
        return empty_response(202)
    if wire == "os-getConsoleOutput":
        req.cloud.policy.enforce(P + "os-console-output", req.ctx, target)
        length = _validated(req, wire, raw).length
        output = req.cloud.server_actions.console_output(req.ctx, server.id, None if length == -1 else length)
        return json_response({"output": output})
    if wire not in ACTIONS:
        raise BadRequest(f"There is no such action: {wire}")
    action, rule, status = ACTIONS[wire]
    req.cloud.policy.enforce(P + rule, req.ctx, target)
    if wire == "trigger_crash_dump" and not at_least(req, 2, 17):
        raise BadRequest(f"There is no such action: {wire}")
    params = _params(req, server, wire, _validated(req, wire, raw))
    req.cloud.server_actions.run(req.ctx, server.id, action, params)
    return _answer(req, wire, status, server.id, params)


def _answer(req: ApiRequest, wire: str, status: int, server_id: str, params: dict[str, Any]) -> Response:
    answers: dict[str, Callable[[], Response]] = {
        "rescue": lambda: json_response({"adminPass": secrets.token_urlsafe(12)}),
        "evacuate": lambda: (
            json_response({"adminPass": secrets.token_urlsafe(12)})
            if not at_least(req, 2, 14)
            else empty_response(200)
        ),
        "rebuild": lambda: _rebuilt(req, server_id),
    }
    if wire in answers:
        return answers[wire]()
    if wire in ("createImage", "createBackup"):
        image_id = params["image_id"]
        image_url = f"{req.cloud.settings.base_url}/image/v2/images/{image_id}"
        if at_least(req, 2, 45):
            return json_response({"image_id": image_id}, 202)
        return empty_response(202, {"Location": image_url})
    return empty_response(status)


def _rebuilt(req: ApiRequest, server_id: str) -> Response:
    from pocketstack.api.compute_v21.handlers.servers import render_one

    server = req.cloud.servers.get(req.ctx, server_id)
    body = view.as_rebuilt(server, render_one(req, server, show_groups=True), version(req))
    body["adminPass"] = secrets.token_urlsafe(12)
    return json_response({"server": body}, 202)


ROUTES = [Endpoint("POST", "/servers/{server_id}/action", server_action, P + "servers:show")]
