"""The pipelined transfer: data copied into a few reused buffers, hashed and written by worker
threads, held to a byte limit, bounded in memory and undone completely."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from pocketstack.core.errors import BadRequest, PayloadTooLarge
from pocketstack.core.image.pipeline import Hashes, StreamingTransfer
from pocketstack.core.image.transfer import Limit
from pocketstack.imagestore.base import StoreWriter
from pocketstack.imagestore.filesystem import FilesystemStore, FilesystemWriter

IMAGE_ID = "0a1b2c3d-0000-4000-8000-000000000001"
NO_LIMIT = Limit(1 << 40, "too big")


def files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture
def store(tmp_path: Path) -> FilesystemStore:
    return FilesystemStore("default", tmp_path / "store")


class Recorder:
    """What ``complete`` and ``restore`` were given."""

    def __init__(self) -> None:
        self.completed: list[tuple[str, str, int]] = []
        self.restored = 0

    def complete(self, writer: StoreWriter, hashes: Hashes) -> None:
        stored = writer.commit()
        self.completed.append((hashes.checksum, hashes.os_hash_value, stored.size))

    def restore(self) -> None:
        self.restored += 1


def test_data_fed_in_odd_parts_hashes_and_stores_the_same_bytes(store: FilesystemStore) -> None:
    data = os.urandom(10_000)
    rec = Recorder()
    t = StreamingTransfer(store.writer(IMAGE_ID), NO_LIMIT, len(data), rec.complete, rec.restore, piece=1000)
    pos = 0
    for step in (1, 999, 1000, 1001, 7, 2500, 10_000):
        part = data[pos : pos + min(step, 1000)]
        wait = t.room()
        if wait is not None:
            wait.result()
        t.feed(part)
        pos += len(part)
    t.write(data[pos:])  # any size, waiting for room itself
    t.finish()
    t.abort()  # after finish: nothing undone
    assert rec.completed == [(hashlib.md5(data).hexdigest(), hashlib.sha512(data).hexdigest(), len(data))]
    assert rec.restored == 0
    assert Path(store.root / store.data_path(IMAGE_ID)).read_bytes() == data


def test_empty_data_is_hashed_too(store: FilesystemStore) -> None:
    rec = Recorder()
    t = StreamingTransfer(store.writer(IMAGE_ID), NO_LIMIT, 0, rec.complete, rec.restore)
    t.finish()
    assert rec.completed == [(hashlib.md5(b"").hexdigest(), hashlib.sha512(b"").hexdigest(), 0)]


def test_over_the_limit_is_refused_and_undone(store: FilesystemStore) -> None:
    rec = Recorder()
    t = StreamingTransfer(store.writer(IMAGE_ID), Limit(10, "too big"), None, rec.complete, rec.restore)
    t.write(b"0123456789")
    with pytest.raises(PayloadTooLarge, match="too big"):
        t.write(b"x")
    t.abort()
    t.abort()
    assert rec.restored == 1 and rec.completed == [] and files(store.root) == []


def test_size_other_than_announced_is_refused(store: FilesystemStore) -> None:
    rec = Recorder()
    t = StreamingTransfer(store.writer(IMAGE_ID), NO_LIMIT, 4, rec.complete, rec.restore)
    t.write(b"abc")
    with pytest.raises(BadRequest, match="3 bytes but the request announced 4"):
        t.finish()
    t.abort()
    assert rec.restored == 1 and files(store.root) == []


class FailingWriter(FilesystemWriter):
    def write(self, chunk: bytes | memoryview) -> None:
        raise OSError("No space left on device")


def test_a_failed_write_is_raised_and_nothing_stays(store: FilesystemStore) -> None:
    rec = Recorder()
    writer = FailingWriter(store.root, IMAGE_ID, store.data_path(IMAGE_ID))
    t = StreamingTransfer(writer, NO_LIMIT, None, rec.complete, rec.restore, piece=100)
    with pytest.raises(OSError, match="No space left"):
        for _ in range(50):  # raised by a later write, or else by finish
            t.write(bytes(100))
        t.finish()
    t.abort()
    assert rec.completed == [] and rec.restored == 1 and files(store.root) == []


class GatedWriter(FilesystemWriter):
    """Each write waits for the gate; counts the writes under way."""

    gate = threading.Event()
    running = 0

    def write(self, chunk: bytes | memoryview) -> None:
        GatedWriter.running += 1
        self.gate.wait(10)
        super().write(chunk)
        GatedWriter.running -= 1


def test_memory_is_bounded_and_abort_waits_for_the_write_under_way(store: FilesystemStore) -> None:
    rec = Recorder()
    writer = GatedWriter(store.root, IMAGE_ID, store.data_path(IMAGE_ID))
    t = StreamingTransfer(writer, NO_LIMIT, None, rec.complete, rec.restore, piece=100, depth=2)
    fed = 0
    while t.room() is None and fed < 20:
        t.feed(bytes(100))
        fed += 1
    # depth + 1 buffers, all in flight: no more data is taken until a piece is written.
    assert fed == 3
    wait = t.room()
    assert wait is not None and not wait.done()
    stopper = threading.Thread(target=t.abort)
    stopper.start()
    stopper.join(0.2)
    assert stopper.is_alive() and GatedWriter.running == 1  # abort waits for the write
    GatedWriter.gate.set()
    stopper.join(10)
    assert not stopper.is_alive() and GatedWriter.running == 0
    assert wait.done()  # whoever waited for room may go on (and fail on its next feed)
    assert rec.restored == 1 and files(store.root) == []


def test_staging_writes_without_hashing(store: FilesystemStore) -> None:
    got: list[str] = []

    def complete(writer: StoreWriter, hashes: Hashes) -> None:
        writer.commit()
        got.append(hashes.checksum)

    t = StreamingTransfer(store.writer(IMAGE_ID), NO_LIMIT, 3, complete, lambda: None, hashing=False)
    t.write(b"abc")
    t.finish()
    assert got == [hashlib.md5(b"").hexdigest()]  # nothing was hashed
    assert Path(store.root / store.data_path(IMAGE_ID)).read_bytes() == b"abc"
