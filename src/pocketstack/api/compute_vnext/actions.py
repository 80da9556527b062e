"""How vNext asks for each core action: one row per key of ``core/compute/action_table.ACTIONS``
that vNext names, with its task name, the body a client sends (flat: ``{"action": NAME,
...parameters}``), the policy rules it is checked under, how the body becomes the core's
parameters, and what a task shows of its parameters. Rows without a body appear only in a
server's history (a v2.1 client started them); a core action with no row shows under its own
name in upper case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field, RootModel
from sqlalchemy import select

from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.common.validation import Wire
from pocketstack.core.compute import server_types
from pocketstack.core.compute.server_types import type_uuid
from pocketstack.core.errors import BadRequest, NotFound
from pocketstack.core.placement import dag
from pocketstack.store.compute_models import Placement

NAME = Annotated[str, Field(min_length=1, max_length=255)]
ID = Annotated[str, Field(min_length=1, max_length=36)]
# BACKUP rotates only the backups vNext made (v2.1 clients name their own backup types).
BACKUP_TYPE = "vnext"


# -- request bodies: one model per action, flat ({"action": NAME, ...parameters}) -------------
class TaskTerminate(Wire):
    """Delete the server (soft-delete it when the cloud keeps deleted servers a while)."""

    action: Literal["TERMINATE"]


class TaskRestore(Wire):
    """Bring back a soft-deleted server."""

    action: Literal["RESTORE"]


class TaskReboot(Wire):
    """Reboot: SOFT asks the guest, HARD resets it."""

    action: Literal["REBOOT"]
    type: Literal["SOFT", "HARD"] = "SOFT"


class TaskRebuild(Wire):
    """Rebuild the server from a template (an image)."""

    action: Literal["REBUILD"]
    template_id: ID


class TaskResize(Wire):
    """Give the server another server type; confirmed in the same task."""

    action: Literal["RESIZE"]
    type_id: ID


class TaskRevert(Wire):
    """Undo a resize or move a Compute v2.1 client left waiting for confirmation."""

    action: Literal["REVERT"]


class TaskSnapshot(Wire):
    """Make a template (an image) of the server."""

    action: Literal["SNAPSHOT"]
    name: NAME


class TaskBackup(Wire):
    """Make a backup image, keeping the newest ``rotation`` backups of the server."""

    action: Literal["BACKUP"]
    name: NAME
    rotation: Annotated[int, Field(ge=0, le=2**31 - 1)]


class TaskStop(Wire):
    action: Literal["STOP"]


class TaskStart(Wire):
    action: Literal["START"]


class TaskPause(Wire):
    action: Literal["PAUSE"]


class TaskUnpause(Wire):
    action: Literal["UNPAUSE"]


class TaskSuspend(Wire):
    action: Literal["SUSPEND"]


class TaskResume(Wire):
    action: Literal["RESUME"]


class TaskMove(Wire):
    """Move the server to another host (in ``placement_id`` or below it when given); live
    keeps it running (a live migration), else a cold move confirmed in the same task."""

    action: Literal["MOVE"]
    placement_id: ID | None = None
    live: bool = False


class TaskLock(Wire):
    """Lock the server against others' tasks (admins excepted)."""

    action: Literal["LOCK"]
    reason: Annotated[str, Field(max_length=255)] | None = None


class TaskUnlock(Wire):
    action: Literal["UNLOCK"]


class TaskUpdatePassword(Wire):
    """Set the guest's administrator password (never shown back)."""

    action: Literal["UPDATE_PASSWORD"]
    password: Annotated[str, Field(min_length=1, max_length=255)]


# -- from a body to the core's parameters -------------------------------------------------------
Params = Callable[[ApiRequest, Any], tuple[str, dict[str, Any]]]
Shows = Callable[[dict[str, Any]], dict[str, Any]]


def _flavor_of(req: ApiRequest, type_id: str) -> str:
    """The flavor a server type id names, among those the caller may use."""
    with req.cloud.db.read() as s:
        return str(server_types.usable(s, req.ctx, type_id).id)


def _template(req: ApiRequest, template_id: str) -> str:
    try:
        return req.cloud.images.get(req.ctx, template_id).id
    except NotFound:
        raise BadRequest(f"Template {template_id} could not be found.") from None


def _placement(req: ApiRequest, placement_id: str) -> dict[str, Any]:
    """A MOVE's target: its id, and its name when it is a root (an availability zone), which
    pins the server to it by name as v2.1 does (``core/compute/steps/moves._zone``)."""
    with req.cloud.db.read() as s:
        name = s.scalar(select(Placement.name).where(Placement.id == placement_id))
        if name is None:
            raise BadRequest(f"Placement {placement_id} could not be found.")
        root = dag.is_root(s, placement_id)
    return {"placement_id": placement_id} | ({"zone": name} if root else {})


def _reboot(req: ApiRequest, p: TaskReboot) -> tuple[str, dict[str, Any]]:
    return "reboot", {"type": p.type}


def _rebuild(req: ApiRequest, p: TaskRebuild) -> tuple[str, dict[str, Any]]:
    return "rebuild", {"image_id": _template(req, p.template_id)}


def _resize(req: ApiRequest, p: TaskResize) -> tuple[str, dict[str, Any]]:
    return "resize", {"flavor_id": _flavor_of(req, p.type_id), "confirm": True}


def _snapshot(req: ApiRequest, p: TaskSnapshot) -> tuple[str, dict[str, Any]]:
    return "createImage", {"name": p.name, "metadata": {}}


def _backup(req: ApiRequest, p: TaskBackup) -> tuple[str, dict[str, Any]]:
    params = {"name": p.name, "metadata": {}, "backup_type": BACKUP_TYPE, "rotation": p.rotation}
    return "createBackup", params


def _move(req: ApiRequest, p: TaskMove) -> tuple[str, dict[str, Any]]:
    """A live MOVE is the core's live migration; a cold one a migration confirmed at once."""
    params: dict[str, Any] = {}
    if p.placement_id is not None:
        params = _placement(req, p.placement_id)
    return ("live-migration", params) if p.live else ("migrate", {**params, "confirm": True})


def _lock(req: ApiRequest, p: TaskLock) -> tuple[str, dict[str, Any]]:
    return "lock", {"locked_reason": p.reason}


def _password(req: ApiRequest, p: TaskUpdatePassword) -> tuple[str, dict[str, Any]]:
    return "changePassword", {"password": p.password}


# -- what a task shows of its parameters (docs/compute-vnext.md section 5): never a password ---
def _shows_nothing(params: dict[str, Any]) -> dict[str, Any]:
    return {}


def _shows_type(params: dict[str, Any]) -> dict[str, Any]:
    flavor = params.get("flavor") or {}
    return {"type_id": type_uuid(str(flavor["id"]))} if "id" in flavor else {}


def _shows_move(live: bool) -> Shows:
    return lambda params: {"placement_id": params.get("placement_id"), "live": live}


def _shows_image(params: dict[str, Any]) -> dict[str, Any]:
    return {"name": params.get("name"), "template_id": params.get("image_id")}


def _shows_backup(params: dict[str, Any]) -> dict[str, Any]:
    return _shows_image(params) | {"rotation": params.get("rotation")}


@dataclass(frozen=True)
class VNextAction:
    """vNext's form of one core action (see the module docstring)."""

    name: str
    body: type[Wire] | None = None  # None: history only
    rules: tuple[str, ...] = ()
    params: Params | None = None  # None: no parameters, the row's own core action
    shows: Shows = _shows_nothing


# core action -> its vNext form
ACTIONS: dict[str, VNextAction] = {
    "delete": VNextAction("TERMINATE", TaskTerminate, ("servers:delete",)),
    "restore": VNextAction("RESTORE", TaskRestore, ("os-deferred-delete:restore",)),
    "reboot": VNextAction(
        "REBOOT", TaskReboot, ("servers:reboot",), _reboot, lambda p: {"type": p.get("type", "SOFT")}
    ),
    "rebuild": VNextAction(
        "REBUILD", TaskRebuild, ("servers:rebuild",), _rebuild, lambda p: {"template_id": p.get("image_id")}
    ),
    "resize": VNextAction(
        "RESIZE", TaskResize, ("servers:resize", "servers:confirm_resize"), _resize, _shows_type
    ),
    "revertResize": VNextAction("REVERT", TaskRevert, ("servers:revert_resize",)),
    "createImage": VNextAction("SNAPSHOT", TaskSnapshot, ("servers:create_image",), _snapshot, _shows_image),
    "createBackup": VNextAction("BACKUP", TaskBackup, ("os-create-backup",), _backup, _shows_backup),
    "stop": VNextAction("STOP", TaskStop, ("servers:stop",)),
    "start": VNextAction("START", TaskStart, ("servers:start",)),
    "pause": VNextAction("PAUSE", TaskPause, ("os-pause-server:pause",)),
    "unpause": VNextAction("UNPAUSE", TaskUnpause, ("os-pause-server:unpause",)),
    "suspend": VNextAction("SUSPEND", TaskSuspend, ("os-suspend-server:suspend",)),
    "resume": VNextAction("RESUME", TaskResume, ("os-suspend-server:resume",)),
    # a live MOVE is checked under os-migrate-server:migrate_live instead (LIVE_MOVE_RULE)
    "migrate": VNextAction("MOVE", TaskMove, ("os-migrate-server:migrate",), _move, _shows_move(False)),
    "lock": VNextAction(
        "LOCK", TaskLock, ("os-lock-server:lock",), _lock, lambda p: {"reason": p.get("locked_reason")}
    ),
    "unlock": VNextAction("UNLOCK", TaskUnlock, ("os-lock-server:unlock",)),
    "changePassword": VNextAction("UPDATE_PASSWORD", TaskUpdatePassword, ("os-admin-password",), _password),
    # history only
    "create": VNextAction("CREATE"),
    "softDelete": VNextAction("TERMINATE"),
    "live-migration": VNextAction("MOVE", shows=_shows_move(True)),
    "rescue": VNextAction("RESCUE"),
    "unrescue": VNextAction("UNRESCUE"),
    "shelve": VNextAction("SHELVE"),
    "shelveOffload": VNextAction("SHELVE_OFFLOAD"),
    "unshelve": VNextAction("UNSHELVE"),
    "evacuate": VNextAction("EVACUATE"),
    "confirmResize": VNextAction("CONFIRM_RESIZE"),
    "trigger_crash_dump": VNextAction("TRIGGER_CRASH_DUMP"),
    "attach_interface": VNextAction("ATTACH_INTERFACE"),
    "detach_interface": VNextAction("DETACH_INTERFACE"),
    "resetState": VNextAction("RESET_STATE"),
    "forceDelete": VNextAction("FORCE_DELETE"),
    "transfer": VNextAction(
        "TRANSFER", shows=lambda p: {k: p.get(k) for k in ("from_project_id", "to_project_id")}
    ),
}
LIVE_MOVE_RULE = "os-migrate-server:migrate_live"
# task name -> (core action, row), for the actions a client may ask for
TASKS: dict[str, tuple[str, VNextAction]] = {a.name: (core, a) for core, a in ACTIONS.items() if a.body}
ACTION_NAMES = tuple(dict.fromkeys(a.name for a in ACTIONS.values()))


TaskBody = Annotated[
    TaskTerminate
    | TaskRestore
    | TaskReboot
    | TaskRebuild
    | TaskResize
    | TaskRevert
    | TaskSnapshot
    | TaskBackup
    | TaskStop
    | TaskStart
    | TaskPause
    | TaskUnpause
    | TaskSuspend
    | TaskResume
    | TaskMove
    | TaskLock
    | TaskUnlock
    | TaskUpdatePassword,
    Field(discriminator="action"),
]
assert set(TaskBody.__args__[0].__args__) == {a.body for _, a in TASKS.values()}, "the union is the bodies"


class TaskCreate(RootModel[TaskBody]):
    """A task to start: ``action`` and that action's parameters, side by side. (This union is
    the schema /schemas and /openapi.json show; a request is parsed by its action's own model,
    so a 400 names the field.)"""


def core_form(req: ApiRequest, p: Any) -> tuple[str, dict[str, Any]]:  # noqa: ANN401 - a Task* body
    """The core action and its parameters for a validated body."""
    core, action = TASKS[p.action]
    return action.params(req, p) if action.params is not None else (core, {})


def shown(core_action: str) -> str:
    """The vNext name of a core action (an unknown one in upper case, never hidden)."""
    row = ACTIONS.get(core_action)
    return row.name if row is not None else core_action.upper().replace("-", "_")


def shown_params(core_action: str, params: dict[str, Any] | None) -> dict[str, Any]:
    row = ACTIONS.get(core_action)
    return row.shows(params or {}) if row is not None else {}
