"""The quick start-up check agrees with Alembic about the head revision."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine

from pocketstack.store import migrate


def test_newest_revision_file_is_alembics_head(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    assert migrate.newest_revision_file() == migrate.head_revision(engine)


def test_upgrade_if_needed_reaches_head_and_then_does_nothing(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    migrate.upgrade(engine, "0001")
    migrate.upgrade_if_needed(engine)
    assert migrate.current_revision(engine) == migrate.head_revision(engine)
    migrate.upgrade_if_needed(engine)
    assert migrate.current_revision(engine) == migrate.head_revision(engine)


def test_migrations_build_exactly_the_models_schema(tmp_path: Path) -> None:
    """An empty database is created from the models at start; that must be what the
    migrations make, or the two kinds of installation would drift apart."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from pocketstack.store.schema import METADATA

    migrated = create_engine(f"sqlite:///{tmp_path / 'migrated.db'}")
    migrate.upgrade(migrated)
    with migrated.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), METADATA) == []
    fresh = create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate.upgrade_if_needed(fresh)
    assert migrate.current_revision(fresh) == migrate.head_revision(fresh)
    with fresh.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), METADATA) == []
