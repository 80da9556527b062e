"""Byte ranges over a large object: the client's ``Range`` header resolved against the whole
object's length, and a range mapped onto the segments that hold it (pure functions)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass


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
    COMPAT: as Swift, a malformed header is ignored, and so is any range of an empty object."""
    if not value or length == 0:
        return None
    unit, _, spec = value.strip().partition("=")
    if unit.strip().lower() != "bytes" or not spec.strip():
        return None
    ranges: list[tuple[int, int]] = []
    for part in spec.split(","):
        first, dash, last = part.strip().partition("-")
        if not dash or not (first.isdigit() or (not first and last.isdigit())):
            return None
        if last and not last.isdigit():
            return None
        if not first:
            suffix = int(last)
            if suffix:
                ranges.append((max(0, length - suffix), length))
            continue
        start = int(first)
        if last and int(last) < start:
            return None
        stop = min(int(last) + 1, length) if last else length
        if start < length:
            ranges.append((start, stop))
    return ranges


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
