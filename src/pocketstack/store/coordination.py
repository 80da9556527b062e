"""Counters and leases shared by every process of one cloud through its database
(``revisions`` and ``leases``, storage revision 0008)."""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from pocketstack.store.coordination_models import Lease, Revision
from pocketstack.store.db import Database


class ThreadReads:
    """Small reads made before every authenticated request: each thread reads on a database
    connection of its own, outside the pool and in autocommit (no transaction stays open), with
    the driver's own statement: a tenth of the cost of a pooled SQLAlchemy round."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.marker = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self._local = threading.local()
        self._opened: list[Any] = []
        self._lock = threading.Lock()

    def fetch(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        try:
            return self._fetch_once(sql, params)
        except Exception:
            # A connection closed by close(), or broken (a restarted database server): once
            # more on a new one.
            self._local.conn = None
            return self._fetch_once(sql, params)

    def _fetch_once(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        cur = self._connection().cursor()
        try:
            cur.execute(sql, params)
            return cur.fetchall()
        finally:
            cur.close()

    def _connection(self) -> Any:  # noqa: ANN401 - the driver's connection
        conn = getattr(self._local, "conn", None)
        if conn is None:
            pooled = self.engine.raw_connection()
            conn = pooled.driver_connection
            pooled.detach()
            if self.engine.dialect.name != "sqlite":
                conn.autocommit = True
            self._local.conn = conn
            with self._lock:
                self._opened.append(conn)
        return conn

    def close(self) -> None:
        """Close the threads' connections (a thread that reads again opens a new one)."""
        with self._lock:
            opened, self._opened = self._opened, []
        for conn in opened:
            with contextlib.suppress(Exception):
                conn.close()


class SharedRevision:
    """A counter in ``revisions``: read fresh on every ``value`` (see ``ThreadReads``), so a
    change committed by any process is seen by all at once."""

    def __init__(self, engine: Engine, name: str) -> None:
        self.engine = engine
        self.name = name
        self._read = select(Revision.value).where(Revision.name == name)
        self._bump = update(Revision).where(Revision.name == name).values(value=Revision.value + 1)
        self._reads = ThreadReads(engine)
        self._sql = f"SELECT value FROM revisions WHERE name = {self._reads.marker}"

    def ensure(self) -> None:
        """Create the row if the database has none yet (a schema made from the models)."""
        with self.engine.begin() as conn:
            if conn.execute(self._read).first() is None:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(Revision).values(name=self.name, value=0))
                except IntegrityError:
                    pass  # another process made it first

    def close(self) -> None:
        self._reads.close()

    @property
    def value(self) -> int:
        rows = self._reads.fetch(self._sql, (self.name,))
        return rows[0][0] if rows else 0

    def bump(self, conn: Connection) -> None:
        """Move the counter inside the caller's transaction: it moves when that commits."""
        conn.execute(self._bump)


def take_lease(db: Database, name: str, holder: str, ttl: timedelta) -> bool:
    """Take or renew the lease ``name`` for ``holder`` until now + ``ttl``; False while another
    holder's lease has not expired. One conditional UPDATE (or the first INSERT) decides, so
    two processes never both hold it."""
    now = datetime.now(UTC).replace(tzinfo=None)
    values = {"holder": holder, "expires_at": now + ttl}
    with db.transaction() as s:
        taken = s.execute(
            update(Lease)
            .where(Lease.name == name, (Lease.holder == holder) | (Lease.expires_at < now))
            .values(**values)
        ).rowcount
        if taken:
            return True
        if s.get(Lease, name) is not None:
            return False
        try:
            with s.begin_nested():
                s.add(Lease(name=name, **values))
        except IntegrityError:
            return False
        return True
