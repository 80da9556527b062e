"""The default store: one directory. Data of image ID is ``<root>/<ID[:2]>/<ID>``; uploads in
progress are ``<root>/.partial/<ID>.<random>``, renamed into place when complete."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from pocketstack.imagestore.base import StoredData

CHUNK = 1024 * 1024


class FilesystemWriter:
    def __init__(self, root: Path, image_id: str) -> None:
        self._root = root
        self._image_id = image_id
        partial = root / ".partial"
        partial.mkdir(parents=True, exist_ok=True)
        self._tmp = partial / f"{image_id}.{secrets.token_hex(6)}"
        self._fh = open(self._tmp, "xb")  # noqa: SIM115 - closed in commit/abort
        self._size = 0

    @property
    def temp_path(self) -> str:
        return str(self._tmp)

    def write(self, chunk: bytes) -> None:
        self._fh.write(chunk)
        self._size += len(chunk)

    def commit(self) -> StoredData:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        rel = f"{self._image_id[:2]}/{self._image_id}"
        final = self._root / rel
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._tmp, final)
        return StoredData(path=rel, size=self._size)

    def abort(self) -> None:
        if not self._fh.closed:
            self._fh.close()
        self._tmp.unlink(missing_ok=True)


class FilesystemStore:
    def __init__(self, store_id: str, root: Path, description: str = "") -> None:
        self.id = store_id
        self.root = root
        self.description = description or f"Filesystem store in {root}"
        root.mkdir(parents=True, exist_ok=True)

    def _resolve(self, path: str) -> Path:
        full = (self.root / path).resolve()
        if self.root.resolve() not in full.parents:
            raise ValueError(f"{path!r} is outside store {self.id}")
        return full

    def writer(self, image_id: str) -> FilesystemWriter:
        return FilesystemWriter(self.root, image_id)

    def read(self, path: str, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        remaining = length
        with open(self._resolve(path), "rb") as fh:
            fh.seek(offset)
            while remaining is None or remaining > 0:
                want = CHUNK if remaining is None else min(CHUNK, remaining)
                chunk = fh.read(want)
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    def delete(self, path: str) -> None:
        self._resolve(path).unlink(missing_ok=True)

    def exists(self, path: str) -> bool:
        return self._resolve(path).is_file()

    def sweep_partials(self) -> list[str]:
        partial = self.root / ".partial"
        removed = []
        if partial.is_dir():
            for leftover in partial.iterdir():
                leftover.unlink(missing_ok=True)
                removed.append(leftover.name)
        return removed
