"""Engine and transactions. SQLite (WAL) is the embedded default; PostgreSQL via psycopg."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from types import TracebackType
from typing import Any

import orjson
from sqlalchemy import Engine, Executable, Row, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

try:
    import fcntl
except ImportError:  # not on Windows: there, processes meet SQLite's own busy handler
    fcntl = None  # type: ignore[assignment]


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


class SQLiteWriter:
    """One writer at a time on a SQLite database, across the threads and the processes of the
    cloud. SQLite itself lets one writer in and makes the others poll with growing sleeps (up
    to 100 ms each), so writers queue here instead: this process's threads on an RLock, the
    processes (``up --workers``) on an ``flock`` of a file beside the database, which wakes the
    next one as soon as the last is done. Reentrant, and opened anew in a forked process."""

    def __init__(self, database: str | None) -> None:
        self._threads = threading.RLock()
        in_file = bool(database) and database != ":memory:" and not str(database).startswith("file:")
        self._path = f"{database}-writer" if in_file and fcntl is not None else None
        self._file: Any = None
        self._pid = 0
        self._depth = 0  # only the thread holding ``_threads`` reads or moves it

    def __enter__(self) -> None:
        self._threads.acquire()
        try:
            if self._depth == 0 and self._path is not None:
                if self._pid != os.getpid():
                    self._file = open(self._path, "ab")  # noqa: SIM115 - held for the process's life
                    self._pid = os.getpid()
                fcntl.flock(self._file.fileno(), fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise
        self._depth += 1

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._depth -= 1
        try:
            if self._depth == 0 and self._path is not None:
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
        finally:
            self._threads.release()


class Database:
    """Hands out sessions; ``transaction()`` commits on success and rolls back on any error."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        sqlite = engine.dialect.name == "sqlite"
        self._writers = SQLiteWriter(engine.url.database) if sqlite else nullcontext()
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
