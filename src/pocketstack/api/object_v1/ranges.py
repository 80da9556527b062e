"""Swift's Range handling: ``bytes=`` with one or more ``a-b``, ``a-`` or ``-n`` specs. A
header that does not parse is ignored (the whole object, 200); ranges past the end are dropped,
and when none is left the answer is a 416."""

from __future__ import annotations

MAX_RANGES = 50  # COMPAT: more ranges than this and Swift serves the whole object


def parse_range(header: str | None) -> list[tuple[int | None, int | None]] | None:
    """The (first, last) pairs of a Range header, either side None when absent; None when the
    header is missing or malformed."""
    if not header:
        return None
    unit, sep, specs = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    found: list[tuple[int | None, int | None]] = []
    for spec in specs.split(","):
        first, dash, last = spec.strip().partition("-")
        first, last = first.strip(), last.strip()
        if (
            not dash
            or (first and not first.isdigit())
            or (last and not last.isdigit())
            or not (first or last)
        ):
            return None
        start, end = (int(first) if first else None), (int(last) if last else None)
        if start is not None and end is not None and end < start:
            return None
        found.append((start, end))
    return found if len(found) <= MAX_RANGES else None


def satisfiable(ranges: list[tuple[int | None, int | None]], size: int) -> list[tuple[int, int]]:
    """(offset, length) of each range that falls within ``size`` bytes."""
    windows: list[tuple[int, int]] = []
    for start, end in ranges:
        if start is None:
            assert end is not None
            if end == 0 or size == 0:
                continue
            offset = max(size - end, 0)
            windows.append((offset, size - offset))
        elif start < size:
            last = size - 1 if end is None else min(end, size - 1)
            windows.append((start, last - start + 1))
    return windows
