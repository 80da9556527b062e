"""Apply Alembic migrations programmatically; every schema change is a migration."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def newest_revision_file() -> str:
    """The newest revision id, read off the file names (``NNNN_what.py``) without Alembic."""
    return max(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


def upgrade_if_needed(engine: Engine) -> None:
    """Upgrade to head, importing Alembic only when the database is not at head already
    (Alembic's import and the migrations are a good part of a start-up's time). An empty
    database gets the head schema straight from the models, stamped with the head revision;
    a test proves the migrations build exactly that schema. A database at head costs two
    small queries and imports no model."""
    head = newest_revision_file()
    with engine.connect() as conn:
        if engine.dialect.has_table(conn, "alembic_version"):
            empty = False
            if conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head:
                return
        else:
            empty = not inspect(conn).get_table_names()
    if empty:
        _create_head_schema(engine, head)
    else:
        upgrade(engine)


def _create_head_schema(engine: Engine, head: str) -> None:
    from pocketstack.store.schema import METADATA

    with engine.begin() as conn:
        # One transaction (on SQLite too, whose driver would commit each CREATE on its own), and
        # no existence check per table: the database has none.
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN")
        METADATA.create_all(conn, checkfirst=False)
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": head})


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
