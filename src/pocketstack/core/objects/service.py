"""ObjectService: the one entry to object storage's core (the interface the Swift and S3 front
ends are written against; see docs/object-storage.md).

No policy here: who may touch an account is the front end's decision (Swift's ACLs, TempURLs
and S3 signatures are all edge concerns). Every method takes the account's project id.
Errors: NotFound (no such container/object), Conflict (deleting a non-empty container),
BadRequest, PreconditionFailed / Unprocessable (see errors.py), QuotaExceeded (413 in Swift).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol

from pocketstack.core.objects.model import AccountInfo, ContainerInfo, ListQuery, ObjectInfo, Subdir


class ObjectWriter(Protocol):
    """An object on its way in. Data goes to a temporary file, md5 while written; ``finish``
    makes it durable (fsync), renames it into place and records the row in one step, replacing
    any object of that name (the last ``finish`` wins; the loser's data is removed). Until
    ``finish`` returns nothing of the object is visible; ``abort`` (safe any time, more than
    once) drops it all."""

    def write(self, chunk: bytes | memoryview) -> None: ...

    @property
    def size(self) -> int: ...

    def finish(self) -> ObjectInfo:
        """Checks the expected size and ETag (Unprocessable on a mismatch, nothing stored) and
        the quotas (QuotaExceeded), then commits."""
        ...

    def abort(self) -> None: ...


class DataReader(Protocol):
    """Chunks of one stored blob, already open (a delete meanwhile does not cut it)."""

    def __iter__(self) -> Iterator[bytes]: ...

    @property
    def source_path(self) -> str | None:
        """The absolute local file holding the whole blob (for sendfile), else None."""
        ...

    def close(self) -> None: ...


class ObjectService(Protocol):
    # -- accounts -----------------------------------------------------------------------------
    def account(self, project_id: str) -> AccountInfo: ...

    def update_account(
        self,
        project_id: str,
        set_meta: Mapping[str, str],
        remove_meta: Sequence[str] = (),
        *,
        quota_bytes: int | None | str = "keep",
        quota_count: int | None | str = "keep",
    ) -> AccountInfo:
        """Metadata names lower case without the ``X-Account-Meta-`` prefix; an empty value
        removes (as Swift). ``quota_*``: "keep" leaves it, None removes it."""
        ...

    def list_containers(self, project_id: str, query: ListQuery) -> list[ContainerInfo | Subdir]: ...

    # -- containers ---------------------------------------------------------------------------
    def create_container(
        self, project_id: str, name: str, settings: Mapping[str, object]
    ) -> tuple[ContainerInfo, bool]:
        """PUT: creates it (True) or updates the given settings of the existing one (False).
        ``settings`` keys: "meta" (dict), "remove_meta" (list), and any ContainerInfo system
        field (read_acl, write_acl, versions_location, versions_mode, versions_enabled,
        quota_bytes, quota_count, extra); a None value removes that setting."""
        ...

    def container(self, project_id: str, name: str) -> ContainerInfo: ...

    def update_container(self, project_id: str, name: str, settings: Mapping[str, object]) -> ContainerInfo:
        """POST: the same ``settings`` as create_container; NotFound when missing."""
        ...

    def delete_container(self, project_id: str, name: str) -> None:
        """Conflict when it still holds objects."""
        ...

    def list_objects(self, project_id: str, container: str, query: ListQuery) -> list[ObjectInfo | Subdir]:
        """Expired objects (delete_at passed) are never listed."""
        ...

    # -- objects ------------------------------------------------------------------------------
    def begin_put(
        self,
        project_id: str,
        container: str,
        name: str,
        *,
        content_type: str,
        meta: Mapping[str, str],
        headers: Mapping[str, str],
        delete_at: int | None = None,
        expected_size: int | None = None,
        expected_etag: str | None = None,
        slo_manifest: list[dict[str, object]] | None = None,
        etag_override: str | None = None,
        size_override: int | None = None,
    ) -> ObjectWriter:
        """NotFound when the container is missing. ``etag_override``/``size_override`` are
        what a manifest reports instead of its own data's (Swift's SLO)."""
        ...

    def object(self, project_id: str, container: str, name: str) -> ObjectInfo:
        """NotFound when missing or expired."""
        ...

    def open(self, info: ObjectInfo, offset: int = 0, length: int | None = None) -> DataReader: ...

    def update_object(
        self,
        project_id: str,
        container: str,
        name: str,
        *,
        meta: Mapping[str, str],
        headers: Mapping[str, str],
        delete_at: int | None,
        content_type: str | None = None,
    ) -> ObjectInfo:
        """POST: replaces all user metadata and kept headers (Swift's fast-post semantics)."""
        ...

    def copy_object(
        self,
        source: ObjectInfo,
        project_id: str,
        container: str,
        name: str,
        *,
        content_type: str | None,
        meta: Mapping[str, str],
        headers: Mapping[str, str],
        delete_at: int | None,
        fresh_metadata: bool = False,
    ) -> ObjectInfo:
        """A new object with ``source``'s data (shared, never rewritten: blobs are immutable).
        Metadata: source's merged with the given ones, or only the given ones when fresh."""
        ...

    def delete_object(self, project_id: str, container: str, name: str) -> ObjectInfo:
        """Returns what was deleted; NotFound when missing. Versioned containers keep or
        restore versions as Swift does."""
        ...

    def expire(self, now: float | None = None) -> int:
        """Delete every object whose delete_at has passed; returns how many."""
        ...
