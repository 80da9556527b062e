"""Byte ranges over a large object: the client's ``Range`` header resolved against the whole
object's length, and a range mapped onto the segments that hold it (pure functions)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pocketstack.api.object_v1 import ranges as object_ranges


@dataclass(frozen=True)
class Segment:
    """One part of a large object, in order: ``length`` bytes taken from ``path`` (a
    ``/container/object``) from ``offset`` on, or inline ``data`` (SLO data segments)."""

    path: str | None
    length: int
    offset: int = 0
    etag: str | None = None  # the segment object's ETag, checked when it is read
    size: int | None = None  # the segment object's whole size
    data: bytes | None = None
    sub_slo: bool = False  # the segment is itself a static large object


@dataclass(frozen=True)
class Piece:
    """Bytes ``start`` to ``stop`` (exclusive) of one segment's object (or its data)."""

    segment: Segment
    start: int
    stop: int

    @property
    def whole(self) -> bool:
        seg = self.segment
        return self.start == 0 and seg.size is not None and self.stop == seg.size


def parse_range(value: str | None, length: int) -> list[tuple[int, int]] | None:
    """``[(start, stop), ...]`` (stop exclusive) for a satisfiable ``Range``; ``[]`` when none of
    its ranges is satisfiable (a 416); None when there is no usable header (the whole object).
    The header is read as the object routes read it (``object_v1/ranges.py``); COMPAT: as
    Swift, any range of an empty object is ignored."""
    parsed = object_ranges.parse_range(value) if length else None
    if parsed is None:
        return None
    return [(offset, offset + size) for offset, size in object_ranges.satisfiable(parsed, length)]


def total_length(segments: Sequence[Segment]) -> int:
    return sum(seg.length for seg in segments)


def pieces(segments: Sequence[Segment], start: int, stop: int) -> Iterator[Piece]:
    """The parts of the segments that hold bytes ``start`` to ``stop`` of the whole."""
    position = 0
    for seg in segments:
        seg_start, seg_stop = position, position + seg.length
        if seg_stop > start and seg_start < stop:
            first = max(start, seg_start) - seg_start + seg.offset
            last = min(stop, seg_stop) - seg_start + seg.offset
            yield Piece(seg, first, last)
        position = seg_stop
        if position >= stop:
            return


def content_range(start: int, stop: int, length: int) -> str:
    return f"bytes {start}-{stop - 1}/{length}"
