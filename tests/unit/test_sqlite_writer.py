"""store/db.SQLiteWriter: one writer at a time across processes, held until the outermost exit."""

from __future__ import annotations

import fcntl
import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from pocketstack.store.db import Database, SQLiteWriter, make_engine


def _free(database: Path) -> bool:
    """Whether another process could take the write lock now (an open file description of its
    own, as another process has)."""
    with open(f"{database}-writer", "ab") as other:
        try:
            fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(other.fileno(), fcntl.LOCK_UN)
        return True


def test_held_until_the_outermost_exit(tmp_path: Path) -> None:
    database = tmp_path / "pocketstack.db"
    writer = SQLiteWriter(str(database))
    with writer:
        assert not _free(database)
        with writer:
            assert not _free(database)
        assert not _free(database)  # the inner exit keeps it for the outer transaction
    assert _free(database)


def test_a_failed_transaction_lets_go(tmp_path: Path) -> None:
    database = tmp_path / "pocketstack.db"
    db = Database(make_engine(f"sqlite:///{database}"))
    try:
        with db.transaction():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert _free(database)


def _take_after(writer: SQLiteWriter, go: Any, marker: Path, result: multiprocessing.Queue) -> None:
    go.wait(30)
    with writer:
        result.put(marker.exists())


def test_a_forked_worker_waits_for_the_process_it_was_forked_from(tmp_path: Path) -> None:
    """A worker forked from a process that had opened the lock file opens its own: sharing the
    parent's open file would let both write at once."""
    database = tmp_path / "pocketstack.db"
    writer = SQLiteWriter(str(database))
    with writer:
        pass  # the parent has the file open before the fork
    marker = tmp_path / "parent-done"
    fork = multiprocessing.get_context("fork")
    go, result = fork.Event(), fork.Queue()
    child = fork.Process(target=_take_after, args=(writer, go, marker, result))
    child.start()
    with writer:
        go.set()
        child.join(0.5)  # it cannot get in while the parent holds the lock
        assert child.is_alive()
        marker.touch()
    child.join(30)
    assert result.get(timeout=5) is True  # it got in only after the parent was done


def test_an_in_memory_database_makes_no_lock_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    db = Database(make_engine("sqlite://"))
    with db.transaction():
        pass
    with SQLiteWriter(":memory:"):
        pass
    assert list(tmp_path.iterdir()) == []
