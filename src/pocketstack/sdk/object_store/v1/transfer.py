"""Moving data in bulk: checksums, progress, and whole directories up and down.

``upload_directory`` puts every file under a local directory into a container (created when
missing), ``download_directory`` writes every object of a container (or under a prefix) back
into a directory. Both run at most ``concurrency`` transfers at once (:class:`Parallel` plans)
and check every byte:

- up: each PUT carries the file's md5 as ``ETag`` (the server refuses a body that does not
  match, 422) and the ETag answered must equal it. A file bigger than ``segment_size`` becomes a
  static large object: each segment is checked the same way, and the manifest's PUT carries the
  md5 of the segments' md5s, the ETag Swift computes for an SLO, so the server verifies the
  whole (a segment missing, replaced or of another size fails the PUT). That covers every byte
  without reading the data back (a re-HEAD would only compare sizes).
- down: each file is written through a ``.part`` file (whole, or not at all), then its md5 is
  compared with the object's ETag (the GET's, which describes exactly the bytes received, else
  the listing's ``hash``). A large object's ETag is not the md5 of its data (it is the md5 of
  its segments' ETags), so for those only the size is compared with the listing's ``bytes``.

``progress`` is called as ``progress(bytes_done, bytes_total)`` for the whole transfer, after
every chunk (up to 1 MiB), from whichever thread or task moved it (the calls are serialized).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, TypeVar

from pocketstack.sdk.exceptions import SDKError
from pocketstack.sdk.plan import Call, all_of, collect
from pocketstack.sdk.resource import value_id

if TYPE_CHECKING:
    from pocketstack.sdk.object_store.v1.plans import ObjectStorePlans
    from pocketstack.sdk.object_store.v1.resources import Container, Object

DEFAULT_SEGMENT_SIZE = 1 << 30
"""Files above this many bytes are uploaded as static large objects (1 GiB)."""
DEFAULT_CONCURRENCY = 4

T = TypeVar("T")

TotalProgress = Callable[[int, int], None]
"""``progress(bytes_done, bytes_total)`` for a whole transfer."""


class ChecksumMismatch(SDKError):
    """Data sent or received does not match its checksum (or, for a large object, its size)."""

    def __init__(self, what: str, expected: str | int | None, actual: str | int | None) -> None:
        super().__init__(f"{what}: expected {expected}, got {actual}")
        self.what = what
        self.expected = expected
        self.actual = actual


class TransferError(SDKError):
    """A local path does not fit the transfer (an object name escaping the directory, a name
    that is both a file and a folder)."""


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def file_md5(path: Path, offset: int = 0, length: int | None = None, chunk_size: int = 1 << 20) -> str:
    """The md5 of ``length`` bytes of a file from ``offset`` (to its end when None)."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as f:
        f.seek(offset)
        left = length
        while left is None or left > 0:
            chunk = f.read(chunk_size if left is None else min(chunk_size, left))
            if not chunk:
                break
            digest.update(chunk)
            if left is not None:
                left -= len(chunk)
    return digest.hexdigest()


def slo_etag(segment_etags: Iterable[str]) -> str:
    """A static large object's ETag as Swift computes it: the md5 of its segments' md5s."""
    return md5_hex("".join(segment_etags).encode("ascii"))


class Tally:
    """Bytes moved so far of a known total, reported to a ``progress(done, total)`` callback
    (thread-safe: the sync runner moves files in threads)."""

    def __init__(self, total: int, callback: TotalProgress | None) -> None:
        self.total = total
        self.done = 0
        self.callback = callback
        self._lock = threading.Lock()

    def add(self, count: int) -> None:
        with self._lock:
            self.done += count
            if self.callback is not None:
                self.callback(self.done, self.total)


# -- upload ---------------------------------------------------------------------------------------


def files_under(root: Path) -> list[tuple[Path, str]]:
    """Every regular file under ``root`` (symlinks followed) with its relative name ("/" joined),
    in name order."""
    if not root.is_dir():
        raise NotADirectoryError(f"not a directory: {root}")
    found = [(p, p.relative_to(root).as_posix()) for p in root.rglob("*") if p.is_file()]
    return sorted(found, key=lambda item: item[1])


def upload_directory(
    plans: ObjectStorePlans,
    container: Container | str,
    path: Path | str,
    prefix: str = "",
    segment_size: int = DEFAULT_SEGMENT_SIZE,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: TotalProgress | None = None,
) -> Call[list[Object]]:
    """Upload every file under ``path`` as ``prefix + <relative name>`` (container created
    when missing), ``concurrency`` at a time, each checked by ETag (big files as static
    large objects); ``progress(done, total)`` in bytes. The Objects, in name order."""
    name = value_id(container)
    files = files_under(Path(path))
    tally = Tally(sum(p.stat().st_size for p, _ in files), progress)
    yield from plans.ensure_container(name)
    uploads = [
        plans.create_object(
            name,
            prefix + rel,
            filename=local,
            segment_size=segment_size,
            concurrency=concurrency,
            progress=tally.add,
        )
        for local, rel in files
    ]
    return (yield from all_of(uploads, concurrency))


# -- download -------------------------------------------------------------------------------------


def local_target(root: Path, relative: str) -> Path:
    """Where an object named ``relative`` (below the prefix) goes under ``root``; TransferError
    when the name would leave it (``..``, an absolute name) or is empty."""
    parts = [p for p in PurePosixPath(relative).parts if p not in ("", ".")]
    if not parts or relative.startswith("/") or ".." in parts:
        raise TransferError(f"object name {relative!r} does not map to a file under {root}")
    return root.joinpath(*parts)


def plan_targets(root: Path, objects: list[Object], prefix: str) -> list[tuple[Object, Path]]:
    """Each object's file (directory markers, names ending in "/", are left out: their folders
    are made as needed); TransferError when a name is both a file and a folder's."""
    pairs: list[tuple[Object, Path]] = []
    for obj in objects:
        rel = (obj.name or "")[len(prefix) :]
        if not rel or rel.endswith("/"):
            continue
        pairs.append((obj, local_target(root, rel)))
    files = {target for _, target in pairs}
    for _, target in pairs:
        for parent in target.parents:
            if parent in files:
                raise TransferError(f"{parent} would be both a file and a folder")
    return pairs


def download_directory(
    plans: ObjectStorePlans,
    container: Container | str,
    path: Path | str,
    prefix: str = "",
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: TotalProgress | None = None,
) -> Call[list[Path]]:
    """Write every object under ``prefix`` into ``path`` (prefix taken off), ``concurrency``
    at a time, each checked (md5 against its ETag; a large object's size against the
    listing, since its ETag is not its data's md5); ``progress(done, total)`` in bytes."""
    name = value_id(container)
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    listed = yield from collect(plans.objects(name, prefix=prefix or None))
    pairs = plan_targets(root, [o for o in listed if o.subdir is None], prefix)
    tally = Tally(sum(o.content_length or 0 for o, _ in pairs), progress)
    fetches = [plans._fetch_to_file(name, obj, target, tally.add) for obj, target in pairs]
    return (yield from all_of(fetches, concurrency))
