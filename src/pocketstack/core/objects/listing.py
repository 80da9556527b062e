"""Swift's listing walk over names in byte order: prefix, delimiter (Subdir roll-ups),
marker, end_marker, limit and reverse, the same for containers and objects.

Python compares ``str`` by code point, which is the byte order of UTF-8, the order the name
columns use in SQL (store/object_models.py): bounds computed here mean the same to the
database.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from pocketstack.core.objects.model import ListQuery, Subdir


class Named(Protocol):
    @property
    def name(self) -> str: ...


R = TypeVar("R", bound=Named)


@dataclass(frozen=True)
class Bounds:
    """Names strictly above ``after`` (or from ``from_`` on) and strictly below ``before``."""

    after: str | None = None
    from_: str | None = None
    before: str | None = None


Fetch = Callable[[Bounds, bool, int], Sequence[R]]  # (bounds, descending, limit) -> rows in order


def successor(prefix: str) -> str | None:
    """The least name greater than every name starting with ``prefix`` (None: there is none)."""
    while prefix and ord(prefix[-1]) == sys.maxunicode:
        prefix = prefix[:-1]
    if not prefix:
        return None
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _initial(query: ListQuery) -> Bounds:
    """``reverse`` turns the markers around, as Swift does: ``marker`` is then the upper bound
    and ``end_marker`` the lower one."""
    low, high = (query.end_marker, query.marker) if query.reverse else (query.marker, query.end_marker)
    after = low or None
    from_ = None
    before = high or None
    if query.prefix:
        if after is None or after < query.prefix:
            after, from_ = None, query.prefix
        top = successor(query.prefix)
        if top is not None and (before is None or top < before):
            before = top
    return Bounds(after, from_, before)


def walk(query: ListQuery, fetch: Fetch[R]) -> list[R | Subdir]:
    """The listing ``query`` asks for, read through ``fetch`` in batches."""
    found: list[R | Subdir] = []
    bounds = _initial(query)
    while len(found) < query.limit:
        want = query.limit - len(found)
        rows = fetch(bounds, query.reverse, want)
        rolled = False
        for row in rows:
            name = row.name
            cut = name.find(query.delimiter, len(query.prefix)) if query.delimiter else -1
            if cut < 0:
                found.append(row)
                bounds = (
                    Bounds(bounds.after, bounds.from_, name)
                    if query.reverse
                    else Bounds(name, None, bounds.before)
                )
                continue
            sub = name[: cut + len(query.delimiter or "")]
            if query.reverse or sub != query.marker:
                found.append(Subdir(sub))
            if query.reverse:
                bounds = Bounds(bounds.after, bounds.from_, sub)
            else:
                nxt = successor(sub)
                if nxt is None:
                    return found
                bounds = Bounds(None, nxt, bounds.before)
            rolled = True
            break
        if not rolled and len(rows) < want:
            break
    return found[: query.limit]
