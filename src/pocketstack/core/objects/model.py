"""What the object core hands out: plain frozen records, no ORM objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AccountInfo:
    """A project's account. Every project has one: it exists (empty) before its first write."""

    project_id: str
    meta: dict[str, str]  # user metadata: X-Account-Meta-<Name> stored as {"<name lower>": value}
    container_count: int
    object_count: int
    bytes_used: int
    created_at: float  # unix time
    quota_bytes: int | None = None
    quota_count: int | None = None


@dataclass(frozen=True)
class ContainerInfo:
    project_id: str
    name: str
    meta: dict[str, str]  # X-Container-Meta-<Name> as {"<name lower>": value}
    object_count: int
    bytes_used: int
    created_at: float
    put_timestamp: float
    # System settings a container's owner sets through headers; the core only keeps them.
    read_acl: str | None = None  # X-Container-Read, as given
    write_acl: str | None = None  # X-Container-Write
    versions_location: str | None = None  # X-Versions-Location / X-History-Location container
    versions_mode: str | None = None  # "stack" (X-Versions-Location) or "history"
    versions_enabled: bool = False  # X-Versions-Enabled (the newer object versioning)
    quota_bytes: int | None = None  # X-Container-Meta-Quota-Bytes
    quota_count: int | None = None  # X-Container-Meta-Quota-Count
    extra: dict[str, str] = field(default_factory=dict)  # other kept headers (sync key, CORS ...)


@dataclass(frozen=True)
class ObjectInfo:
    project_id: str
    container: str
    name: str
    size: int
    etag: str  # hex md5 of the data, unquoted (for a manifest: as Swift reports it)
    content_type: str
    meta: dict[str, str]  # X-Object-Meta-<Name> as {"<name lower>": value}
    # Other headers kept with the object and given back on GET/HEAD: Content-Disposition,
    # Content-Encoding, Content-Language, Cache-Control, Expires, X-Object-Manifest,
    # X-Static-Large-Object ... keys in canonical case as sent back.
    headers: dict[str, str]
    last_modified: float  # unix time, microsecond precision
    delete_at: int | None = None  # X-Delete-At (unix seconds)
    data_path: str | None = None  # the blob's path relative to the blob store root
    version_id: str | None = None  # with X-Versions-Enabled, the version this row is
    # For a static large object, the manifest as stored ([{"name": "/c/o", "hash", "bytes",
    # "range"?}, ...]); None for a plain object.
    slo_manifest: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class Subdir:
    """A listing entry rolled up by ``delimiter``: every name under ``prefix`` up to and
    including the delimiter."""

    subdir: str


@dataclass(frozen=True)
class ListQuery:
    """Swift's listing parameters; ``limit`` already capped by the caller."""

    prefix: str = ""
    delimiter: str | None = None
    marker: str = ""
    end_marker: str = ""
    limit: int = 10000
    reverse: bool = False
