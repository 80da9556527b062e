"""Compute v2.1: POST /servers/{id}/action, one action per body, each under its own rule."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.request import at_least
from pocketstack.core.errors import BadRequest, NotImplementedYet

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
NEUTRON_ACTIONS = {
    "addSecurityGroup",
    "removeSecurityGroup",
    "addFloatingIp",
    "removeFloatingIp",
    "addFixedIp",
    "removeFixedIp",
    "os-resetNetwork",
    "injectNetworkInfo",
}


def _dict(value: Any, action: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequest(
            f"Invalid input for field/attribute {action}. Value: {value}. It is not of type 'object'."
        )
    return value


def _str(params: dict[str, Any], key: str, action: str, required: bool = False) -> str | None:
    value = params.get(key)
    if value is None:
        if required:
            raise BadRequest(f"Invalid input for field/attribute {action}. '{key}' is a required property")
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 255:
        raise BadRequest(f"Invalid input for field/attribute {key}. Value: {value!r}.")
    return value


def _params(req: ApiRequest, wire: str, raw: Any) -> dict[str, Any]:
    """Validate one action's body and turn it into the core's parameters."""
    p = _dict(raw, wire)
    if wire == "reboot":
        kind = str(p.get("type", "")).upper()
        if kind not in ("SOFT", "HARD"):
            raise BadRequest("Argument 'type' for reboot must be a string with value 'SOFT' or 'HARD'.")
        return {"type": kind}
    if wire == "resize":
        ref = p.get("flavorRef")
        if ref in (None, ""):
            raise BadRequest("Resize requests require 'flavorRef' attribute.")
        return {"flavor_id": str(ref).rsplit("/", 1)[-1]}
    if wire == "rebuild":
        return _rebuild_params(req, p)
    if wire in ("createImage", "createBackup"):
        out: dict[str, Any] = {
            "name": _str(p, "name", wire, required=True),
            "metadata": p.get("metadata") or {},
        }
        if wire == "createBackup":
            out["backup_type"] = _str(p, "backup_type", wire, required=True)
            rotation = p.get("rotation")
            if not isinstance(rotation, int) or isinstance(rotation, bool) or rotation < 0:
                raise BadRequest(
                    "Invalid input for field/attribute rotation: a non-negative integer is required."
                )
            out["rotation"] = rotation
        return out
    if wire == "changePassword":
        return {"password": _str(p, "adminPass", wire, required=True)}
    if wire == "lock":
        reason = p.get("locked_reason")
        if reason is not None and not at_least(req, 2, 73):
            raise BadRequest("Invalid input for field/attribute lock. Additional properties are not allowed.")
        return {"locked_reason": reason}
    if wire == "os-resetState":
        state = p.get("state")
        if state not in ("active", "error"):
            raise BadRequest("Invalid input for field/attribute state: it must be 'active' or 'error'.")
        return {"state": state}
    if wire in ("migrate", "os-migrateLive", "evacuate"):
        out = {"host": p["host"]} if p.get("host") else {}
        if wire == "evacuate" and at_least(req, 2, 95):
            out["stopped"] = True  # from 2.95 an evacuated server is left stopped
        return out
    if wire == "unshelve":
        out = {k: p[k] for k in ("availability_zone", "host") if p.get(k)}
        if "availability_zone" in p and p["availability_zone"] is None and at_least(req, 2, 91):
            out["unpin"] = True  # 2.91: null unpins the server from its zone
        return out
    return {}


def _rebuild_params(req: ApiRequest, p: dict[str, Any]) -> dict[str, Any]:
    image_ref = p.get("imageRef")
    if not image_ref or not isinstance(image_ref, str):
        raise BadRequest("Invalid input for field/attribute rebuild. 'imageRef' is a required property")
    out: dict[str, Any] = {"image_id": image_ref.rsplit("/", 1)[-1]}
    if "name" in p:
        out["name"] = _str(p, "name", "rebuild", required=True)
    if "metadata" in p:
        if not isinstance(p["metadata"], dict):
            raise BadRequest("Invalid input for field/attribute metadata: it must be an object.")
        out["metadata"] = {str(k): str(v) for k, v in p["metadata"].items()}
    if "description" in p and at_least(req, 2, 19):
        out["description"] = p["description"]
    if "key_name" in p and at_least(req, 2, 54):
        out["key_name"] = p["key_name"]
    if "hostname" in p and at_least(req, 2, 90):
        out["hostname"] = p["hostname"]
    if "user_data" in p and at_least(req, 2, 57):
        out["user_data"] = p["user_data"]
    for wire, key in (("accessIPv4", "access_ipv4"), ("accessIPv6", "access_ipv6")):
        if wire in p:
            out[key] = p[wire]
    return out


def server_action(req: ApiRequest) -> Response:
    doc = req.json()
    if not isinstance(doc, dict) or len(doc) != 1:
        raise BadRequest("Malformed request body: exactly one action is expected.")
    wire, raw = next(iter(doc.items()))
    server = req.cloud.servers.get(req.ctx, req.params["server_id"])
    target = {"project_id": server.project_id}
    if wire in CONSOLES:
        req.cloud.policy.enforce(P + "os-remote-consoles", req.ctx, target)
        req.cloud.server_actions.require("remote_console", f"remote consoles ({wire})")
    if wire in NEUTRON_ACTIONS:
        raise NotImplementedYet(
            f"The action {wire} needs a network service (Neutron), which pocketstack does not have yet."
        )
    if wire == "os-getConsoleOutput":
        req.cloud.policy.enforce(P + "os-console-output", req.ctx, target)
        return _console_output(req, server.id, _dict(raw, wire))
    if wire not in ACTIONS:
        raise BadRequest(f"There is no such action: {wire}")
    action, rule, status = ACTIONS[wire]
    req.cloud.policy.enforce(P + rule, req.ctx, target)
    if wire == "trigger_crash_dump" and not at_least(req, 2, 17):
        raise BadRequest(f"There is no such action: {wire}")
    params = _params(req, wire, raw)
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

    body = render_one(req, req.cloud.servers.get(req.ctx, server_id))
    body["adminPass"] = secrets.token_urlsafe(12)
    return json_response({"server": body}, 202)


def _console_output(req: ApiRequest, server_id: str, p: dict[str, Any]) -> Response:
    length = p.get("length")
    if length is not None:
        try:
            length = int(length)
        except (TypeError, ValueError):
            raise BadRequest("Invalid input for field/attribute length: an integer is required.") from None
        if length < -1:
            raise BadRequest("Invalid input for field/attribute length: it must be -1 or more.")
        length = None if length == -1 else length
    output = req.cloud.server_actions.console_output(req.ctx, server_id, length)
    return json_response({"output": output})


ROUTES = [Endpoint("POST", "/servers/{server_id}/action", server_action, P + "servers:show")]
