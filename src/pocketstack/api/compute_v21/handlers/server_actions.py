"""Compute v2.1: POST /servers/{id}/action, one action per body, each under its own rule."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.handlers import server_network_actions as network_actions
from pocketstack.api.compute_v21.handlers.network_proxies import GONE, Gone
from pocketstack.api.compute_v21.request import body, check_gated, version
from pocketstack.api.compute_v21.schemas import server_actions as schemas
from pocketstack.api.compute_v21.version_ranges import Ranged, gated
from pocketstack.api.compute_v21.views import servers as view
from pocketstack.core.errors import BadRequest, NotImplementedYet
from pocketstack.store.compute_models import Server

P = "os_compute_api:"
Params = Callable[[ApiRequest, Server, Any], dict[str, Any]]
Answer = Callable[[ApiRequest, str, dict[str, Any]], Response]


def _no_params(req: ApiRequest, server: Server, p: Any) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class V21Action:
    """How v2.1 asks for one core action (a key of ``core/compute/action_table.ACTIONS``): the
    wire name in the body, the policy rule, the answer's status, the core parameters made of
    the validated value, and an answer other than an empty one. What the value must be at each
    microversion is ``schemas.BODIES[wire]``."""

    wire: str
    rule: str
    status: int = 202
    params: Params = _no_params
    answer: Ranged[Answer] | None = None


def _reboot(req: ApiRequest, server: Server, p: schemas.Reboot) -> dict[str, Any]:
    return {"type": p.type.upper()}


def _resize(req: ApiRequest, server: Server, p: schemas.Resize) -> dict[str, Any]:
    return {"flavor_id": str(p.flavorRef).rsplit("/", 1)[-1]} | _disk_config(p.disk_config)


def _rebuild(req: ApiRequest, server: Server, p: schemas.Rebuild) -> dict[str, Any]:
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


def _image(req: ApiRequest, server: Server, p: schemas.CreateImage) -> dict[str, Any]:
    return {"name": p.name, "metadata": p.metadata or {}}


def _backup(req: ApiRequest, server: Server, p: schemas.CreateBackup) -> dict[str, Any]:
    return _image(req, server, p) | {"backup_type": p.backup_type, "rotation": p.rotation}


def _password(req: ApiRequest, server: Server, p: schemas.ChangePassword) -> dict[str, Any]:
    return {"password": p.adminPass}


def _lock(req: ApiRequest, server: Server, p: schemas.Lock | None) -> dict[str, Any]:
    return {"locked_reason": p.locked_reason if p is not None else None}


def _reset_state(req: ApiRequest, server: Server, p: schemas.ResetState) -> dict[str, Any]:
    return {"state": p.state}


def _move(req: ApiRequest, server: Server, p: schemas.Migrate | None) -> dict[str, Any]:
    return {"host": p.host} if p is not None and getattr(p, "host", None) else {}


def _evacuate(req: ApiRequest, server: Server, p: schemas.Evacuate) -> dict[str, Any]:
    out = _move(req, server, p)
    if gated(req, "action.evacuate.leaves_stopped"):
        out["stopped"] = True
    return out


def _unshelve(req: ApiRequest, server: Server, p: schemas.UnshelveV291 | None) -> dict[str, Any]:
    if p is None:
        return {}
    out = {k: getattr(p, k) for k in ("availability_zone", "host") if getattr(p, k, None)}
    unpinning = "availability_zone" in p.model_fields_set and p.availability_zone is None
    if unpinning and gated(req, "action.unshelve.null_zone_unpins"):
        out["unpin"] = True
    return out


def _disk_config(wire: str | None) -> dict[str, Any]:
    return {} if wire is None else {"auto_disk_config": wire == "AUTO"}


def _admin_pass(req: ApiRequest, server_id: str, params: dict[str, Any]) -> Response:
    return json_response({"adminPass": secrets.token_urlsafe(12)})


def _empty_200(req: ApiRequest, server_id: str, params: dict[str, Any]) -> Response:
    return empty_response(200)


def _image_location(req: ApiRequest, server_id: str, params: dict[str, Any]) -> Response:
    url = f"{req.cloud.settings.base_url}/image/v2/images/{params['image_id']}"
    return empty_response(202, {"Location": url})


def _image_id(req: ApiRequest, server_id: str, params: dict[str, Any]) -> Response:
    return json_response({"image_id": params["image_id"]}, 202)


def _rebuilt(req: ApiRequest, server_id: str, params: dict[str, Any]) -> Response:
    from pocketstack.api.compute_v21.handlers.servers import render_one

    server = req.cloud.servers.get(req.ctx, server_id)
    body = view.as_rebuilt(server, render_one(req, server, show_groups=True), version(req))
    body["adminPass"] = secrets.token_urlsafe(12)
    return json_response({"server": body}, 202)


_SNAPSHOT_ANSWER = (("2.0", "2.44", _image_location), ("2.45", None, _image_id))
# core action -> its v2.1 form. The core actions v2.1 starts elsewhere: create (POST /servers),
# delete and softDelete (DELETE), attach/detach_interface (os-interface); transfer is vNext's.
ACTIONS: dict[str, V21Action] = {
    "reboot": V21Action("reboot", "servers:reboot", params=_reboot),
    "stop": V21Action("os-stop", "servers:stop"),
    "start": V21Action("os-start", "servers:start"),
    "pause": V21Action("pause", "os-pause-server:pause"),
    "unpause": V21Action("unpause", "os-pause-server:unpause"),
    "suspend": V21Action("suspend", "os-suspend-server:suspend"),
    "resume": V21Action("resume", "os-suspend-server:resume"),
    "lock": V21Action("lock", "os-lock-server:lock", params=_lock),
    "unlock": V21Action("unlock", "os-lock-server:unlock"),
    "rescue": V21Action(
        "rescue", "os-rescue", 200, answer=Ranged("action.rescue.answer", ("2.0", None, _admin_pass))
    ),
    "unrescue": V21Action("unrescue", "os-unrescue"),
    "rebuild": V21Action(
        "rebuild",
        "servers:rebuild",
        params=_rebuild,
        answer=Ranged("action.rebuild.answer", ("2.0", None, _rebuilt)),
    ),
    "resize": V21Action("resize", "servers:resize", params=_resize),
    "confirmResize": V21Action("confirmResize", "servers:confirm_resize", 204),
    "revertResize": V21Action("revertResize", "servers:revert_resize"),
    "createImage": V21Action(
        "createImage",
        "servers:create_image",
        params=_image,
        answer=Ranged("action.createImage.answer", *_SNAPSHOT_ANSWER),
    ),
    "createBackup": V21Action(
        "createBackup",
        "os-create-backup",
        params=_backup,
        answer=Ranged("action.createBackup.answer", *_SNAPSHOT_ANSWER),
    ),
    "changePassword": V21Action("changePassword", "os-admin-password", params=_password),
    "shelve": V21Action("shelve", "os-shelve:shelve"),
    "shelveOffload": V21Action("shelveOffload", "os-shelve:shelve_offload"),
    "unshelve": V21Action("unshelve", "os-shelve:unshelve", params=_unshelve),
    "trigger_crash_dump": V21Action("trigger_crash_dump", "servers:trigger_crash_dump"),
    "migrate": V21Action("migrate", "os-migrate-server:migrate", params=_move),
    "live-migration": V21Action("os-migrateLive", "os-migrate-server:migrate_live", params=_move),
    "evacuate": V21Action(
        "evacuate",
        "os-evacuate",
        200,
        params=_evacuate,
        answer=Ranged("action.evacuate.answer", ("2.0", "2.13", _admin_pass), ("2.14", None, _empty_200)),
    ),
    "resetState": V21Action("os-resetState", "os-admin-actions:reset_state", params=_reset_state),
    "restore": V21Action("restore", "os-deferred-delete:restore"),
    "forceDelete": V21Action("forceDelete", "os-deferred-delete:force"),
}
BY_WIRE: dict[str, tuple[str, V21Action]] = {a.wire: (core, a) for core, a in ACTIONS.items()}
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
    """The action's value checked by its schema at the request's version (None when Nova takes
    any value there, as for ``pause``); 400 where the action does not exist yet."""
    model = schemas.schema_for(wire, version(req))
    if model == schemas.ABSENT:
        raise BadRequest(f"There is no such action: {wire}")
    return None if model == schemas.UNCHECKED else body(req, model, {wire: raw}).value


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
    if wire not in BY_WIRE:
        raise BadRequest(f"There is no such action: {wire}")
    core, action = BY_WIRE[wire]
    req.cloud.policy.enforce(P + action.rule, req.ctx, target)
    params = action.params(req, server, _validated(req, wire, raw))
    req.cloud.server_actions.run(req.ctx, server.id, core, params)
    if action.answer is None:
        return empty_response(action.status)
    return action.answer.at(version(req))(req, server.id, params)


ROUTES = [Endpoint("POST", "/servers/{server_id}/action", server_action, P + "servers:show")]
