"""Answers to the hottest reads, kept while nothing they were read from has changed.

An endpoint that declares ``cached=(groups...)`` promises that its answer depends only on the
request (path, query, headers, and so the token) and on the tables of those groups and of
identity (store/table_revisions.py). Its 200 answers are kept per request; one is served again
while every counter stands where it stood before the first was computed. The token is still
validated on every request (expiry, revocation, access rules) before a kept answer is served.

The counters are read before the token is validated and the answer computed: a change that
commits in between moves a counter past the stamp, so the answer is dropped at the next read
rather than kept too long.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from threading import Lock

from starlette.responses import Response

from pocketstack.store.table_revisions import TableRevisions

Stamp = tuple[int, ...]
Key = tuple[object, ...]
MAX_ENTRIES = 512
MAX_BODY = 64 * 1024  # at most 32 MiB kept per process; a larger answer is not kept


class ReadCache:
    def __init__(self, revisions: TableRevisions) -> None:
        self._revisions = revisions
        self._names: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._kept: OrderedDict[Key, tuple[Stamp, int, bytes, list[tuple[bytes, bytes]]]] = OrderedDict()
        self._lock = Lock()

    def stamp(self, groups: tuple[str, ...]) -> Stamp:
        """The counters of identity (first) and of ``groups``, read in one query."""
        names = self._names.get(groups)
        if names is None:
            names = self._names[groups] = ("identity", *groups)
        return self._revisions.read(names)

    def serve(self, key: Key, stamp: Stamp, compute: Callable[[], Response]) -> Response:
        kept = self._kept.get(key)
        if kept is not None and kept[0] == stamp:
            response = Response(kept[2], status_code=kept[1])
            response.raw_headers = list(kept[3])
            return response
        response = compute()
        body = getattr(response, "body", None)
        if response.status_code == 200 and isinstance(body, bytes) and len(body) <= MAX_BODY:
            with self._lock:
                self._kept[key] = (stamp, 200, body, list(response.raw_headers))
                self._kept.move_to_end(key)
                while len(self._kept) > MAX_ENTRIES:
                    self._kept.popitem(last=False)
        return response
