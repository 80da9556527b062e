"""Swift's metadata headers in and out: ``X-<Kind>-Meta-*`` (user metadata, with Swift's
limits), ``X-Remove-<Kind>-Meta-*``, the system metadata only internal requests may set or see,
and the time formats Swift writes."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime

from starlette.datastructures import Headers

from pocketstack.api.object_v1 import limits
from pocketstack.api.object_v1.errors import SwiftError

SYSMETA_PREFIXES = (
    "x-account-sysmeta-",
    "x-container-sysmeta-",
    "x-object-sysmeta-",
    "x-object-transient-sysmeta-",
)
TRUE_VALUES = frozenset({"true", "1", "yes", "on", "t", "y"})


def is_true(value: str | None) -> bool:
    return (value or "").strip().lower() in TRUE_VALUES


def is_sysmeta(name: str) -> bool:
    return name.lower().startswith(SYSMETA_PREFIXES)


def title(name: str) -> str:
    """Swift's canonical header case: each dash-separated part capitalized."""
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


def timestamp(when: float) -> str:
    """X-Timestamp, as Swift's normal form: ten digits, a dot, five."""
    return f"{when:016.05f}"


def http_date(when: float) -> str:
    """Last-Modified: Swift rounds a timestamp up to the next whole second."""
    return formatdate(math.ceil(when), usegmt=True)


def listing_time(when: float) -> str:
    """COMPAT: listings print ISO 8601 with microseconds and no zone (UTC)."""
    return datetime.fromtimestamp(when, UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def parse_http_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def check_metadata(headers: Headers, kind: str) -> None:
    """Swift's limits on the ``X-<kind>-Meta-*`` headers of one request (400 with its text)."""
    prefix = f"x-{kind}-meta-"
    count = size = 0
    for name, value in headers.items():
        if not name.startswith(prefix):
            continue
        key = name[len(prefix) :]
        if not key:
            raise SwiftError(400, "Metadata name cannot be empty")
        count += 1
        size += len(key) + len(value)
        if len(key) > limits.MAX_META_NAME_LENGTH:
            raise SwiftError(400, f"Metadata name too long: {prefix}{title(key)}")
        if len(value) > limits.MAX_META_VALUE_LENGTH:
            raise SwiftError(
                400, f"Metadata value longer than {limits.MAX_META_VALUE_LENGTH}: {prefix}{title(key)}"
            )
        if count > limits.MAX_META_COUNT:
            raise SwiftError(400, f"Too many metadata items; max {limits.MAX_META_COUNT}")
        if size > limits.MAX_META_OVERALL_SIZE:
            raise SwiftError(400, f"Total metadata too large; max {limits.MAX_META_OVERALL_SIZE}")


def meta_changes(headers: Headers, kind: str, skip: Iterable[str] = ()) -> tuple[dict[str, str], list[str]]:
    """(set, remove) from a POST/PUT's headers: names lower case without the prefix. An empty
    value and ``X-Remove-<kind>-Meta-<name>`` both remove. ``skip`` names meta keys another
    setting takes (a container's quota)."""
    check_metadata(headers, kind)
    prefix, remove_prefix = f"x-{kind}-meta-", f"x-remove-{kind}-meta-"
    to_set: dict[str, str] = {}
    to_remove: list[str] = []
    skipped = set(skip)
    for name, value in headers.items():
        if name.startswith(prefix) and name[len(prefix) :] not in skipped:
            key = name[len(prefix) :]
            if value.strip():
                to_set[key] = value.strip()
            else:
                to_remove.append(key)
        elif name.startswith(remove_prefix) and name[len(remove_prefix) :] not in skipped:
            to_remove.append(name[len(remove_prefix) :])
    return to_set, [k for k in to_remove if k not in to_set]


SECRET_META = frozenset({"temp-url-key", "temp-url-key-2"})


def meta_headers(kind: str, meta: Mapping[str, str], owner: bool = True) -> dict[str, str]:
    """COMPAT: as Swift's tempurl, the keys that sign temp URLs are shown to owners only."""
    return {
        f"X-{title(kind)}-Meta-{title(key)}": value
        for key, value in meta.items()
        if owner or key not in SECRET_META
    }


def sysmeta_in(headers: Headers, kind: str) -> dict[str, str]:
    """The ``X-<kind>-Sysmeta-*`` headers of an internal request, in canonical case."""
    prefixes = (f"x-{kind}-sysmeta-", f"x-{kind}-transient-sysmeta-")
    return {title(name): value for name, value in headers.items() if name.startswith(prefixes)}


def visible(kept: Mapping[str, str], internal: bool) -> dict[str, str]:
    """Kept headers as a response shows them: system metadata only to internal requests."""
    if internal:
        return dict(kept)
    return {name: value for name, value in kept.items() if not is_sysmeta(name)}


def etags(value: str) -> set[str]:
    """The entity tags an If-Match / If-None-Match / If-Range value names, unquoted."""
    return {tag.strip().removeprefix("W/").strip('"') for tag in value.split(",") if tag.strip()}


def precondition(etag: str, modified: int | None, header: Callable[[str], str | None]) -> int | None:
    """The 304 or 412 a GET or HEAD's conditional headers call for, as Swift (swob) decides,
    for an object (or a large object) of ``etag`` last modified at ``modified`` (whole
    seconds; None: unknown, so only the entity tags count); None to answer normally.
    ``header`` reads a request header by lower-case name."""
    if_match = header("if-match")
    if if_match is not None and "*" not in etags(if_match) and etag not in etags(if_match):
        return 412
    if_none = header("if-none-match")
    if if_none is not None and ("*" in etags(if_none) or etag in etags(if_none)):
        return 304
    if modified is None:
        return None
    since = parse_http_date(header("if-modified-since"))
    if if_none is None and since is not None and modified <= since:
        return 304
    unmodified = parse_http_date(header("if-unmodified-since"))
    if unmodified is not None and modified > unmodified:
        return 412
    return None
