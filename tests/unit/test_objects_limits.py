"""An account's quota from its project's unified limits (core/objects/project_limits.py): the
account's own quota, else the project's limit, else the registered limit, else the settings'
default; kept per process until a limit changes (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from pocketstack.core.errors import QuotaExceeded
from pocketstack.core.identity.bootstrap import bootstrap
from pocketstack.core.identity.bootstrap_accounts import Account
from pocketstack.core.identity.limits import LimitService
from pocketstack.core.identity.passwords import PasswordVerifier
from pocketstack.core.objects.model import ObjectInfo
from pocketstack.core.objects.project_limits import BYTES_RESOURCE, COUNT_RESOURCE, MiB
from pocketstack.core.objects.storage import ObjectStorage
from pocketstack.store.db import Database, make_engine
from pocketstack.store.migrate import upgrade_if_needed
from pocketstack.store.models import Project, Region, Service
from pocketstack.store.table_revisions import GROUPS
from tests.unit import objects_support as support


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    engine = make_engine(database_url)
    upgrade_if_needed(engine)
    database = Database(engine)
    verifier = PasswordVerifier(time_cost=1, memory_kib=1024)
    bootstrap(
        database, verifier, [Account("demo", "demo", "member", "pw")], "http://localhost:1", "RegionOne"
    )
    yield database
    engine.dispose()


@pytest.fixture
def project(db: Database) -> str:
    with db.read() as s:
        return s.scalars(select(Project.id).where(Project.name == "demo")).one()


@pytest.fixture
def service(db: Database) -> str:
    with db.read() as s:
        return s.scalars(select(Service.id).where(Service.type == "object-store")).one()


@pytest.fixture
def make_objects(db: Database, tmp_path: Path) -> Callable[..., ObjectStorage]:
    return lambda **settings: support.build_objects(db, tmp_path, **settings)


@pytest.fixture
def objects(make_objects: Callable[..., ObjectStorage], project: str) -> ObjectStorage:
    made = make_objects()
    made.create_container(project, "c", {})
    return made


def put(objects: ObjectStorage, project: str, name: str, data: bytes = b"", **kw: object) -> ObjectInfo:
    return support.put(objects, "c", name, data, project=project, **kw)


def register(db: Database, service: str, resource: str, default: int, region: str | None = None) -> str:
    item = {"service_id": service, "resource_name": resource, "default_limit": default, "region_id": region}
    return LimitService(db).create_registered([item])[0].id


def limit(db: Database, service: str, project: str, resource: str, value: int) -> str:
    item = {"service_id": service, "resource_name": resource, "resource_limit": value, "project_id": project}
    return LimitService(db).create_limits([item])[0].limit.id


def refused(objects: ObjectStorage, project: str, name: str, data: bytes = b"") -> str:
    with pytest.raises(QuotaExceeded) as raised:
        put(objects, project, name, data)
    return raised.value.code


def test_the_limits_group_watches_what_limits_are_found_by() -> None:
    assert GROUPS["limits"] == {"limits", "registered_limits", "services", "regions"}


def test_registered_then_project_limit_then_the_accounts_own(
    db: Database, objects: ObjectStorage, project: str, service: str
) -> None:
    register(db, service, COUNT_RESOURCE, 1)
    put(objects, project, "a")
    assert refused(objects, project, "b") == "objects.account.quota_exceeded"
    put(objects, project, "a", b"overwrite")  # an overwrite adds no object
    limit_id = limit(db, service, project, COUNT_RESOURCE, 2)
    put(objects, project, "b")  # the project's limit, read at once: the counter moved
    assert refused(objects, project, "c") == "objects.account.quota_exceeded"
    objects.update_account(project, {}, quota_count=3)  # the account's own quota wins
    put(objects, project, "c")
    assert refused(objects, project, "d") == "objects.account.quota_exceeded"
    objects.update_account(project, {}, quota_count=None)
    LimitService(db).update_limit(limit_id, {"resource_limit": -1})  # -1: no limit
    put(objects, project, "d")
    put(objects, project, "e")


def test_megabytes_limit_bytes(db: Database, objects: ObjectStorage, project: str, service: str) -> None:
    register(db, service, BYTES_RESOURCE, 0)
    assert refused(objects, project, "a", b"x") == "objects.account.quota_exceeded"
    put(objects, project, "empty")
    limit(db, service, project, BYTES_RESOURCE, 1)
    put(objects, project, "a", b"x" * MiB)
    assert refused(objects, project, "b", b"x") == "objects.account.quota_exceeded"
    # The early check (an announced size) reads the same limits.
    with pytest.raises(QuotaExceeded):
        objects.begin_put(project, "c", "b", content_type="x", meta={}, headers={}, expected_size=1)
    objects.begin_put(project, "c", "a", content_type="x", meta={}, headers={}, expected_size=MiB).abort()


def test_the_settings_default_applies_without_a_registered_limit(
    db: Database, make_objects: Callable[..., ObjectStorage], project: str, service: str
) -> None:
    objects = make_objects(object_account_quota_count=1)
    objects.create_container(project, "c", {})
    put(objects, project, "a")
    refused(objects, project, "b")
    register(db, service, COUNT_RESOURCE, -1)  # a registered limit replaces the default
    put(objects, project, "b")


def test_a_limit_of_another_service_or_project_does_not_apply(
    db: Database, objects: ObjectStorage, project: str, service: str
) -> None:
    with db.transaction() as s:
        s.add(Service(id="other-svc", type="other"))
    register(db, "other-svc", COUNT_RESOURCE, 0)
    put(objects, project, "a")
    register(db, service, COUNT_RESOURCE, 5)
    with db.transaction() as s:
        s.add(Project(id="p2", name="p2", domain_id="default", created_at=datetime(2026, 1, 1)))
    limit(db, service, "p2", COUNT_RESOURCE, 0)
    put(objects, project, "b")


def test_a_limit_of_the_clouds_region_wins(
    db: Database, objects: ObjectStorage, project: str, service: str
) -> None:
    with db.transaction() as s:
        if s.get(Region, "Elsewhere") is None:
            s.add(Region(id="Elsewhere"))
    register(db, service, COUNT_RESOURCE, 0, region="Elsewhere")  # not this cloud's region
    put(objects, project, "a")
    register(db, service, COUNT_RESOURCE, 5)
    register(db, service, COUNT_RESOURCE, 1, region="RegionOne")
    assert refused(objects, project, "b") == "objects.account.quota_exceeded"


def test_kept_limits_are_read_again_only_when_they_change(
    db: Database, objects: ObjectStorage, project: str, service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(db, service, COUNT_RESOURCE, 10)
    put(objects, project, "a")
    reads = []
    original = objects.limits._read
    monkeypatch.setattr(objects.limits, "_read", lambda conn, p: reads.append(p) or original(conn, p))
    for name in ("b", "c", "d"):
        put(objects, project, name, expected_size=0)
    assert reads == []
    limit(db, service, project, COUNT_RESOURCE, 4)
    assert refused(objects, project, "e") == "objects.account.quota_exceeded"
    assert reads == [project]
