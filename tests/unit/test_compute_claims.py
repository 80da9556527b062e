"""core/compute/claims.py on a real database (SQLite and PostgreSQL): the conditional write that
lets exactly one of several concurrent requests claim a server."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from pocketstack.core.compute import claims, states
from pocketstack.core.errors import Conflict, NotFound
from pocketstack.store.compute_models import Server
from pocketstack.store.db import Database, make_engine
from pocketstack.store.migrate import upgrade_if_needed


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    engine = make_engine(database_url)
    upgrade_if_needed(engine)
    yield Database(engine)
    engine.dispose()


def add_server(db: Database, vm_state: str = "active", task_state: str | None = None) -> str:
    now = datetime.now(UTC).replace(tzinfo=None)
    sid = str(uuid.uuid4())
    with db.transaction() as s:
        s.add(
            Server(
                id=sid,
                project_id="p",
                user_id="u",
                name="s",
                hostname="s",
                flavor_id="1",
                flavor={"vcpus": 1, "ram": 512, "disk": 1, "ephemeral": 0, "swap": 0},
                vm_state=vm_state,
                task_state=task_state,
                reservation_id="r",
                locked=False,
                created_at=now,
                updated_at=now,
                deleted=False,
            )
        )
    return sid


def read(db: Database, sid: str) -> Server:
    with db.read() as s:
        return s.get(Server, sid)


def test_swap_writes_only_where_every_condition_holds(db: Database) -> None:
    sid = add_server(db, task_state="rebooting")
    with db.transaction() as s:
        assert not claims.swap(s, sid, task_states=[None], task_state="powering-off")
        assert not claims.swap(s, sid, vm_states=["stopped"], task_state=None)
        loaded = s.get(Server, sid)
        assert claims.swap(s, sid, vm_states=["active"], task_states=["rebooting"], task_state=None)
        assert loaded.task_state is None  # the session's copy follows the write
    assert read(db, sid).task_state is None
    with db.transaction() as s:
        s.get(Server, sid).deleted = True
    with db.transaction() as s:  # a deleted server is never written again
        assert not claims.swap(s, sid, vm_state="active")


def test_a_claim_on_a_stale_read_is_a_conflict_naming_the_state_found(db: Database) -> None:
    sid = add_server(db)
    stale = read(db, sid)  # no task, as two requests might both read it
    soft = states.action_for("reboot", {"type": "SOFT"})
    with db.transaction() as s:
        claims.claim(s, stale, soft, task_state=soft.task_state)
    with db.transaction() as s, pytest.raises(Conflict) as exc:
        claims.claim(s, stale, soft, task_state=soft.task_state)
    assert exc.value.message == "Cannot 'reboot' instance while it is in task_state rebooting"
    hard = states.action_for("reboot", {"type": "HARD"})
    with db.transaction() as s:  # a hard reboot may cut into a soft one
        claims.claim(s, read(db, sid), hard, task_state=hard.task_state)
    assert read(db, sid).task_state == "rebooting_hard"


def test_a_claim_on_a_server_deleted_or_locked_meanwhile(db: Database) -> None:
    sid = add_server(db)
    stale = read(db, sid)
    stop = states.ACTIONS["stop"]
    with db.transaction() as s:
        s.get(Server, sid).locked = True
    with db.transaction() as s, pytest.raises(Conflict, match="is locked"):
        claims.claim(s, stale, stop, guard_lock=True, task_state=stop.task_state)
    with db.transaction() as s:
        s.get(Server, sid).deleted = True
    with db.transaction() as s, pytest.raises(NotFound):
        claims.claim(s, stale, stop, task_state=stop.task_state)


def test_of_two_deletes_one_claims_and_the_other_is_told_so(db: Database) -> None:
    sid = add_server(db)
    stale = read(db, sid)
    delete = states.ACTIONS["delete"]
    with db.transaction() as s:
        assert claims.claim_delete(s, stale, delete, guard_lock=False)
    with db.transaction() as s:
        assert not claims.claim_delete(s, stale, delete, guard_lock=False)
    with db.transaction() as s, pytest.raises(Conflict, match="task_state deleting"):
        claims.claim(s, stale, states.ACTIONS["stop"], task_state="powering-off")
    busy = add_server(db, task_state="powering-off")  # a delete may cut into a task
    with db.transaction() as s:
        assert claims.claim_delete(s, read(db, busy), delete, guard_lock=False)


def test_concurrent_claims_from_the_same_read_exactly_one_wins(db: Database) -> None:
    sid = add_server(db)
    stop = states.ACTIONS["stop"]
    barrier = threading.Barrier(8)

    def attempt(_: int) -> bool:
        seen = read(db, sid)
        barrier.wait(10)  # every thread has read "no task" before any writes
        try:
            with db.transaction() as s:
                claims.claim(s, seen, stop, task_state=stop.task_state)
        except Conflict:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        won = list(pool.map(attempt, range(8)))
    assert won.count(True) == 1


def test_running_task_states() -> None:
    assert claims.running_task_states("reboot", {"type": "HARD"}) == {"rebooting_hard"}
    assert claims.running_task_states("reboot", {"type": "SOFT"}) == {"rebooting"}
    assert claims.running_task_states("delete", {"soft": True}) == {"soft-deleting"}
    assert claims.running_task_states("delete", {}) == {"deleting"}
    assert claims.running_task_states("create", None) == {"scheduling", "spawning"}
    assert claims.running_task_states("live-migration", {}) == {"migrating"}
