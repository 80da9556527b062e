"""Object data on disk: one file per blob, ``<root>/<name[:2]>/<name>`` with a fresh random
name for every write, never rewritten. A write goes to ``<root>/.partial/<random>``, is
fsynced and renamed into place (and the rename fsynced) before any row points at it.

Because blobs never change, a copy is a hard link under a new name, and a reader that has a
blob open keeps reading it whatever happens to the object meanwhile (a delete only unlinks).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024
WRITE_SIZE = 256 * 1024  # big buffers are handed to the kernel in parts (as imagestore does)
PARTIAL_DIR = ".partial"


def _fsync_dir(path: Path) -> None:
    """Make a rename or link in ``path`` durable (a file's fsync does not cover its name)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _discard(fh: BinaryIO, tmp: Path) -> None:
    if not fh.closed:
        fh.close()
    tmp.unlink(missing_ok=True)


class BlobWriter:
    """One blob being written: md5 while written, ``commit`` puts it in place."""

    def __init__(self, root: Path, name: str) -> None:
        self._root = root
        self.path = f"{name[:2]}/{name}"
        partial = root / PARTIAL_DIR
        partial.mkdir(parents=True, exist_ok=True)
        self._tmp = partial / name
        self._fh: BinaryIO = open(self._tmp, "xb", buffering=0)  # noqa: SIM115 - closed in commit/abort
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._size = 0
        self._done = False
        # A writer dropped without commit or abort leaves no temporary file behind.
        self._cleanup = weakref.finalize(self, _discard, self._fh, self._tmp)

    @property
    def size(self) -> int:
        return self._size

    @property
    def md5(self) -> str:
        return self._md5.hexdigest()

    def write(self, chunk: bytes | memoryview) -> None:
        if self._done:
            raise ValueError("this blob is no longer being written")
        view = memoryview(chunk).cast("B")
        self._md5.update(view)
        self._size += view.nbytes
        fd = self._fh.fileno()
        while view:
            view = view[os.write(fd, view[:WRITE_SIZE]) :]

    def commit(self) -> str:
        """Durable and in place; returns its path relative to the root."""
        self._done = True
        os.fsync(self._fh.fileno())
        self._fh.close()
        final = self._root / self.path
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._tmp, final)
        _fsync_dir(final.parent)
        self._cleanup.detach()
        return self.path

    def abort(self) -> None:
        """Drop the temporary file (safe any time, more than once; a no-op after commit)."""
        self._done = True
        if self._cleanup.alive:
            self._cleanup()


class BlobChunks:
    """An open blob read in chunks from ``offset`` for at most ``length`` bytes."""

    def __init__(self, fh: BinaryIO, offset: int, length: int | None) -> None:
        self._fh = fh
        self._remaining = length
        fh.seek(offset)

    @property
    def source_path(self) -> str | None:
        return str(self._fh.name)

    def __iter__(self) -> Iterator[bytes]:
        try:
            while self._remaining is None or self._remaining > 0:
                want = CHUNK if self._remaining is None else min(CHUNK, self._remaining)
                chunk = self._fh.read(want)
                if not chunk:
                    return
                if self._remaining is not None:
                    self._remaining -= len(chunk)
                yield chunk
        finally:
            self.close()

    def close(self) -> None:
        self._fh.close()


class BlobStore:
    """The blobs under one directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def _resolve(self, path: str) -> Path:
        full = (self.root / path).resolve()
        if self.root.resolve() not in full.parents or PARTIAL_DIR in full.parts:
            raise ValueError(f"{path!r} is not a blob of {self.root}")
        return full

    def absolute(self, path: str) -> Path:
        return self._resolve(path)

    def writer(self) -> BlobWriter:
        return BlobWriter(self.root, secrets.token_hex(16))

    def link(self, path: str) -> str:
        """A new blob with ``path``'s data: a hard link (blobs are immutable), or a copy where
        the filesystem has none; durable when this returns."""
        name = secrets.token_hex(16)
        new = f"{name[:2]}/{name}"
        target = self.root / new
        target.parent.mkdir(parents=True, exist_ok=True)
        source = self._resolve(path)
        try:
            os.link(source, target)
        except OSError:
            tmp = self.root / PARTIAL_DIR / name
            tmp.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, tmp)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        _fsync_dir(target.parent)
        return new

    def open(self, path: str, offset: int = 0, length: int | None = None) -> BlobChunks:
        """FileNotFoundError when the blob is gone."""
        return BlobChunks(open(self._resolve(path), "rb"), offset, length)  # noqa: SIM115 - closed by BlobChunks

    def delete(self, path: str) -> None:
        self._resolve(path).unlink(missing_ok=True)

    def exists(self, path: str) -> bool:
        return self._resolve(path).is_file()

    def paths(self) -> Iterator[str]:
        """Every blob in place (its path relative to the root)."""
        for fanout in sorted(self.root.iterdir()):
            if fanout.is_dir() and fanout.name != PARTIAL_DIR:
                for data in sorted(fanout.iterdir()):
                    if data.is_file():
                        yield f"{fanout.name}/{data.name}"

    def sweep_partials(self) -> list[str]:
        """Remove every temporary file (call only when no write is under way)."""
        partial = self.root / PARTIAL_DIR
        removed = []
        if partial.is_dir():
            for leftover in partial.iterdir():
                leftover.unlink(missing_ok=True)
                removed.append(leftover.name)
        return removed
