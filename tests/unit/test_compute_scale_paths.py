"""What the compute paths made for scale must keep equal to the plain ones, on a real database
(SQLite and PostgreSQL): the status filter written as SQL, and the scheduler's host cache."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from pocketstack.core.compute import states
from pocketstack.core.compute.server_queries import status_condition
from pocketstack.core.placement import scheduler as sched
from pocketstack.core.placement.scheduler import RequestSpec, Resources, Scheduler, hosts_changed
from pocketstack.store.compute_models import Host, Server
from pocketstack.store.db import Database, make_engine
from pocketstack.store.migrate import upgrade_if_needed

TASK_STATES = [None, "rebooting", "rebuilding", "migrating", "resize_prep", "resize_reverting", "other"]
STATUSES = ["ACTIVE", "BUILD", "REBOOT", "REBUILD", "RESIZE", "REVERT_RESIZE", "MIGRATING", "SHUTOFF"]


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    engine = make_engine(database_url)
    upgrade_if_needed(engine)
    yield Database(engine)
    engine.dispose()


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def test_status_filter_in_sql_matches_status_of(db: Database) -> None:
    vm_states = [states.ACTIVE, states.BUILDING, states.STOPPED, states.ERROR, states.RESIZED]
    made = {}
    with db.transaction() as s:
        for vm_state, task_state in itertools.product(vm_states, TASK_STATES):
            sid = str(uuid.uuid4())
            made[sid] = states.status_of(vm_state, task_state)
            s.add(
                Server(
                    id=sid,
                    project_id="p",
                    user_id="u",
                    name="s",
                    hostname="s",
                    flavor_id="1",
                    flavor={},
                    vm_state=vm_state,
                    task_state=task_state,
                    reservation_id="r",
                    created_at=now(),
                    updated_at=now(),
                )
            )
    with db.read() as s:
        for status in STATUSES:
            found = set(s.scalars(select(Server.id).where(status_condition(status))))
            assert found == {sid for sid, shown in made.items() if shown == status}, status


def add_hosts(db: Database, count: int) -> list[str]:
    names = [f"h{i}" for i in range(count)]
    with db.transaction() as s:
        for name in names:
            s.add(
                Host(
                    id=str(uuid.uuid4()),
                    name=name,
                    driver="fake",
                    host_ip="10.0.0.1",
                    vcpus=4,
                    memory_mb=4096,
                    disk_gb=100,
                    service_id=str(uuid.uuid4()),
                    traits={},
                    created_at=now(),
                    updated_at=now(),
                )
            )
    return names


def test_the_host_cache_follows_claims_frees_and_host_changes(db: Database) -> None:
    add_hosts(db, 3)
    scheduler = Scheduler(db)
    spec = RequestSpec(resources=Resources(1, 1024, 1))
    placed = [scheduler.claim(str(uuid.uuid4()), spec) for _ in range(3)]
    assert sorted(placed) == ["h0", "h1", "h2"]  # spread: each claim seen by the next selection
    consumers = [str(uuid.uuid4()) for _ in range(9)]
    for consumer in consumers:
        scheduler.claim(consumer, spec)
    with db.read() as s:
        assert scheduler.candidates(s, spec) == []  # 4096 MiB each, all taken
    with db.transaction() as s:
        sched.free(s, consumers[0])
    with db.read() as s:
        assert [h.free_memory_mb for h in scheduler.candidates(s, spec)] == [1024.0]
    with db.transaction() as s:
        s.execute(update(Host).values(enabled=False))
        hosts_changed(s)
    with db.read() as s:
        assert scheduler.candidates(s, spec) == []
    other = Scheduler(db)  # another scheduler of the same database sees the same
    with db.read() as s:
        assert other.candidates(s, spec) == []


def test_a_stale_cache_never_overcommits(db: Database) -> None:
    add_hosts(db, 1)
    scheduler = Scheduler(db)
    spec = RequestSpec(resources=Resources(1, 2048, 1))
    with db.read() as s:
        assert len(scheduler.candidates(s, spec)) == 1  # cached: 4096 MiB free
    with db.transaction() as s:  # another process fills the host without telling this one
        s.execute(update(Host).values(reserved_memory_mb=3072, generation=Host.generation + 1))
    with pytest.raises(sched.NoValidHost):
        scheduler.claim(str(uuid.uuid4()), spec)
