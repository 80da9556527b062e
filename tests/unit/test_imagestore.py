"""The filesystem image store: temporary names, atomic rename, chunked reads, sweeps."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from pocketstack.core.errors import BadRequest, PayloadTooLarge
from pocketstack.core.image.copy import CopyFailed, StoreCopy
from pocketstack.core.image.transfer import Digest, Limit, Transfer
from pocketstack.imagestore.filesystem import CHUNK, FilesystemStore

IMAGE_ID = "0a1b2c3d-0000-4000-8000-000000000001"


def files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture
def store(tmp_path: Path) -> FilesystemStore:
    return FilesystemStore("default", tmp_path / "store")


def test_data_is_invisible_until_commit(store: FilesystemStore) -> None:
    writer = store.writer(IMAGE_ID)
    writer.write(b"abc")
    writer.write(b"def")
    final = store.data_path(IMAGE_ID)
    assert final == f"0a/{IMAGE_ID}"
    assert not store.exists(final)
    assert Path(writer.temp_path).parent == store.root / ".partial"
    assert writer.size == 6
    stored = writer.commit()
    assert (stored.path, stored.size) == (final, 6)
    assert store.exists(final)
    assert list(store.paths()) == [final]
    assert not any((store.root / ".partial").iterdir())
    writer.abort()  # after commit: nothing happens
    assert store.exists(final)


def test_abort_leaves_nothing(store: FilesystemStore) -> None:
    writer = store.writer(IMAGE_ID)
    writer.write(b"x" * 100)
    writer.abort()
    writer.abort()
    assert files(store.root) == []
    assert list(store.paths()) == []


def test_read_in_chunks_with_offset_and_length(store: FilesystemStore) -> None:
    data = os.urandom(CHUNK * 2 + 10)
    writer = store.writer(IMAGE_ID)
    writer.write(data)
    path = writer.commit().path
    chunks = list(store.read(path))
    assert [len(c) for c in chunks] == [CHUNK, CHUNK, 10]
    assert b"".join(chunks) == data
    assert b"".join(store.read(path, CHUNK - 5, 20)) == data[CHUNK - 5 : CHUNK + 15]
    assert b"".join(store.read(path, len(data) - 3)) == data[-3:]


def test_an_open_reader_survives_delete(store: FilesystemStore) -> None:
    writer = store.writer(IMAGE_ID)
    writer.write(b"still here")
    path = writer.commit().path
    reader = store.read(path)
    store.delete(path)
    assert not store.exists(path)
    assert b"".join(reader) == b"still here"
    with pytest.raises(FileNotFoundError):
        store.read(path)


def test_paths_outside_the_store_are_refused(store: FilesystemStore, tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("no")
    for path in ("../secret", "/etc/passwd", "aa/../../secret"):
        with pytest.raises(ValueError):
            store.read(path)
        with pytest.raises(ValueError):
            store.delete(path)
    for bad_id in ("", "../x", "a/b", ".partial"):
        with pytest.raises(ValueError):
            store.data_path(bad_id)
    assert (tmp_path / "secret").exists()


def test_sweep_partials_removes_only_partials(store: FilesystemStore) -> None:
    done = store.writer(IMAGE_ID)
    done.write(b"complete")
    path = done.commit().path
    left = store.writer("ffffffff-0000-4000-8000-000000000002")
    left.write(b"half")
    removed = store.sweep_partials()
    assert removed == [Path(left.temp_path).name]
    assert store.exists(path)
    assert list(store.paths()) == [path]


# -- transfers and multi-store copies (core, over the real store) ----------------------------


def test_transfer_hashes_limits_and_undoes(store: FilesystemStore) -> None:
    restored: list[bool] = []
    completed: list[tuple[str, str]] = []

    def complete(writer, digest: Digest) -> None:  # noqa: ANN001
        writer.commit()
        completed.append((digest.checksum, digest.os_hash_value))

    t = Transfer(store.writer(IMAGE_ID), Limit(10, "too big"), None, complete, lambda: restored.append(True))
    t.write(b"0123456789")
    with pytest.raises(PayloadTooLarge, match="too big"):
        t.write(b"x")
    t.abort()
    assert restored == [True] and files(store.root) == []

    t = Transfer(store.writer(IMAGE_ID), Limit(100, "too big"), 4, complete, lambda: restored.append(True))
    t.write(b"abc")
    with pytest.raises(BadRequest, match="3 bytes but the request announced 4"):
        t.finish()
    t.abort()
    assert restored == [True, True]

    t = Transfer(store.writer(IMAGE_ID), Limit(100, "too big"), 3, complete, lambda: restored.append(True))
    t.write(b"abc")
    t.finish()
    t.abort()  # after finish: nothing undone
    assert restored == [True, True]
    assert completed == [("900150983cd24fb0d6963f7d28e17f72", hashlib.sha512(b"abc").hexdigest())]
    assert store.exists(store.data_path(IMAGE_ID))


class BrokenStore(FilesystemStore):
    """A store whose disk fails on the first write."""

    def writer(self, image_id: str):  # noqa: ANN201
        inner = super().writer(image_id)

        def fail(_chunk: bytes) -> None:
            raise OSError("No space left on device")

        inner.write = fail  # type: ignore[method-assign]
        return inner


def _source(store: FilesystemStore, data: bytes):  # noqa: ANN202
    writer = store.writer(IMAGE_ID)
    writer.write(data)
    return store.read(writer.commit().path)


def test_copy_to_several_stores_tolerates_a_failure_only_when_allowed(tmp_path: Path) -> None:
    src = FilesystemStore("src", tmp_path / "src")
    good, bad = FilesystemStore("good", tmp_path / "good"), BrokenStore("bad", tmp_path / "bad")
    copy = StoreCopy({"good": good, "bad": bad}, IMAGE_ID, must_all=False)
    copy.run(_source(src, b"payload"))
    stored = copy.commit()
    assert list(stored) == ["good"] and copy.failed == {"bad"}
    assert b"".join(good.read(stored["good"].path)) == b"payload"
    assert files(bad.root) == []

    strict = StoreCopy({"good": FilesystemStore("g2", tmp_path / "g2"), "bad": bad}, IMAGE_ID, must_all=True)
    with pytest.raises(CopyFailed, match="No space left"):
        strict.run(_source(src, b"payload"))
    strict.abort()
    assert files(tmp_path / "g2") == []
