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
from pathlib import Path

from pocketstack.imagestore.filesystem import (
    PARTIAL_DIR,
    FanoutFiles,
    FileChunks,
    FilesystemWriter,
    fsync_dir,
)

BlobChunks = FileChunks


class BlobWriter:
    """One blob being written (by the image store's writer: large writes in parts, early
    writeback): md5 while written, ``commit`` puts it in place."""

    def __init__(self, root: Path, name: str) -> None:
        self.path = f"{name[:2]}/{name}"
        self._file = FilesystemWriter(root, name, self.path)
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._done = False
        # A writer dropped without commit or abort leaves no temporary file behind.
        self._cleanup = weakref.finalize(self, self._file.abort)

    @property
    def size(self) -> int:
        return self._file.size

    @property
    def md5(self) -> str:
        return self._md5.hexdigest()

    def write(self, chunk: bytes | memoryview) -> None:
        if self._done:
            raise ValueError("this blob is no longer being written")
        view = memoryview(chunk).cast("B")
        self._md5.update(view)
        self._file.write(view)

    def commit(self) -> str:
        """Durable and in place; returns its path relative to the root."""
        self._done = True
        self._file.commit()
        self._cleanup.detach()
        return self.path

    def abort(self) -> None:
        """Drop the temporary file (safe any time, more than once; a no-op after commit)."""
        self._done = True
        if self._cleanup.alive:
            self._cleanup()


class BlobStore(FanoutFiles):
    """The blobs under one directory."""

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
        fsync_dir(target.parent)
        return new

    open = FanoutFiles.read
