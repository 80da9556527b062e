"""Swift's container versioning as the core keeps it: the older versions of an object of a
container with ``versions_location`` are objects of that (archive) container, named
``<length of the name, 3 hex digits><name>/<timestamp>``.

- ``stack`` (X-Versions-Location): an overwrite archives the current object; a delete removes
  the current one and restores the newest archived version in its place.
- ``history`` (X-History-Location): an overwrite archives the current object; a delete archives
  it too and adds a zero-byte delete marker to the archive; the object is then gone.

Archiving and restoring move the row (its blob with it): no data is copied.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from pocketstack.core.objects.changes import AccountChange, NewObject
from pocketstack.core.objects.errors import PreconditionFailed
from pocketstack.store.object_models import ObjectContainer, StoredObject

STACK = "stack"
HISTORY = "history"
MODES = (STACK, HISTORY)
DELETE_MARKER_TYPE = "application/x-deleted;swift_versions_deleted=1"
EMPTY_ETAG = hashlib.md5(b"", usedforsecurity=False).hexdigest()


def versions_prefix(name: str) -> str:
    # COMPAT: Swift counts the name's length in bytes of its UTF-8 encoding.
    return f"{len(name.encode()):03x}{name}/"


def archive_name(name: str, timestamp: float) -> str:
    return f"{versions_prefix(name)}{timestamp:016.5f}"


def archive_container(
    change: AccountChange, container: ObjectContainer, *, required: bool = True
) -> ObjectContainer | None:
    """The container's archive, when versioning is on; when it is missing, PreconditionFailed
    if something must be archived (``required``), else None (nothing to restore from)."""
    if not container.versions_location or container.versions_mode not in MODES:
        return None
    archive = change.find_container(container.versions_location)
    if archive is None and required:
        raise PreconditionFailed(
            f"The versions container {container.versions_location} does not exist.",
            code="objects.versions.location_missing",
        )
    return archive


def archive(change: AccountChange, archive_to: ObjectContainer, row: StoredObject) -> None:
    """File the current object ``row`` under the archive, named by its own time."""
    change.move(row, archive_to, _free_name(change, archive_to, row.name, row.last_modified))


def add_delete_marker(change: AccountChange, archive_to: ObjectContainer, name: str) -> None:
    marker = _free_name(change, archive_to, name, change.now)
    change.insert(
        archive_to,
        NewObject(
            name=marker,
            size=0,
            etag=EMPTY_ETAG,
            content_type=DELETE_MARKER_TYPE,
            meta={},
            headers={},
            last_modified=change.now,
        ),
    )


def restore_newest(
    change: AccountChange, archive_from: ObjectContainer, container: ObjectContainer, name: str
) -> StoredObject | None:
    """Put the newest archived version of ``name`` (not a delete marker) back in its place."""
    prefix = versions_prefix(name)
    rows = change.s.scalars(
        select(StoredObject)
        .where(
            StoredObject.container_id == archive_from.id,
            StoredObject.name >= prefix,
            StoredObject.name < prefix[:-1] + chr(ord("/") + 1),
        )
        .order_by(StoredObject.name.desc())
    ).all()
    for row in rows:
        if row.content_type == DELETE_MARKER_TYPE:
            continue
        change.move(row, container, name)
        return row
    return None


def _free_name(change: AccountChange, archive_to: ObjectContainer, name: str, timestamp: float) -> str:
    """The archive name of ``name`` at ``timestamp``, or the next later one no version holds:
    two versions within the same 10 microseconds must not take each other's place."""
    while True:
        candidate = archive_name(name, timestamp)
        if change.current(archive_to, candidate) is None:
            return candidate
        timestamp += 0.00001
