"""Object storage v1 bodies. Swift keeps metadata in headers, not bodies: a Container or an
Object is read from a listing entry (JSON) or from the headers of a HEAD, and the helpers here
turn either into one body; ``metadata`` holds the ``X-<Kind>-Meta-*`` items (keys lower case,
as HTTP gives them).

Paths are relative to the account URL the catalog gives (``.../v1/AUTH_<project>``): ``""`` is
the account, ``/<container>`` a container, ``/<container>/<object>`` an object (names
URL-quoted; an object name keeps its ``/``)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar
from urllib.parse import quote

from pydantic import Field

from pocketstack.sdk.resource import READ_ONLY, Paging, Resource

SERVICE = "object-store"
TRUE = frozenset({"true", "1", "yes", "on", "t", "y"})


def account_path() -> str:
    return ""


def container_path(container: str) -> str:
    if not container:
        raise ValueError("a container name is needed")
    return "/" + quote(container, safe="")


def object_path(container: str, name: str) -> str:
    if not name:
        raise ValueError("an object name is needed")
    return container_path(container) + "/" + quote(name, safe="/")


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _flag(value: str | None) -> bool | None:
    return None if value is None else value.strip().lower() in TRUE


def unquote_etag(value: str | None) -> str | None:
    """An ETag without its quotes (Swift quotes a large object's)."""
    return value.strip().strip('"') if value else value


def metadata_of(headers: Mapping[str, str], kind: str) -> dict[str, str]:
    """The ``X-<kind>-Meta-*`` items of some headers, keys lower case without the prefix."""
    prefix = f"x-{kind}-meta-"
    return {k.lower()[len(prefix) :]: v for k, v in headers.items() if k.lower().startswith(prefix)}


class _SwiftResource(Resource):
    service_type: ClassVar[str] = SERVICE
    id_attr: ClassVar[str] = "name"
    paging: ClassVar[Paging] = "marker"
    create_method: ClassVar[str] = "PUT"
    commit_method: ClassVar[str] = "POST"

    metadata: dict[str, str] = Field(default_factory=dict)
    """``X-<Kind>-Meta-*`` items (keys lower case, without the prefix)."""


class Account(_SwiftResource):
    """The account (``AUTH_<project>``): its usage and metadata, from a HEAD."""

    base_path: ClassVar[str] = ""
    allow_list: ClassVar[bool] = False

    account_bytes_used: Annotated[int | None, READ_ONLY] = None
    account_container_count: Annotated[int | None, READ_ONLY] = None
    account_object_count: Annotated[int | None, READ_ONLY] = None
    meta_temp_url_key: str | None = None
    meta_temp_url_key_2: str | None = None
    timestamp: Annotated[str | None, READ_ONLY] = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Account:
        meta = metadata_of(headers, "account")
        body: dict[str, Any] = {
            "account_bytes_used": _int(headers.get("x-account-bytes-used")),
            "account_container_count": _int(headers.get("x-account-container-count")),
            "account_object_count": _int(headers.get("x-account-object-count")),
            "meta_temp_url_key": meta.get("temp-url-key"),
            "meta_temp_url_key_2": meta.get("temp-url-key-2"),
            "timestamp": headers.get("x-timestamp"),
            "metadata": meta,
        }
        return cls.from_wire({k: v for k, v in body.items() if v is not None})


CONTAINER_HEADERS: dict[str, str] = {
    "read_ACL": "x-container-read",
    "write_ACL": "x-container-write",
    "versions_location": "x-versions-location",
    "history_location": "x-history-location",
    "sync_to": "x-container-sync-to",
    "sync_key": "x-container-sync-key",
    "storage_policy": "x-storage-policy",
    "content_type": "content-type",
    "is_content_type_detected": "x-detect-content-type",
    "meta_temp_url_key": "x-container-meta-temp-url-key",
    "meta_temp_url_key_2": "x-container-meta-temp-url-key-2",
}
"""A container's settings (openstacksdk's names) and the header each is sent and read as."""


class Container(_SwiftResource):
    """A container: ``name``, ``count`` (``object_count``), ``bytes`` (``bytes_used``),
    ``last_modified`` from a listing; ACLs, versioning and metadata from a HEAD."""

    base_path: ClassVar[str] = ""

    name: str | None = None
    object_count: Annotated[int | None, READ_ONLY] = Field(None, alias="count")
    bytes_used: Annotated[int | None, READ_ONLY] = Field(None, alias="bytes")
    last_modified: Annotated[str | None, READ_ONLY] = None
    """ISO 8601 in a listing; an HTTP date from a HEAD."""
    timestamp: Annotated[str | None, READ_ONLY] = None
    read_ACL: str | None = None
    write_ACL: str | None = None
    versions_location: str | None = None
    history_location: str | None = None
    sync_to: str | None = None
    sync_key: str | None = None
    storage_policy: str | None = None
    content_type: str | None = None
    is_content_type_detected: bool | None = None
    meta_temp_url_key: str | None = None
    meta_temp_url_key_2: str | None = None
    quota_bytes: Annotated[int | None, READ_ONLY] = None
    quota_count: Annotated[int | None, READ_ONLY] = None

    @classmethod
    def from_headers(cls, name: str, headers: Mapping[str, str]) -> Container:
        meta = metadata_of(headers, "container")
        body: dict[str, Any] = {
            "name": name,
            "count": _int(headers.get("x-container-object-count")),
            "bytes": _int(headers.get("x-container-bytes-used")),
            "last_modified": headers.get("last-modified"),
            "timestamp": headers.get("x-timestamp"),
            "quota_bytes": _int(meta.get("quota-bytes")),
            "quota_count": _int(meta.get("quota-count")),
            "metadata": meta,
        }
        for attr, header in CONTAINER_HEADERS.items():
            if header in headers and attr not in ("content_type", "is_content_type_detected"):
                body[attr] = headers[header]
        return cls.from_wire({k: v for k, v in body.items() if v is not None})

    @property
    def count(self) -> int | None:
        """The number of objects (openstacksdk's ``count``)."""
        return self.object_count

    @property
    def bytes(self) -> int | None:
        """The bytes stored (openstacksdk's ``bytes``)."""
        return self.bytes_used


OBJECT_HEADERS: dict[str, str] = {
    "content_type": "content-type",
    "content_encoding": "content-encoding",
    "content_disposition": "content-disposition",
    "content_language": "content-language",
    "cache_control": "cache-control",
    "expires_at": "expires",
    "delete_at": "x-delete-at",
    "delete_after": "x-delete-after",
    "is_content_type_detected": "x-detect-content-type",
    "object_manifest": "x-object-manifest",
    "manifest": "x-object-manifest",
    "etag": "etag",
}
"""An object's settable headers (openstacksdk's names) and the header each is sent as."""

KEPT_OBJECT_HEADERS = (
    "content_type",
    "content_encoding",
    "content_disposition",
    "content_language",
    "cache_control",
    "expires_at",
    "delete_at",
    "object_manifest",
)
"""What a POST replaces unless it is sent again (Swift's POST sets all of an object's metadata)."""


class Object(_SwiftResource):
    """An object: from a listing entry (``name``, ``hash``, ``bytes``, ``content_type``,
    ``last_modified``) or a HEAD (every header). A delimiter listing's ``subdir`` entry is an
    Object whose ``subdir`` (and ``name``) is the common prefix."""

    base_path: ClassVar[str] = "/{container}"

    name: str | None = None
    container: str | None = None
    content_length: Annotated[int | None, READ_ONLY] = Field(None, alias="bytes")
    etag: Annotated[str | None, READ_ONLY] = Field(None, alias="hash")
    """The md5 of the data, unquoted; for a large object the md5 of its segments' ETags."""
    content_type: str | None = None
    last_modified_at: Annotated[str | None, READ_ONLY] = Field(None, alias="last_modified")
    timestamp: Annotated[str | None, READ_ONLY] = None
    content_encoding: str | None = None
    content_disposition: str | None = None
    content_language: str | None = None
    cache_control: str | None = None
    expires_at: str | None = None
    delete_at: int | None = None
    object_manifest: str | None = None
    """A dynamic large object's ``<container>/<prefix>``."""
    is_static_large_object: Annotated[bool | None, READ_ONLY] = None
    accept_ranges: Annotated[str | None, READ_ONLY] = None
    subdir: Annotated[str | None, READ_ONLY] = None
    data: Annotated[builtins.bytes | None, READ_ONLY] = Field(None, exclude=True)
    """The data, when ``get_object(..., remember_content=True)`` read it."""

    @classmethod
    def from_listing(cls, container: str, entry: Mapping[str, Any]) -> Object:
        body = dict(entry)
        if "subdir" in body and "name" not in body:
            body["name"] = body["subdir"]
        body["container"] = container
        return cls.from_wire(body, {"container": container})

    @classmethod
    def from_headers(cls, container: str, name: str, headers: Mapping[str, str]) -> Object:
        body: dict[str, Any] = {
            "name": name,
            "container": container,
            "bytes": _int(headers.get("content-length")),
            "hash": unquote_etag(headers.get("etag")),
            "last_modified": headers.get("last-modified"),
            "timestamp": headers.get("x-timestamp"),
            "is_static_large_object": _flag(headers.get("x-static-large-object")),
            "accept_ranges": headers.get("accept-ranges"),
            "delete_at": _int(headers.get("x-delete-at")),
            "metadata": metadata_of(headers, "object"),
        }
        for attr in KEPT_OBJECT_HEADERS:
            if attr != "delete_at" and OBJECT_HEADERS[attr] in headers:
                body[attr] = headers[OBJECT_HEADERS[attr]]
        return cls.from_wire({k: v for k, v in body.items() if v is not None}, {"container": container})

    @property
    def is_large_object(self) -> bool:
        """A static or dynamic large object (its ETag is not the md5 of its data)."""
        return bool(self.is_static_large_object or self.object_manifest)

    @property
    def last_modified(self) -> str | None:
        return self.last_modified_at

    @property
    def hash(self) -> str | None:
        """The listing's ``hash`` (the ``etag``)."""
        return self.etag

    @property
    def bytes(self) -> int | None:
        """The listing's ``bytes`` (the ``content_length``)."""
        return self.content_length
