"""An object's fields from a request's headers (user metadata, the headers Swift keeps with an
object, expiry, content type) and its headers in a response."""

from __future__ import annotations

import mimetypes
import time

from starlette.datastructures import Headers

from pocketstack.api.object_v1 import limits
from pocketstack.api.object_v1.errors import SwiftError
from pocketstack.api.object_v1.headers import (
    check_metadata,
    http_date,
    is_sysmeta,
    is_true,
    meta_headers,
    sysmeta_in,
    timestamp,
    title,
    visible,
)
from pocketstack.api.object_v1.request import SwiftRequest
from pocketstack.core.objects.model import ObjectInfo

# COMPAT: the headers Swift's object server keeps with an object besides its metadata.
KEPT = (
    "content-disposition",
    "content-encoding",
    "content-language",
    "cache-control",
    "expires",
    "x-object-manifest",
    "x-robots-tag",
)
# Set by the large-object layers only (through internal requests); kept through a POST.
SYSTEM = ("x-static-large-object",)


def check_object_name(name: str) -> None:
    if len(name) > limits.MAX_OBJECT_NAME_LENGTH:
        raise SwiftError(
            400, f"Object name length of {len(name)} longer than {limits.MAX_OBJECT_NAME_LENGTH}"
        )


def meta_from(headers: Headers) -> dict[str, str]:
    """COMPAT: an object keeps a metadata item given with an empty value (shown as such), unlike
    an account or a container, where an empty value removes the item."""
    check_metadata(headers, "object")
    prefix = "x-object-meta-"
    return {name[len(prefix) :]: value.strip() for name, value in headers.items() if name.startswith(prefix)}


def kept_from(sreq: SwiftRequest, existing: ObjectInfo | None = None) -> dict[str, str]:
    """The kept headers a request sets; on a POST (``existing``) the system ones it cannot set
    stay as they were."""
    headers = sreq.headers
    kept = {title(name): headers[name] for name in KEPT if headers.get(name)}
    if sreq.internal:
        kept.update({title(name): headers[name] for name in SYSTEM if headers.get(name)})
        kept.update({k: v for k, v in sysmeta_in(headers, "object").items() if v})
    if existing is not None:
        for name, value in existing.headers.items():
            if name.lower() in SYSTEM or is_sysmeta(name):
                kept.setdefault(name, value)
    return kept


def delete_at_from(headers: Headers) -> int | None:
    after = headers.get("x-delete-after")
    if after is not None:
        if not after.strip().lstrip("-").isdigit():
            raise SwiftError(400, "Non-integer X-Delete-After")
        if int(after) < 0:
            raise SwiftError(400, "X-Delete-After in past")
        return int(time.time()) + int(after)
    at = headers.get("x-delete-at")
    if at is None:
        return None
    try:
        value = int(float(at)) if "." in at else int(at)
    except ValueError:
        raise SwiftError(400, "Non-integer X-Delete-At") from None
    if value < time.time():
        raise SwiftError(400, "X-Delete-At in past")
    return value


def content_type_for(sreq: SwiftRequest, name: str) -> str:
    given = sreq.headers.get("content-type")
    if given and not is_true(sreq.headers.get("x-detect-content-type")):
        return given
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def object_headers(info: ObjectInfo, internal: bool) -> dict[str, str]:
    headers = {
        "Content-Type": info.content_type,
        "ETag": info.etag,
        "Last-Modified": http_date(info.last_modified),
        "X-Timestamp": timestamp(info.last_modified),
        "Accept-Ranges": "bytes",
        **meta_headers("object", info.meta),
        **visible(info.headers, internal),
    }
    if info.delete_at is not None:
        headers["X-Delete-At"] = str(info.delete_at)
    return headers
