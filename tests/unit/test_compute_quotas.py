"""QuotaService and the quota side of ServerGroupService on a real database: defaults, limits,
usage, the messages, and that concurrent creates never overrun a limit."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from pocketstack.core.compute.quotas import BUILTIN_DEFAULTS, QuotaService, parse_quota_defaults
from pocketstack.core.compute.server_groups import ServerGroupService
from pocketstack.core.errors import BadRequest, NotFound, QuotaExceeded
from pocketstack.store.compute_models import QuotaLock, Server, ServerGroupMember
from pocketstack.store.db import Database, make_engine
from pocketstack.store.migrate import upgrade_if_needed

P = "project-a"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    engine = make_engine(database_url)
    upgrade_if_needed(engine)
    yield Database(engine)
    engine.dispose()


def server(
    project: str = P, vcpus: int = 1, ram: int = 512, deleted: bool = False, user: str = "u"
) -> Server:
    now = datetime.now(UTC).replace(tzinfo=None)
    sid = str(uuid.uuid4())
    return Server(
        id=sid,
        project_id=project,
        user_id=user,
        name=sid,
        hostname="h",
        flavor_id="f",
        flavor={"vcpus": vcpus, "ram": ram, "disk": 1, "ephemeral": 0, "swap": 0},
        vm_state="active",
        reservation_id="r",
        created_at=now,
        updated_at=now,
        deleted=deleted,
    )


# -- parse_quota_defaults -------------------------------------------------------------------------
def test_parse_quota_defaults() -> None:
    assert parse_quota_defaults("") == {}
    assert parse_quota_defaults(" instances=20, cores = 40 ,ram=-1,") == {
        "instances": 20,
        "cores": 40,
        "ram": -1,
    }


@pytest.mark.parametrize("text", ["bogus=1", "instances=ten", "instances", "instances=1.5", "cores=-2"])
def test_parse_quota_defaults_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="quota_defaults"):
        parse_quota_defaults(text)


# -- limits -------------------------------------------------------------------------------------------
def test_limits_precedence(db: Database) -> None:
    quotas = QuotaService(db, {"instances": 20, "cores": 30})
    assert quotas.limits(P) == {**BUILTIN_DEFAULTS, "instances": 20, "cores": 30}
    quotas.set_class_limits("default", {"cores": 40, "ram": 1024})
    quotas.set_class_limits("gold", {"ram": 99})
    quotas.set_limits(P, {"ram": 2048})
    limits = quotas.limits(P)
    assert (limits["instances"], limits["cores"], limits["ram"]) == (20, 40, 2048)
    assert quotas.limits("project-b")["ram"] == 1024
    assert quotas.class_limits("gold")["ram"] == 99 and quotas.class_limits("gold")["cores"] == 30
    quotas.delete_limits(P)
    assert quotas.limits(P)["ram"] == 1024


def test_set_limits_updates_in_place_and_checks_values(db: Database) -> None:
    quotas = QuotaService(db, {})
    quotas.set_limits(P, {"instances": 3})
    assert quotas.set_limits(P, {"instances": 4})["instances"] == 4
    for bad in ({"instances": -2}, {"instances": True}, {"bogus": 1}, {"cores": 2**31}):
        with pytest.raises(BadRequest):
            quotas.set_limits(P, bad)
    assert quotas.limits(P)["instances"] == 4


def test_set_limits_below_usage_needs_force(db: Database) -> None:
    quotas = QuotaService(db, {})
    with db.transaction() as s:
        s.add_all([server(vcpus=4), server(vcpus=4)])
    with pytest.raises(BadRequest, match="must be greater than or equal to already used and reserved 8"):
        quotas.set_limits(P, {"cores": 7})
    assert quotas.set_limits(P, {"cores": 7}, force=True)["cores"] == 7
    assert quotas.set_limits(P, {"cores": -1})["cores"] == -1


# -- usage ------------------------------------------------------------------------------------------
def test_usage_counts_live_servers_of_the_project(db: Database) -> None:
    quotas = QuotaService(db, {})
    groups = ServerGroupService(db, quotas)
    with db.transaction() as s:
        s.add_all(
            [
                server(vcpus=2, ram=1000, user="alice"),
                server(vcpus=3, ram=24, user="bob"),
                server(vcpus=50, ram=50, deleted=True),
                server(project="other", vcpus=70),
            ]
        )
    groups.create(P, "alice", "g", "affinity")
    with db.read() as s:
        assert quotas.usage(s, P) == {"instances": 2, "cores": 5, "ram": 1024, "server_groups": 1}
        assert quotas.usage(s, P, user_id="bob") == {
            "instances": 1,
            "cores": 3,
            "ram": 24,
            "server_groups": 0,
        }
    limits, usage = quotas.usage_report(P)
    assert usage["key_pairs"] == 0 and limits["instances"] == 10


# -- check --------------------------------------------------------------------------------------------
def test_check_messages_as_nova_words_them(db: Database) -> None:
    quotas = QuotaService(db, {"instances": 2, "cores": 4})
    with db.transaction() as s:
        s.add_all([server(vcpus=2), server(vcpus=1)])
    with db.transaction() as s, pytest.raises(QuotaExceeded) as exc:
        quotas.check(s, P, {"instances": 1, "cores": 2, "ram": 512})
    assert exc.value.status == 403
    assert exc.value.message == (
        "Quota exceeded for cores, instances: Requested 2, 1, but already used 3, 2 of 4, 2 cores, instances"
    )
    too_many = "^Maximum number of metadata items exceeds 128$"
    with db.transaction() as s, pytest.raises(QuotaExceeded, match=too_many):
        quotas.check(s, P, {"metadata_items": 129})


def test_check_passes_within_limits_unlimited_and_for_shrinking(db: Database) -> None:
    quotas = QuotaService(db, {"instances": 1, "cores": -1})
    with db.transaction() as s:
        quotas.check(s, P, {"instances": 1, "cores": 1000})
        s.add(server())
    with db.transaction() as s:
        quotas.check(s, P, {"instances": 0, "cores": -2, "metadata_items": 128})
    with (
        db.transaction() as s,
        pytest.raises(
            QuotaExceeded, match="^Quota exceeded for instances: Requested 1, but already used 1 of"
        ),
    ):
        quotas.check(s, P, {"instances": 1})
    with db.read() as s:
        assert s.scalar(select(QuotaLock.serial).where(QuotaLock.project_id == P)) is not None


def test_check_refuses_unknown_resources(db: Database) -> None:
    with db.transaction() as s, pytest.raises(ValueError, match="unknown quota resources"):
        QuotaService(db, {}).check(s, P, {"gpus": 1})


def test_concurrent_creates_never_overrun_the_limit(db: Database) -> None:
    """50 threads each create one server against instances=10, each holding its transaction a
    little while after the check passed: without the lock many would pass on the same count."""
    quotas = QuotaService(db, {"instances": 10})
    start = threading.Barrier(50)
    refused: list[str] = []
    errors: list[BaseException] = []

    def create_one() -> None:
        try:
            start.wait()
            with db.transaction() as s:
                quotas.check(s, P, {"instances": 1, "cores": 1, "ram": 512})
                time.sleep(0.005)
                s.add(server())
        except QuotaExceeded as exc:
            refused.append(exc.message)
        except BaseException as exc:  # noqa: BLE001 - any other failure fails the test below
            errors.append(exc)

    threads = [threading.Thread(target=create_one) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.read() as s:
        created = s.scalar(select(func.count()).select_from(Server).where(Server.project_id == P))
    assert created == 10
    assert len(refused) == 40
    assert all(m.endswith("but already used 10 of 10 instances") for m in refused)


# -- server groups ------------------------------------------------------------------------------
def test_concurrent_group_creates_respect_the_server_groups_quota(db: Database) -> None:
    groups = ServerGroupService(db, QuotaService(db, {"server_groups": 3}))
    outcomes: list[str] = []

    def create_one(i: int) -> None:
        try:
            groups.create(P, "u", f"g{i}", "anti-affinity", {"max_server_per_host": 2})
            outcomes.append("ok")
        except QuotaExceeded as exc:
            outcomes.append(exc.message)

    threads = [threading.Thread(target=create_one, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 3
    assert outcomes.count("Quota exceeded, too many server groups.") == 9
    assert len(groups.list(P)) == 3


def test_add_member_enforces_the_members_quota(db: Database) -> None:
    quotas = QuotaService(db, {"server_group_members": 2})
    groups = ServerGroupService(db, quotas)
    group = groups.create(P, "u", "g", "affinity")
    servers = [server() for _ in range(4)]
    with db.transaction() as s:
        s.add_all(servers)
    with db.transaction() as s:
        groups.add_member(s, group.id, servers[0].id)
        groups.add_member(s, group.id, servers[0].id)  # again: no change
        groups.add_member(s, group.id, servers[1].id)
        assert groups.members(s, group.id) == sorted([servers[0].id, servers[1].id])
    full = "^Quota exceeded, too many servers in group$"
    with db.transaction() as s, pytest.raises(QuotaExceeded, match=full):
        groups.add_member(s, group.id, servers[2].id)
    with db.transaction() as s:  # a deleted member frees its place
        s.get(Server, servers[0].id).deleted = True
    with db.transaction() as s:
        groups.add_member(s, group.id, servers[3].id)
    assert groups.members_of([group.id])[group.id] == sorted([servers[1].id, servers[3].id])


def test_group_visibility_and_delete(db: Database) -> None:
    groups = ServerGroupService(db)
    group = groups.create(P, "u", "g", "soft-affinity")
    with db.read() as s:
        assert groups.get_for_project(s, group.id, P, False).name == "g"
        assert groups.get_for_project(s, group.id, "other", True).id == group.id
        with pytest.raises(NotFound, match=f"Instance group {group.id} could not be found"):
            groups.get_for_project(s, group.id, "other", False)
    with db.transaction() as s:
        s.add(server())
    with db.transaction() as s:
        sid = s.scalars(select(Server.id)).first()
        groups.add_member(s, group.id, sid)
    groups.delete(group.id, P, False)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ServerGroupMember)) == 0
    with pytest.raises(NotFound):
        groups.get(group.id, P, True)
    with db.transaction() as s, pytest.raises(NotFound):
        groups.add_member(s, group.id, sid)


@pytest.mark.parametrize(
    ("policy", "rules"),
    [
        ("friends", {}),
        ("affinity", {"max_server_per_host": 2}),
        ("anti-affinity", {"max_server_per_host": 0}),
        ("anti-affinity", {"spread": 1}),
        ("anti-affinity", {"max_server_per_host": True}),
    ],
)
def test_group_create_refuses_bad_policies_and_rules(db: Database, policy: str, rules: dict) -> None:
    with pytest.raises(BadRequest):
        ServerGroupService(db).create(P, "u", "g", policy, rules)
