"""Where image data lives. A store writes each image to a temporary name and renames it into
place only when the whole of it has arrived, so no partial image is ever readable."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class StoredData:
    """A complete copy: ``path`` is relative to the store's root."""

    path: str
    size: int


class StoreWriter(Protocol):
    def write(self, chunk: bytes | memoryview) -> None:
        """Called from one thread at a time, not always the same one."""
        ...

    @property
    def size(self) -> int:
        """Bytes written so far."""
        ...

    @property
    def temp_path(self) -> str:
        """The local file being written, for format inspection before commit."""
        ...

    def flush(self) -> None:
        """Everything written so far reaches ``temp_path``."""
        ...

    def commit(self) -> StoredData:
        """Make the data durable and visible under its final path."""
        ...

    def abort(self) -> None:
        """Drop what was written; safe to call more than once, and after commit does nothing."""
        ...


class DataReader(Protocol):
    """Chunks of one stored copy; the data is already open, so a later delete cannot cut it."""

    def __iter__(self) -> Iterator[bytes]: ...

    @property
    def source_path(self) -> str | None:
        """The local file (absolute path) holding the whole copy, for servers that send files
        themselves; None when the data is not in one. Unlike the reader, a transfer from the
        path can be cut by a delete of the image."""
        ...

    def close(self) -> None: ...


class ImageStore(Protocol):
    id: str
    description: str

    def writer(self, image_id: str) -> StoreWriter: ...

    def data_path(self, image_id: str) -> str:
        """The path a committed copy of ``image_id`` gets."""
        ...

    def read(self, path: str, offset: int = 0, length: int | None = None) -> DataReader:
        """Open the data at ``path`` (FileNotFoundError when it is not there)."""
        ...

    def delete(self, path: str) -> None: ...

    def exists(self, path: str) -> bool: ...

    def paths(self) -> Iterator[str]:
        """Every committed copy in the store (for crash sweeps)."""
        ...

    def sweep_partials(self) -> list[str]:
        """Remove data left half-written by a crash; returns what was removed."""
        ...
