"""Leases elect one process for a periodic job through the database (``up --workers``)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pocketstack.store import migrate
from pocketstack.store.coordination import take_lease
from pocketstack.store.db import Database, make_engine


def test_one_holder_at_a_time_until_its_lease_expires(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db'}")
    migrate.upgrade_if_needed(engine)
    db = Database(engine)
    assert take_lease(db, "job", "first", timedelta(seconds=60))
    assert not take_lease(db, "job", "second", timedelta(seconds=60))
    assert take_lease(db, "job", "first", timedelta(seconds=60))  # its holder renews it
    assert take_lease(db, "other-job", "second", timedelta(seconds=60))
    assert take_lease(db, "lapsing", "first", timedelta(seconds=-1))  # held, already expired
    assert take_lease(db, "lapsing", "second", timedelta(seconds=60))  # so another takes it over
    assert not take_lease(db, "lapsing", "first", timedelta(seconds=60))
    engine.dispose()
