"""A kept lookup (core/compute/lookups.py) is read again once its group's tables are written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from pocketstack.core.compute.lookups import Kept
from pocketstack.core.identity.common import utcnow
from pocketstack.store import migrate
from pocketstack.store.compute_models import Flavor
from pocketstack.store.db import Database, make_engine


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    engine = make_engine(f"sqlite:///{tmp_path / 'db'}")
    migrate.upgrade_if_needed(engine)
    database = Database(engine)
    yield database
    database.revisions.close()
    engine.dispose()


def test_a_kept_value_lasts_until_its_group_is_written(db: Database) -> None:
    with db.transaction() as s:
        s.add(Flavor(id="k", name="k", vcpus=1, memory_mb=64, root_gb=1, created_at=utcnow()))
    kept: Kept[int] = Kept(db, "flavors")
    loads: list[int] = []

    def load() -> int:
        with db.read() as s:
            loads.append(s.get(Flavor, "k").memory_mb)
        return loads[-1]

    assert kept.get("k", load) == 64
    assert kept.get("k", load) == 64
    assert loads == [64]
    with db.transaction() as s:
        s.execute(update(Flavor).where(Flavor.id == "k").values(memory_mb=128))
    assert kept.get("k", load) == 128
    assert loads == [64, 128]


def test_a_failed_lookup_is_not_kept(db: Database) -> None:
    kept: Kept[int] = Kept(db, "images")

    def missing() -> int:
        raise LookupError

    for _ in range(2):
        with pytest.raises(LookupError):
            kept.get("x", missing)
    assert kept.get("x", lambda: 1) == 1
