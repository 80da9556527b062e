"""A group's counter moves once per committed transaction that wrote any of its tables, however
the write was made (store/table_revisions.py); a rolled-back write leaves it where it was."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import Table, insert, update

from pocketstack.core.identity.common import utcnow
from pocketstack.store import (
    compute_models,
    identity_catalog_models,
    identity_delegation_models,
    identity_group_models,
    image_models,
    migrate,
    models,
    network_l3_models,
    network_models,
    network_security_models,
)
from pocketstack.store.compute_models import Flavor, Keypair
from pocketstack.store.db import Database, make_engine
from pocketstack.store.table_revisions import GROUPS


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    engine = make_engine(f"sqlite:///{tmp_path / 'db'}")
    migrate.upgrade_if_needed(engine)
    database = Database(engine)
    yield database
    database.revisions.close()
    engine.dispose()


def _flavor(name: str) -> Flavor:
    return Flavor(id=name, name=name, vcpus=1, memory_mb=64, root_gb=1, created_at=utcnow())


def test_every_kind_of_write_moves_its_group_once_per_transaction(db: Database) -> None:
    flavors, keypairs = db.revisions.counter("flavors"), db.revisions.counter("keypairs")
    start = flavors.value
    with db.transaction() as s:  # an ORM flush, twice in one transaction
        s.add(_flavor("a"))
        s.flush()
        s.add(_flavor("b"))
    assert flavors.value == start + 1
    with db.transaction() as s:  # a statement through the session
        s.execute(update(Flavor).where(Flavor.id == "a").values(memory_mb=128))
    assert flavors.value == start + 2
    with db.transaction() as s:  # Core on the session's connection, as the hottest writes are made
        s.connection().execute(
            insert(Flavor.__table__).values(
                id="c", name="c", vcpus=1, memory_mb=64, root_gb=1, created_at=utcnow()
            )
        )
    assert flavors.value == start + 3
    assert keypairs.value == 0  # another group's tables were not written


def test_a_rolled_back_write_leaves_the_counter(db: Database) -> None:
    flavors = db.revisions.counter("flavors")
    start = flavors.value
    with pytest.raises(RuntimeError), db.transaction() as s:
        s.add(_flavor("gone"))
        s.flush()
        raise RuntimeError
    assert flavors.value == start
    with db.transaction() as s:
        with pytest.raises(RuntimeError), s.begin_nested():
            s.add(_flavor("undone"))
            s.flush()
            raise RuntimeError
        s.add(
            Keypair(
                user_id="u", name="k", public_key="ssh-ed25519 AAAA", fingerprint="f", created_at=utcnow()
            )
        )
    assert flavors.value == start  # its only write was rolled back with the savepoint
    with db.transaction() as s:
        with pytest.raises(RuntimeError), s.begin_nested():
            s.add(_flavor("undone-again"))
            s.flush()
            raise RuntimeError
        s.add(_flavor("kept"))  # written after the savepoint's rollback: the counter moves again
    assert flavors.value == start + 1


def _tables_of(*modules: ModuleType) -> set[str]:
    return {
        obj.__table__.name
        for module in modules
        for obj in vars(module).values()
        if isinstance(getattr(obj, "__table__", None), Table) and obj.__module__ == module.__name__
    }


def test_the_groups_name_the_tables_their_reads_come_from() -> None:
    """A table added to a model module and left out of its group would leave kept answers
    stale after a write to it."""
    identity = _tables_of(models, identity_group_models, identity_delegation_models)
    identity -= {"credentials", "meta"}  # EC2 credentials and the schema's own notes: no token reads them
    identity |= {"project_endpoints", "endpoint_groups", "project_endpoint_groups"}
    assert GROUPS["identity"] == identity
    assert GROUPS["flavors"] == {"flavors", "flavor_access", "flavor_user_access", "flavor_tags"}
    assert GROUPS["keypairs"] == {compute_models.Keypair.__tablename__}
    assert GROUPS["images"] == _tables_of(image_models) - {"image_cache"}
    assert GROUPS["network"] == _tables_of(network_models, network_l3_models, network_security_models)
    assert identity_catalog_models.ProjectEndpoint.__tablename__ in GROUPS["identity"]
