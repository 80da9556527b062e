"""Engine and transactions. SQLite (WAL) is the embedded default; PostgreSQL via psycopg."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

import orjson
from sqlalchemy import Engine, Executable, Row, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API connection
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _json_text(value: object) -> str:
    return orjson.dumps(value).decode()


# JSON columns (servers carry several) are read on every list: orjson is several times faster.
_JSON = {"json_serializer": _json_text, "json_deserializer": orjson.loads}


def make_engine(url: str) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **_JSON)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, **_JSON)


class Database:
    """Hands out sessions; ``transaction()`` commits on success and rolls back on any error."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        # SQLite lets one writer in at a time and makes the others poll with growing sleeps;
        # queueing this process's writers on a lock wakes each as soon as the last is done.
        self._writers = threading.RLock() if engine.dialect.name == "sqlite" else nullcontext()
        from pocketstack.store.table_revisions import TableRevisions  # noqa: PLC0415 - it imports this module

        # Watched from the first statement: a write the counters missed would leave copies stale.
        self.revisions = TableRevisions(engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._writers, self.sessions.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    def rows(self, stmt: Executable, params: Mapping[str, Any] | None = None) -> Sequence[Row[Any]]:
        """The rows of a read through Core, for the hottest reads: the ORM's own cost per query
        (about 100 us) is most of a small list's request. Rows answer the mapped class's
        attributes (where a column is named as its attribute), so views read them alike."""
        with self.engine.connect() as conn:
            return conn.execute(stmt, params or {}).all()


_AFTER_COMMIT = "pocketstack.after_commit"


def after_commit(session: Session, job: Callable[[], None]) -> None:
    """Run ``job`` once ``session``'s transaction has committed (never if it rolls back): for
    in-process caches that must follow only what the database really holds."""
    session.info.setdefault(_AFTER_COMMIT, []).append(job)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for job in session.info.pop(_AFTER_COMMIT, ()):
        job()


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, _previous: object) -> None:
    session.info.pop(_AFTER_COMMIT, None)
