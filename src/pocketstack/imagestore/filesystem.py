"""The default store: one directory. Data of image ID is ``<root>/<ID[:2]>/<ID>``; uploads in
progress are ``<root>/.partial/<ID>.<random>``, renamed into place when complete.

While data is written, the kernel is asked every WRITEBACK_STEP bytes to start writing the
new part to disk (Linux ``sync_file_range``), so the disk works while the rest arrives and
the fsync of ``commit`` finds little left to do."""

from __future__ import annotations

import ctypes
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from pocketstack.imagestore.base import StoredData

CHUNK = 4 * 1024 * 1024
PARTIAL_DIR = ".partial"
WRITEBACK_STEP = 16 * 1024 * 1024
# Larger writes were measured to take the kernel up to twice as long to copy into the page
# cache (Linux 6.18), so big buffers are written in parts of this size.
WRITE_SIZE = 256 * 1024
_SYNC_FILE_RANGE_WRITE = 2


def _sync_file_range() -> Callable[[int, int, int, int], int] | None:
    """libc's ``sync_file_range`` (ctypes releases the GIL around it); None where there is none."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_START_WRITEBACK = _sync_file_range()


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (the file's own fsync does not cover its name)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FilesystemWriter:
    def __init__(self, root: Path, image_id: str, final: str) -> None:
        self._root = root
        self._final = final
        partial = root / PARTIAL_DIR
        partial.mkdir(parents=True, exist_ok=True)
        self._tmp = partial / f"{image_id}.{secrets.token_hex(6)}"
        self._fh = open(self._tmp, "xb", buffering=0)  # noqa: SIM115 - closed in commit/abort
        self._size = 0
        self._flushed = 0  # bytes the kernel was asked to start writing to disk
        self._writeback = _START_WRITEBACK
        self._committed = False

    @property
    def temp_path(self) -> str:
        return str(self._tmp)

    @property
    def size(self) -> int:
        return self._size

    def write(self, chunk: bytes | memoryview) -> None:
        fd = self._fh.fileno()
        view = memoryview(chunk).cast("B")
        self._size += view.nbytes
        while view:  # a write may also take less than it is given
            view = view[os.write(fd, view[:WRITE_SIZE]) :]
        if self._size - self._flushed >= WRITEBACK_STEP:
            self._start_writeback()

    def _start_writeback(self) -> None:
        if self._writeback is not None and self._writeback(
            self._fh.fileno(), self._flushed, self._size - self._flushed, _SYNC_FILE_RANGE_WRITE
        ):
            self._writeback = None  # not supported here (the fsync of commit does it all)
        self._flushed = self._size

    def flush(self) -> None:
        """Everything written so far reaches the temporary file (for inspection): writes are
        unbuffered, so it already has."""

    def commit(self) -> StoredData:
        os.fsync(self._fh.fileno())
        self._fh.close()
        final = self._root / self._final
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._tmp, final)
        fsync_dir(final.parent)
        self._committed = True
        return StoredData(path=self._final, size=self._size)

    def abort(self) -> None:
        if self._committed:
            return
        if not self._fh.closed:
            self._fh.close()
        self._tmp.unlink(missing_ok=True)


class FileChunks:
    """An open file read in chunks from ``offset`` for at most ``length`` bytes."""

    def __init__(self, fh: BinaryIO, offset: int, length: int | None) -> None:
        self._fh = fh
        self._remaining = length
        fh.seek(offset)

    @property
    def source_path(self) -> str:
        # Not /proc/self/fd/N: a server may open the path after this reader is closed, when
        # that number may be another file.
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


class FanoutFiles:
    """Files named ``<root>/<name[:2]>/<name>``, with a ``.partial`` directory for those still
    being written: the layout image stores and object data (``objectstore/``) share."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def _resolve(self, path: str) -> Path:
        full = (self.root / path).resolve()
        if (
            self.root.resolve() not in full.parents
            or PARTIAL_DIR in full.relative_to(self.root.resolve()).parts
        ):
            raise ValueError(f"{path!r} is not a file of {self.root}")
        return full

    def read(self, path: str, offset: int = 0, length: int | None = None) -> FileChunks:
        """FileNotFoundError when the file is gone."""
        return FileChunks(open(self._resolve(path), "rb"), offset, length)  # noqa: SIM115 - closed by FileChunks

    def delete(self, path: str) -> None:
        self._resolve(path).unlink(missing_ok=True)

    def exists(self, path: str) -> bool:
        return self._resolve(path).is_file()

    def paths(self) -> Iterator[str]:
        """Every file in place (its path relative to the root)."""
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


class FilesystemStore(FanoutFiles):
    def __init__(self, store_id: str, root: Path, description: str = "") -> None:
        super().__init__(root)
        self.id = store_id
        self.description = description or f"Filesystem store in {root}"

    def data_path(self, image_id: str) -> str:
        if not image_id or "/" in image_id or image_id.startswith("."):
            raise ValueError(f"{image_id!r} is not an image id")
        return f"{image_id[:2]}/{image_id}"

    def writer(self, image_id: str) -> FilesystemWriter:
        return FilesystemWriter(self.root, image_id, self.data_path(image_id))
