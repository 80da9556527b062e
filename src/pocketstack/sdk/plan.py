"""Plans: the SDK's calls written once, without I/O, and run by a sync or an async runner.

A plan is a generator. It yields the I/O it needs (an HTTP :class:`Request`, a :class:`Sleep`,
a :class:`Parallel` group of other plans, blocking :class:`Offload` work) and receives each
one's outcome: a :class:`Response` for a request, ``None`` after a sleep, a list of results for
a group, the work's result. A transport failure is
thrown into the plan as :class:`pocketstack.sdk.exceptions.ConnectionFailure`. A plan that lists
things yields :class:`Emit` for each item and receives ``None``.

Request building, retries, re-authentication, paging, parsing and compound operations are
therefore shared by :class:`~pocketstack.sdk.runner.SyncRunner` and
:class:`~pocketstack.sdk.runner.AsyncRunner`, which do nothing but the I/O.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeAlias, TypeVar

T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")

Progress = Callable[[int], None]
"""Called with the number of bytes just sent or received."""


class Digests:
    """md5 and sha512 of the bytes a :class:`FileBody` sent, computed as they are read (in the
    reading thread), started afresh when a retry reads the file again."""

    def __init__(self) -> None:
        self.start()

    def start(self) -> None:
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.sha512 = hashlib.sha512()

    def update(self, chunk: bytes) -> None:
        self.md5.update(chunk)
        self.sha512.update(chunk)


@dataclass(frozen=True)
class FileBody:
    """Request content read from a file in chunks: ``length`` bytes from ``offset``."""

    path: Path
    offset: int = 0
    length: int | None = None
    progress: Progress | None = None
    chunk_size: int = 1 << 20
    digests: Digests | None = None

    def size(self) -> int:
        total = self.path.stat().st_size - self.offset
        return total if self.length is None else min(self.length, total)

    def chunks(self) -> Iterator[bytes]:
        left = self.size()
        if self.digests is not None:
            self.digests.start()
        with self.path.open("rb") as f:
            f.seek(self.offset)
            while left > 0:
                chunk = f.read(min(self.chunk_size, left))
                if not chunk:
                    return
                left -= len(chunk)
                if self.digests is not None:
                    self.digests.update(chunk)
                if self.progress is not None:
                    self.progress(len(chunk))
                yield chunk


@dataclass(frozen=True)
class FileSink:
    """Where a response body goes instead of memory: written to ``path`` (a ``.part`` file
    renamed into place once whole), reporting progress."""

    path: Path
    progress: Progress | None = None


Content: TypeAlias = bytes | FileBody | None


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] | None = None
    content: Content = None
    sink: FileSink | None = None
    timeout: float | None = None

    @property
    def idempotent(self) -> bool:
        return self.method in {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}


@dataclass(frozen=True)
class Response:
    status_code: int
    headers: Mapping[str, str]
    """Header names in lower case."""
    content: bytes
    method: str
    url: str

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        return json.loads(self.content) if self.content else None

    @property
    def request_id(self) -> str | None:
        for name in ("x-openstack-request-id", "x-compute-request-id", "x-trans-id", "x-amz-request-id"):
            if name in self.headers:
                return self.headers[name]
        return None


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Offload:
    """Run ``work`` (blocking: hashing a file, say) off the event loop; the plan receives its
    result, or has its exception thrown in."""

    work: Callable[[], Any]


@dataclass(frozen=True)
class Parallel:
    """Run ``plans`` with at most ``limit`` at once. The plan receives a list, in order, holding
    each plan's result or the exception it raised."""

    plans: list[Call[Any]]
    limit: int = 8


@dataclass(frozen=True)
class Emit(Generic[T]):
    item: T


Step: TypeAlias = Request | Sleep | Parallel | Offload
Call = Generator[Step, Any, T]
"""A plan that ends with a value of type T."""
Listing = Generator[Step | Emit[T], Any, None]
"""A plan that emits items of type T."""


def returning(value: T) -> Call[T]:
    """A plan that does no I/O."""
    return value
    yield  # pragma: no cover - makes this a generator


def all_of(plans: Iterable[Call[T]], concurrency: int) -> Call[list[T]]:
    """Run ``plans``, at most ``concurrency`` at once: their results in order, or (once all have
    ended) the first error one of them raised."""
    results: list[Any] = yield Parallel(list(plans), limit=max(1, concurrency))
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def _relay(listing: Listing[T]) -> Generator[Step, Any, Emit[T] | None]:
    """Advance ``listing`` to its next item (None once it ends), passing its I/O up and each
    outcome back; a failure is thrown back into it, so its own retries still see it."""
    sent: Any = None
    thrown: Exception | None = None
    while True:
        try:
            step = listing.throw(thrown) if thrown is not None else listing.send(sent)
        except StopIteration:
            return None
        if isinstance(step, Emit):
            return step
        sent, thrown = None, None
        try:
            sent = yield step
        except Exception as exc:  # noqa: BLE001 - the listing's to handle or raise
            thrown = exc


def _drive(listing: Listing[T], take: Callable[[T], bool]) -> Call[None]:
    """Run ``listing``, handing each item to ``take`` until that returns False or it ends."""
    try:
        while (emitted := (yield from _relay(listing))) is not None:
            if not take(emitted.item):
                return
    finally:
        listing.close()


def collect(listing: Listing[T]) -> Call[list[T]]:
    """Every item of ``listing`` as one list (a plan)."""
    items: list[T] = []

    def take(item: T) -> bool:
        items.append(item)
        return True

    yield from _drive(listing, take)
    return items


def first(listing: Listing[T]) -> Call[T | None]:
    """The first item of ``listing``, or None; the rest is never fetched."""
    found: list[T] = []

    def take(item: T) -> bool:
        found.append(item)
        return False

    yield from _drive(listing, take)
    return found[0] if found else None


def expanding(listing: Listing[A], each: Callable[[A], Listing[B]]) -> Listing[B]:
    """``listing`` with each item replaced by what the plan ``each(item)`` emits (nothing, one
    item or several); pages are still fetched only as they are used."""
    try:
        while (emitted := (yield from _relay(listing))) is not None:
            yield from each(emitted.item)
    finally:
        listing.close()


def filtering(listing: Listing[T], keep: Callable[[T], bool]) -> Listing[T]:
    """The items of ``listing`` that ``keep`` accepts."""

    def each(item: T) -> Listing[T]:
        if keep(item):
            yield Emit(item)

    return expanding(listing, each)


def mapping(listing: Listing[A], convert: Callable[[A], B]) -> Listing[B]:
    """``listing`` with each item converted."""

    def each(item: A) -> Listing[B]:
        yield Emit(convert(item))

    return expanding(listing, each)
