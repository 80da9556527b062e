"""What every boot looks up and almost never changes (its flavor, its image), kept per process
while the tables it was read from stand still.

A copy is stamped with its group's counter (store/table_revisions.py), read before the lookup,
and used again only while the counter stands there: a write to any table of the group, by any
process, moves it, and the next lookup reads afresh. Only found rows are kept (a miss is read
again each time), as detached read-only objects.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from pocketstack.store.db import Database

T = TypeVar("T")
MAX_KEPT = 256


class Kept(Generic[T]):
    def __init__(self, db: Database, group: str) -> None:
        self._db = db
        self._group = group
        self._kept: OrderedDict[Hashable, tuple[int, T]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        stamp = self._db.revisions.counter(self._group).value
        kept = self._kept.get(key)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        value = load()
        with self._lock:
            self._kept[key] = (stamp, value)
            self._kept.move_to_end(key)
            while len(self._kept) > MAX_KEPT:
                self._kept.popitem(last=False)
        return value
