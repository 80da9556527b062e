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
    def write(self, chunk: bytes) -> None: ...

    @property
    def temp_path(self) -> str:
        """The local file being written, for format inspection before commit."""
        ...

    def commit(self) -> StoredData: ...

    def abort(self) -> None: ...


class ImageStore(Protocol):
    id: str
    description: str

    def writer(self, image_id: str) -> StoreWriter: ...

    def read(self, path: str, offset: int = 0, length: int | None = None) -> Iterator[bytes]: ...

    def delete(self, path: str) -> None: ...

    def exists(self, path: str) -> bool: ...

    def sweep_partials(self) -> list[str]:
        """Remove data left half-written by a crash; returns what was removed."""
        ...
