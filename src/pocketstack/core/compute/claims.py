"""Claiming a server for a change of state with one conditional UPDATE (a compare-and-swap on
its vm and task state: Nova's ``expected_task_state``).

Reading a server, checking the state table and then writing its task state is not enough: two
requests on PostgreSQL (read committed) can both read "no task" and both write. Every change
of a server's vm or task state is therefore written by ``swap``: ``UPDATE servers SET ...
WHERE id = :id AND NOT deleted AND vm_state IN (...) AND task_state IN (...)``; the database
lets exactly one writer match, the others update no row. Requests use ``claim`` (409 or 404
for the loser, in Nova's wording); the conductor ends a task with ``swap`` on the task state
its task holds, so a task that finishes after a delete or a reset took over writes nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, false, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from pocketstack.core.compute import states
from pocketstack.core.compute.states import ANY_TASK, Action
from pocketstack.core.errors import Conflict, NotFound
from pocketstack.core.identity.common import utcnow
from pocketstack.store.compute_models import Server

DELETING = "deleting"


def task_state_in(allowed: Collection[str | None]) -> ColumnElement[bool]:
    """``task_state`` is one of ``allowed`` (None among them: no task runs)."""
    clauses: list[ColumnElement[bool]] = []
    if None in allowed:
        clauses.append(Server.task_state.is_(None))
    named = sorted(t for t in allowed if t is not None)
    if named:
        clauses.append(Server.task_state.in_(named))
    return or_(*clauses) if clauses else false()


def swap(
    s: Session,
    server_id: str,
    *,
    vm_states: Collection[str] | None = None,
    task_states: Collection[str | None] | None = None,
    where: Iterable[ColumnElement[bool]] = (),
    **values: Any,
) -> bool:
    """Write ``values`` (and ``updated_at``) to the server's row in one statement, only if it is
    not deleted, its vm_state is one of ``vm_states`` and its task_state one of ``task_states``
    (None for either: any) and every ``where`` holds. True when the row was written; a server
    object of ``s`` holding the row is brought up to date."""
    conditions = [Server.id == server_id, Server.deleted.is_(False), *where]
    if vm_states is not None:
        conditions.append(Server.vm_state.in_(sorted(vm_states)))
    if task_states is not None:
        conditions.append(task_state_in(task_states))
    values["updated_at"] = utcnow()
    stmt = update(Server).where(*conditions).values(**values)
    result = cast(CursorResult[Any], s.execute(stmt.execution_options(synchronize_session=False)))
    if result.rowcount != 1:
        return False
    loaded = s.identity_map.get(identity_key(Server, server_id))
    if loaded is not None:
        for key, value in values.items():
            set_committed_value(loaded, key, value)
    return True


def allowed_task_states(act: Action) -> Collection[str | None] | None:
    """The task states ``act`` may start from, for ``swap`` (None: any)."""
    if ANY_TASK not in act.during:
        return {None, *act.during}
    return None


def claim(
    s: Session,
    server: Server,
    act: Action,
    *,
    guard_lock: bool = False,
    where: Iterable[ColumnElement[bool]] = (),
    **values: Any,
) -> None:
    """Write ``values`` to ``server`` (as read in ``s``) if ``act`` may start from its state,
    checked by the state table on what was read and again by the database as it writes.

    ``guard_lock``: the caller may not act on a locked server, so the write also needs it
    unlocked. Raises Conflict (Nova's wording, naming the state found) when the server is not,
    or no longer, in a state ``act`` may start from, NotFound when it was deleted meanwhile.
    """
    states.check_allowed(act, server.vm_state, server.task_state)
    conditions = [*where]
    if guard_lock:
        conditions.append(Server.locked.is_(False))
    if act.task_state is not None and ANY_TASK in act.during:
        # "whatever other task runs": never a second one of its own (two deletes)
        conditions.append(or_(Server.task_state.is_(None), Server.task_state != act.task_state))
    if swap(
        s,
        server.id,
        vm_states=act.from_states,
        task_states=allowed_task_states(act),
        where=conditions,
        **values,
    ):
        return
    raise lost(s, server.id, act, guard_lock)


def lost(s: Session, server_id: str, act: Action, guard_lock: bool) -> Exception:
    """Why a claim on ``server_id`` found no row to write, read again as it is now."""
    columns = (Server.vm_state, Server.task_state, Server.deleted, Server.locked)
    row = s.execute(select(*columns).where(Server.id == server_id)).one_or_none()
    if row is None or row.deleted:
        return NotFound("server", server_id, message=f"Instance {server_id} could not be found.")
    if guard_lock and row.locked:
        return Conflict(f"Instance {server_id} is locked", code="compute.server.locked")
    try:
        states.check_allowed(act, row.vm_state, row.task_state)
    except Conflict as exc:
        return exc
    return Conflict(  # it changed and changed back between the write and this read
        f"Cannot '{act.name}' instance {server_id}: its state changed meanwhile; try again.",
        code="compute.server.invalid_state",
    )


def claim_delete(s: Session, server: Server, act: Action, *, guard_lock: bool) -> bool:
    """``claim`` for a delete or soft delete; False when another delete holds the server
    already (the request is answered again without a second task)."""
    if server.task_state == DELETING:
        return False
    try:
        claim(s, server, act, guard_lock=guard_lock, task_state=act.task_state)
    except Conflict:
        now = s.execute(select(Server.task_state).where(Server.id == server.id)).scalar_one_or_none()
        if now == DELETING:
            return False
        raise
    return True


def running_task_states(action: str, params: Mapping[str, Any] | None) -> frozenset[str]:
    """The task states a running task of ``action`` holds its server in: the conductor ends it
    only where the server still shows one of them."""
    params = params or {}
    if action == "create":
        return frozenset({"scheduling", "spawning"})
    if action == "delete" and params.get("soft"):
        action = "softDelete"
    task_state = states.action_for(action, params).task_state
    return frozenset({task_state} if task_state else ())
