"""The names vNext gives the core's actions (``core/compute/states.ACTIONS`` keys). Those a
client may ask for with ``POST /servers/{id}/tasks`` are in TASKS; the others appear only in a
server's history (a v2.1 client started them)."""

from __future__ import annotations

# vNext name -> core action.
TASKS: dict[str, str] = {
    "TERMINATE": "delete",
    "RESTORE": "restore",
    "REBOOT": "reboot",
    "REBUILD": "rebuild",
    "RESIZE": "resize",
    "REVERT": "revertResize",
    "SNAPSHOT": "createImage",
    "BACKUP": "createBackup",
    "STOP": "stop",
    "START": "start",
    "PAUSE": "pause",
    "UNPAUSE": "unpause",
    "SUSPEND": "suspend",
    "RESUME": "resume",
    "MOVE": "migrate",
    "LOCK": "lock",
    "UNLOCK": "unlock",
    "UPDATE_PASSWORD": "changePassword",
}
# Core actions shown under a history-only name.
HISTORY: dict[str, str] = {
    "create": "CREATE",
    "softDelete": "TERMINATE",
    "live-migration": "MOVE",
    "rescue": "RESCUE",
    "unrescue": "UNRESCUE",
    "shelve": "SHELVE",
    "shelveOffload": "SHELVE_OFFLOAD",
    "unshelve": "UNSHELVE",
    "evacuate": "EVACUATE",
    "confirmResize": "CONFIRM_RESIZE",
    "trigger_crash_dump": "TRIGGER_CRASH_DUMP",
    "attach_interface": "ATTACH_INTERFACE",
    "detach_interface": "DETACH_INTERFACE",
    "resetState": "RESET_STATE",
    "forceDelete": "FORCE_DELETE",
}
_SHOWN = {**{core: name for name, core in TASKS.items()}, **HISTORY}


def shown(core_action: str) -> str:
    """The vNext name of a core action (an unknown one in upper case, never hidden)."""
    return _SHOWN.get(core_action) or core_action.upper().replace("-", "_")
