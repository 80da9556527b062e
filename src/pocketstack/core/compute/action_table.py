"""Every server action in one table: what the state machine allows (``states.ACTIONS``), what
the request does itself, what the conductor then runs, what it records, and what a failure
undoes. Before, an action's behaviour was spread over the state table, an if/elif chain and
string-built method names in the request and the conductor, and lists of action names in the
failure path; adding an action meant finding all of them. Now it is one row here.

A row's ``step`` is a plain function the conductor calls with itself first
(core/compute/steps/); an action without one finishes inside the request (``done``, recorded
as a finished task with its one event) or is recorded by its own module. ``prepare`` runs in
the request, after the claim and before the task is recorded (core/compute/action_prepares.py).

The event names are Nova's instance-action event names (``os-instance-actions/{id}``): a row's
``items`` are every event its step may record, in the order recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pocketstack.core.compute import action_prepares as prep
from pocketstack.core.compute import states
from pocketstack.core.compute.steps import build, moves, power

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from pocketstack.core.compute.actions import ServerActions
    from pocketstack.core.compute.conductor import Conductor
    from pocketstack.core.context import RequestContext
    from pocketstack.store.compute_models import Server, Task

    # The conductor's step: True when it finished the task itself.
    Step = Callable[[Conductor, Task, Server], bool | None]
    # Run in the request after the claim; may fill in or consume ``params``.
    Prepare = Callable[[ServerActions, Session, RequestContext, Server, dict[str, Any]], None]
    # The bookkeeping of an action finished in the request (``guard_lock``: the caller is
    # held to the lock).
    Done = Callable[
        [ServerActions, Session, RequestContext, Server, states.Action, dict[str, Any], bool], None
    ]


@dataclass(frozen=True)
class Failure:
    """What a failed task does besides clearing its task state and recording a fault."""

    error: bool = False  # the server goes to ERROR (also any server failing while BUILDING)
    undo_claim: bool = False  # a move's destination claim is given back (also on recovery)
    free_allocations: bool = False  # a build's allocations are freed and its host cleared


@dataclass(frozen=True)
class Row:
    """One server action: its state rule, the events it records, and who does what for it."""

    state: states.Action  # states.ACTIONS[name]: from-states, task state, ``during``, capability
    items: tuple[str, ...]  # the event names recorded (finished in the request: exactly one)
    step: Step | None = None  # None: finished inside the request
    prepare: Prepare | None = None
    done: Done | None = None  # finished in the request: its bookkeeping (see recorded_by)
    registers_image: bool = False  # the request registers a snapshot image before the task
    on_failure: Failure = Failure()
    hard: states.Action | None = None  # the state rule when asked with ``type: HARD``
    ignores_lock: bool = False  # a lock holds back no one from it (lock, unlock themselves)
    # For one finished in the request without ``done``: who records it instead.
    recorded_by: str | None = None
    driver_method: str | None = None  # the driver call a plain step (``power.driver_call``) makes

    def __post_init__(self) -> None:
        if self.step is None:
            assert len(self.items) == 1, f"{self.name}: finished in the request, one event"
            assert (self.done is None) != (self.recorded_by is None), f"{self.name}: who records it"
        else:
            assert self.done is None and self.recorded_by is None, f"{self.name}: a task or done"

    @property
    def name(self) -> str:
        return self.state.name

    @property
    def finished_in_request(self) -> bool:
        return self.step is None

    @property
    def done_event(self) -> str | None:
        """The event of the finished task recorded for an action finished in the request."""
        return self.items[0] if self.step is None else None

    def state_for(self, params: Mapping[str, Any] | None = None) -> states.Action:
        """The state rule as requested with ``params`` (a HARD reboot has its own)."""
        if self.hard is not None and (params or {}).get("type") == "HARD":
            return self.hard
        return self.state


def _driver(name: str, vm_state: str | None, power_state: int | None) -> Row:
    """A row whose step only calls the driver method the state rule names as its capability,
    recorded as Nova's ``compute_<method>_instance``, and settles in the given states."""
    act = states.ACTIONS[name]
    assert act.capability is not None
    event = f"compute_{act.capability}_instance"
    step = power.driver_call(act.capability, event, vm_state, power_state)
    return Row(act, (event,), step, driver_method=act.capability)


def _row(name: str, items: tuple[str, ...], step: Step | None = None, **kw: Any) -> Row:
    return Row(states.ACTIONS[name], items, step, **kw)


_MOVE = Failure(undo_claim=True)
_REBUILD = Failure(error=True)
_RESIZE_ITEMS = (moves.MIGRATE_EVENT, moves.RESIZE_EVENT, moves.CONFIRM_EVENT)  # confirm: vNext's

ACTIONS: dict[str, Row] = {
    r.name: r
    for r in [
        # -- build and delete (steps/build.py)
        _row(
            "create",
            (build.SCHEDULE_EVENT, build.BUILD_EVENT),
            build.create,
            on_failure=Failure(error=True, free_allocations=True),
        ),
        # The API's soft delete is recorded as ``delete`` with ``soft`` in its parameters.
        _row("delete", (build.TERMINATE_EVENT, build.SOFT_DELETE_EVENT), build.delete),
        _row("softDelete", (build.SOFT_DELETE_EVENT,), build.soft_delete),
        _row("forceDelete", (build.TERMINATE_EVENT,), build.delete),
        _driver("restore", states.ACTIVE, states.RUNNING),
        # -- on the guest where it is (steps/power.py)
        _row("reboot", (power.REBOOT_EVENT,), power.reboot, hard=states.HARD_REBOOT),
        _driver("stop", states.STOPPED, states.SHUTDOWN),
        _driver("start", states.ACTIVE, states.RUNNING),
        _driver("pause", states.PAUSED, states.POWER_PAUSED),
        _driver("unpause", states.ACTIVE, states.RUNNING),
        _driver("suspend", states.SUSPENDED, states.POWER_SUSPENDED),
        _driver("resume", states.ACTIVE, states.RUNNING),
        _driver("rescue", states.RESCUED, states.RUNNING),
        _driver("unrescue", states.ACTIVE, states.RUNNING),
        _row("changePassword", (power.PASSWORD_EVENT,), power.change_password),
        _row(
            "rebuild",
            (power.REBUILD_EVENT,),
            power.rebuild,
            prepare=prep.prepare_rebuild,
            on_failure=_REBUILD,
        ),
        _row("createImage", (power.SNAPSHOT_EVENT,), power.snapshot, registers_image=True),
        _row("createBackup", (power.SNAPSHOT_EVENT,), power.snapshot, registers_image=True),
        # -- moves (steps/moves.py)
        _row("resize", _RESIZE_ITEMS, moves.resize, prepare=prep.prepare_resize, on_failure=_MOVE),
        _row("migrate", _RESIZE_ITEMS, moves.resize, prepare=prep.prepare_migrate, on_failure=_MOVE),
        _row("revertResize", (moves.REVERT_EVENT,), moves.revert_resize),
        _row(
            "live-migration",
            (moves.MIGRATE_EVENT, moves.LIVE_MIGRATION_EVENT),
            moves.live_migration,
            prepare=prep.prepare_migrate,
            on_failure=_MOVE,
        ),
        _row(
            "evacuate",
            (moves.MIGRATE_EVENT, moves.EVACUATE_EVENT),
            moves.evacuate,
            prepare=prep.prepare_evacuate,
            on_failure=Failure(error=True, undo_claim=True),
        ),
        _row(
            "shelve",
            (moves.SHELVE_EVENT, moves.OFFLOAD_EVENT),
            moves.shelve,
            registers_image=True,
        ),
        _row("shelveOffload", (moves.OFFLOAD_EVENT,), moves.shelve_offload),
        _row(
            "unshelve",
            (moves.UNSHELVE_SCHEDULE_EVENT, moves.UNSHELVE_EVENT),
            moves.unshelve,
            prepare=prep.prepare_unshelve,
            on_failure=_REBUILD,
        ),
        # -- finished inside the request
        _row("confirmResize", (moves.CONFIRM_EVENT,), done=prep.confirm_resize),
        _row("trigger_crash_dump", ("compute_trigger_crash_dump",), done=prep.check_only),
        _row("lock", ("api_lock",), done=prep.lock, ignores_lock=True),
        _row("unlock", ("api_unlock",), done=prep.unlock, ignores_lock=True),
        _row("resetState", ("api_reset_state",), done=prep.reset_state),
        _row(
            "attach_interface",
            ("compute_attach_interface",),
            recorded_by="ServerActions.attach_interface",
        ),
        _row(
            "detach_interface",
            ("compute_detach_interface",),
            recorded_by="ServerActions.detach_interface",
        ),
        # A server moving to another project: its own module checks and records it.
        _row("transfer", ("api_transfer",), recorded_by="the server transfer module"),
    ]
}
assert ACTIONS.keys() == states.ACTIONS.keys(), "the table covers exactly the state machine's actions"


def row(action: str) -> Row:
    """The row of ``action`` (KeyError: no such action)."""
    return ACTIONS[action]


def step_of(action: str) -> Step | None:
    """The conductor's step for a task of ``action`` (None: none, or no such action)."""
    found = ACTIONS.get(action)
    return found.step if found is not None else None


def failure_of(action: str) -> Failure:
    """What a failed (or interrupted) task of ``action`` does."""
    found = ACTIONS.get(action)
    return found.on_failure if found is not None else Failure()


def registers_image(action: str) -> bool:
    found = ACTIONS.get(action)
    return found is not None and found.registers_image
