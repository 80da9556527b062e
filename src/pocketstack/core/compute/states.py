"""The server state machine, kept as data: which action may start from which state, the task
state it holds while it runs, and the public status a (vm_state, task_state) pair shows as.

vm_state is what the server is (active, stopped, ...); task_state is what is being done to it
(None when nothing is); power_state is what the hypervisor last reported. The names are Nova's,
since every v2.1 client reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pocketstack.core.errors import Conflict
from pocketstack.core.identity.common import utcnow

# vm states
ACTIVE = "active"
BUILDING = "building"
PAUSED = "paused"
SUSPENDED = "suspended"
STOPPED = "stopped"
RESCUED = "rescued"
RESIZED = "resized"
SOFT_DELETED = "soft-delete"
DELETED = "deleted"
ERROR = "error"
SHELVED = "shelved"
SHELVED_OFFLOADED = "shelved_offloaded"

# power states
NOSTATE, RUNNING, POWER_PAUSED, SHUTDOWN, CRASHED, POWER_SUSPENDED = 0, 1, 3, 4, 6, 7

_RESIZING = {"resize_prep", "resize_migrating", "resize_migrated", "resize_finish"}
_STATUS_BY_TASK: dict[str, dict[str | None, str]] = {
    ACTIVE: {
        None: "ACTIVE",
        "rebooting": "REBOOT",
        "reboot_pending": "REBOOT",
        "reboot_started": "REBOOT",
        "rebooting_hard": "HARD_REBOOT",
        "updating_password": "PASSWORD",
        "rebuilding": "REBUILD",
        "migrating": "MIGRATING",
        **{t: "RESIZE" for t in _RESIZING},
    },
    BUILDING: {None: "BUILD"},
    STOPPED: {None: "SHUTOFF", "rebuilding": "REBUILD", **{t: "RESIZE" for t in _RESIZING}},
    RESIZED: {None: "VERIFY_RESIZE", "resize_reverting": "REVERT_RESIZE"},
    PAUSED: {None: "PAUSED", "migrating": "MIGRATING"},
    SUSPENDED: {None: "SUSPENDED"},
    RESCUED: {None: "RESCUE"},
    ERROR: {None: "ERROR", "rebuilding": "REBUILD"},
    DELETED: {None: "DELETED"},
    SOFT_DELETED: {None: "SOFT_DELETED"},
    SHELVED: {None: "SHELVED"},
    SHELVED_OFFLOADED: {None: "SHELVED_OFFLOADED"},
}


def status_of(vm_state: str, task_state: str | None) -> str:
    """The public status (ACTIVE, BUILD, SHUTOFF, VERIFY_RESIZE, ...)."""
    by_task = _STATUS_BY_TASK.get(vm_state, {None: "UNKNOWN"})
    return by_task.get(task_state, by_task[None])


def status_cases(status: str) -> list[tuple[str, list[str], list[str] | None]]:
    """How to find ``status`` by vm and task state: (vm_state, the task states shown as it,
    and when a vm_state shows it without a task (or with a task not listed): its listed task
    states, which are then shown otherwise; else None)."""
    wanted = status.upper()
    cases = []
    for vm_state, by_task in _STATUS_BY_TASK.items():
        named = sorted(t for t, shown in by_task.items() if t is not None and shown == wanted)
        listed = sorted(t for t in by_task if t is not None) if by_task[None] == wanted else None
        if named or listed is not None:
            cases.append((vm_state, named, listed))
    return cases


def vm_states_for_status(status: str) -> list[tuple[str, str | None]]:
    """Every (vm_state, task_state) pair showing as ``status``; task None means any not listed."""
    pairs = []
    for vm_state, by_task in _STATUS_BY_TASK.items():
        for task, shown in by_task.items():
            if shown == status.upper():
                pairs.append((vm_state, task))
    return pairs


@dataclass(frozen=True)
class Action:
    """One kind of task: where it may start, what it shows while running, the Nova action name
    (``os-instance-actions``) and the driver capability it needs (None: no driver work)."""

    name: str
    from_states: frozenset[str]
    task_state: str | None
    capability: str | None = None
    # Also allowed while this task runs (None: only when no task runs).
    during: frozenset[str] = frozenset()


def _a(
    name: str,
    states: set[str],
    task: str | None,
    capability: str | None = None,
    during: set[str] = frozenset(),
) -> Action:
    return Action(name, frozenset(states), task, capability, frozenset(during))


ANY_TASK = "*"  # in ``during``: allowed whatever other task runs (not a second one of its own)
# COMPAT: Nova lets a soft reboot start only from ACTIVE with no task running, a hard reboot
# also from these states and while a reboot, pause, unpause, suspend or resume is under way.
_HARD_REBOOTABLE = {ACTIVE, STOPPED, PAUSED, SUSPENDED, ERROR}
_HARD_REBOOT_DURING = {
    "rebooting",
    "reboot_pending",
    "reboot_started",
    "rebooting_hard",
    "resuming",
    "unpausing",
    "pausing",
    "suspending",
}
_ANY_LIVE = {
    ACTIVE,
    BUILDING,
    PAUSED,
    SUSPENDED,
    STOPPED,
    RESCUED,
    RESIZED,
    ERROR,
    SHELVED,
    SHELVED_OFFLOADED,
}
ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        _a("create", set(), "scheduling", "spawn"),
        _a("delete", _ANY_LIVE | {SOFT_DELETED}, "deleting", "destroy", {ANY_TASK}),  # even mid-task
        _a("softDelete", _ANY_LIVE - {BUILDING}, "soft-deleting", "power_off"),
        _a("restore", {SOFT_DELETED}, "restoring", "power_on"),
        _a("forceDelete", {SOFT_DELETED}, "deleting", "destroy"),
        _a("reboot", {ACTIVE}, "rebooting", "reboot"),  # SOFT; HARD_REBOOT below
        _a("stop", {ACTIVE, RESCUED, ERROR}, "powering-off", "power_off"),
        _a("start", {STOPPED}, "powering-on", "power_on"),
        _a("pause", {ACTIVE, RESCUED}, "pausing", "pause"),
        _a("unpause", {PAUSED}, "unpausing", "unpause"),
        _a("suspend", {ACTIVE}, "suspending", "suspend"),
        _a("resume", {SUSPENDED}, "resuming", "resume"),
        _a("rescue", {ACTIVE, STOPPED, ERROR}, "rescuing", "rescue"),
        _a("unrescue", {RESCUED}, "unrescuing", "unrescue"),
        _a("rebuild", {ACTIVE, STOPPED, ERROR}, "rebuilding", "spawn"),
        _a("resize", {ACTIVE, STOPPED}, "resize_prep", "spawn"),
        _a("confirmResize", {RESIZED}, None),
        _a("revertResize", {RESIZED}, "resize_reverting", "spawn"),
        _a("migrate", {ACTIVE, STOPPED}, "resize_prep", "spawn"),
        _a("live-migration", {ACTIVE, PAUSED}, "migrating", "live_migrate"),
        _a("evacuate", {ACTIVE, STOPPED, ERROR}, "rebuilding", "spawn"),
        _a("createImage", {ACTIVE, STOPPED, PAUSED, SUSPENDED}, "image_snapshot", "snapshot"),
        _a("createBackup", {ACTIVE, STOPPED, PAUSED, SUSPENDED}, "image_backup", "snapshot"),
        _a("changePassword", {ACTIVE}, "updating_password", "set_admin_password"),
        _a("shelve", {ACTIVE, STOPPED, PAUSED, SUSPENDED}, "shelving", "snapshot"),
        _a("shelveOffload", {SHELVED}, "shelving_offloading", "destroy"),
        _a("unshelve", {SHELVED, SHELVED_OFFLOADED}, "unshelving", "spawn"),
        _a("trigger_crash_dump", {ACTIVE, PAUSED, RESCUED, RESIZED, ERROR}, None, "trigger_crash_dump"),
        _a("attach_interface", {ACTIVE, PAUSED, STOPPED}, None),
        _a("detach_interface", {ACTIVE, PAUSED, STOPPED}, None),
        _a("lock", _ANY_LIVE | {SOFT_DELETED}, None, None, {ANY_TASK}),
        _a("unlock", _ANY_LIVE | {SOFT_DELETED}, None, None, {ANY_TASK}),
        _a("resetState", _ANY_LIVE | {SOFT_DELETED}, None, None, {ANY_TASK}),
        _a("transfer", _ANY_LIVE - {BUILDING}, None),
    ]
}
# A hard reboot is recorded as "reboot" too but starts from more states and may cut into a
# reboot (soft or hard) that is still running.
HARD_REBOOT = _a("reboot", _HARD_REBOOTABLE, "rebooting_hard", "reboot", _HARD_REBOOT_DURING)


def action_for(name: str, params: Mapping[str, Any] | None = None) -> Action:
    """The state-table row of ``name`` as requested with ``params`` (a HARD reboot has its own)."""
    if name == "reboot" and (params or {}).get("type") == "HARD":
        return HARD_REBOOT
    return ACTIONS[name]


def allows_task(act: Action, task_state: str | None) -> bool:
    """Whether ``act`` may start while ``task_state`` runs (None: no task)."""
    if task_state is None or task_state in act.during:
        return True
    return ANY_TASK in act.during and task_state != act.task_state


def check_allowed(action: str | Action, vm_state: str, task_state: str | None) -> Action:
    """The action, or Conflict naming the state that forbids it (Nova's wording)."""
    act = ACTIONS[action] if isinstance(action, str) else action
    if vm_state not in act.from_states:
        raise Conflict(
            f"Cannot '{act.name}' instance while it is in vm_state {vm_state}",
            code="compute.server.invalid_state",
        )
    if not allows_task(act, task_state):
        raise Conflict(
            f"Cannot '{act.name}' instance while it is in task_state {task_state}",
            code="compute.server.invalid_state",
        )
    return act


def fault_record(message: str) -> dict[str, Any]:
    """What a server's ``fault`` column holds after a failure."""
    return {"code": 500, "message": message, "created": utcnow().isoformat(), "details": ""}
