"""The bootstrap passwords hashed ahead (while a start imports) are the ones stored, and a
start that changes no password hashes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from pocketstack.core.identity.bootstrap import bootstrap
from pocketstack.core.identity.bootstrap_accounts import Account, HashesAhead
from pocketstack.core.identity.passwords import PasswordVerifier
from pocketstack.store import migrate
from pocketstack.store.db import Database, make_engine
from pocketstack.store.models import User


@pytest.fixture
def db(tmp_path: Path) -> Database:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    migrate.upgrade_if_needed(engine)
    return Database(engine)


def verifier() -> PasswordVerifier:
    return PasswordVerifier(time_cost=1, memory_kib=1024)


def start(db: Database, accounts: list[Account]) -> HashesAhead:
    v = verifier()
    ahead = HashesAhead(v, accounts)
    try:
        bootstrap(db, v, accounts, "http://localhost:1", "RegionOne", ahead)
    finally:
        ahead.close()
    return ahead


def stored(db: Database) -> dict[str, str]:
    with db.read() as s:
        return {u.name: u.password_hash for u in s.scalars(select(User))}


def test_a_fresh_bootstrap_stores_the_hashes_made_ahead(db: Database) -> None:
    accounts = [Account("admin", "admin", "admin", "a-pw"), Account("demo", "demo", "member", "d-pw")]
    ahead = start(db, accounts)
    hashes = stored(db)
    assert hashes == {"admin": ahead.get("a-pw"), "demo": ahead.get("d-pw")}
    assert verifier().verify("u", "a-pw", hashes["admin"])
    assert verifier().verify("u", "d-pw", hashes["demo"])


def test_a_changed_password_is_stored_and_a_kept_one_left_alone(db: Database) -> None:
    start(db, [Account("admin", "admin", "admin", "old"), Account("demo", "demo", "member", "d-pw")])
    before = stored(db)
    start(db, [Account("admin", "admin", "admin", "new"), Account("demo", "demo", "member", "d-pw", False)])
    after = stored(db)
    assert after["demo"] == before["demo"]
    assert verifier().verify("u", "new", after["admin"])
    assert not verifier().verify("u", "old", after["admin"])


def test_nothing_is_hashed_ahead_when_no_password_is_to_be_checked() -> None:
    ahead = HashesAhead(verifier(), [Account("demo", "demo", "member", "pw", check_password=False)])
    assert ahead.get("pw") is None
    ahead.close()
