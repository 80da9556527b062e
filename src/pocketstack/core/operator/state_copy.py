"""Copying every table of the schema between two databases through SQLAlchemy Core: out of the
live database (SQLite or PostgreSQL) into a SQLite file, and from such a file back into the
live database. Dialect-neutral: rows travel as Python values, never as SQL text."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, func, select, text, update

from pocketstack.store.coordination_models import Revision
from pocketstack.store.schema import METADATA

# Tables that describe the running processes, not the cloud: a restore keeps the live rows (a
# counter that went back could match a value some cache already kept; a lease belongs to a
# process that is running now).
LIVE_TABLES = frozenset({"revisions", "leases"})
CHUNK = 500

Rows = dict[str, list[dict[str, Any]]]


def sqlite_engine(path: Path) -> Engine:
    """A plain SQLite engine (no WAL: the file must be complete on its own to go into a tar)."""
    return create_engine(f"sqlite:///{path}")


def read_all(conn: Connection) -> tuple[str | None, Rows]:
    """The alembic revision and every table's rows, read on ``conn`` (the caller holds the one
    transaction they are read in)."""
    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    rows = {t.name: [dict(r) for r in conn.execute(select(t)).mappings()] for t in METADATA.sorted_tables}
    return revision, rows


def read_live(engine: Engine) -> tuple[str | None, Rows]:
    """Every row of the live database as of one moment: one read transaction, at REPEATABLE
    READ on PostgreSQL (on SQLite a read transaction is a snapshot already)."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            return read_all(conn)


def write_file(path: Path, revision: str | None, rows: Rows) -> None:
    """A new SQLite file with the schema of the models, stamped ``revision``, holding ``rows``."""
    engine = sqlite_engine(path)
    try:
        with engine.begin() as conn:
            METADATA.create_all(conn)
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
            conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": revision})
            for table in METADATA.sorted_tables:
                _insert(conn, table, rows.get(table.name, []))
    finally:
        engine.dispose()


def replace_live(conn: Connection, rows: Rows) -> None:
    """Empty every table but ``LIVE_TABLES`` (dependants first) and fill it from ``rows``
    (parents first), then move every revision counter: all on ``conn``, in its transaction."""
    tables = [t for t in METADATA.sorted_tables if t.name not in LIVE_TABLES]
    for table in reversed(tables):
        conn.execute(table.delete())
    for table in tables:
        _insert(conn, table, rows.get(table.name, []))
    if conn.dialect.name == "postgresql":
        _reset_sequences(conn, tables)
    conn.execute(update(Revision).values(value=Revision.value + 1))


def _insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    ordered = _parents_first(table, rows)
    for start in range(0, len(ordered), CHUNK):
        conn.execute(table.insert(), ordered[start : start + CHUNK])


def _parents_first(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with every row after the row it references through a foreign key to its own
    table (a project's parent, a region's), so that each insert finds its parent present."""
    own = [(fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table is table]
    if not own or not rows:
        return rows
    placed: set[tuple[str, Any]] = set()
    ordered: list[dict[str, Any]] = []
    waiting = list(rows)
    while waiting:
        ready = [r for r in waiting if all(r[c] is None or (k, r[c]) in placed for c, k in own)]
        if not ready:  # a cycle or a dangling reference: the database will say which
            ready = waiting
        for row in ready:
            ordered.append(row)
            placed.update((k, row[k]) for _, k in own)
        ready_ids = {id(r) for r in ready}
        waiting = [r for r in waiting if id(r) not in ready_ids]
    return ordered


def _reset_sequences(conn: Connection, tables: Iterable[Table]) -> None:
    """Move each serial column's sequence past the highest id restored (PostgreSQL keeps the
    sequence apart from the rows: the next insert would otherwise reuse an id)."""
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        highest = conn.execute(select(func.max(column))).scalar()
        conn.execute(
            text("SELECT setval(pg_get_serial_sequence(:t, :c), :v, :called)"),
            {"t": table.name, "c": column.name, "v": highest or 1, "called": highest is not None},
        )
