"""What every format inspector shares: the result of an inspection and a reader of headers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

SECTOR = 512


@dataclass(frozen=True)
class Inspection:
    format: str
    virtual_size: int
    refusal: str | None = None

    @property
    def safe(self) -> bool:
        return self.refusal is None


class Source:
    """Random access to the headers of one open image; reads past the end give short data."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        fh.seek(0, 2)
        self.size = fh.tell()

    def read(self, offset: int, length: int) -> bytes:
        if offset >= self.size or length <= 0:
            return b""
        self._fh.seek(offset)
        return self._fh.read(length)

    def tail(self, length: int) -> bytes:
        """The last ``length`` bytes (all of them when the data is shorter)."""
        return self.read(max(self.size - length, 0), length)


# A detector answers None when the data is not its format, else what it found in the headers.
Detector = Callable[[Source], Inspection | None]
