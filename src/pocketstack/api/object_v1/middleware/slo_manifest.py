"""Static large object manifests, as pure data: the client's PUT form checked and turned into
the stored form, the large object's ETag and size, its segments, and the two GET forms.

PUT form:    [{"path": "/c/o", "etag"?, "size_bytes"?, "range"?} | {"data": <base64>}, ...]
Stored form: [{"name": "/c/o", "hash", "bytes", "content_type", "last_modified", "range"?,
               "sub_slo"?} | {"data": <base64>}, ...]"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pocketstack.api.object_v1.middleware.ranges import Segment, parse_range
from pocketstack.api.object_v1.middleware.swift_http import status_line

# COMPAT: Swift's defaults (proxy-server.conf [filter:slo]).
MAX_MANIFEST_SEGMENTS = 1000
MAX_MANIFEST_SIZE = 8 * 1024 * 1024
MIN_SEGMENT_SIZE = 1
SEGMENT_KEYS = {"path": {"path", "etag", "size_bytes", "range"}, "data": {"data"}}

Entry = dict[str, Any]


class ManifestError(Exception):
    """The PUT form is invalid; ``lines`` say why, one per problem."""

    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = list(lines)


@dataclass(frozen=True)
class SegmentHead:
    """What a HEAD of a segment answered."""

    status: int
    size: int
    etag: str
    content_type: str
    last_modified: str  # as stored: %Y-%m-%dT%H:%M:%S.%f
    is_slo: bool = False


def _strict_b64(value: object) -> bytes | None:
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    try:
        return base64.b64decode(stripped + "=" * (-len(stripped) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def parse_put_body(body: bytes, own_name: str) -> list[Entry]:
    """The client's manifest, checked for shape (not yet against the segments). ``own_name``
    is the manifest's ``container/object``. Raises ManifestError."""
    try:
        parsed = json.loads(body)
    except ValueError:
        raise ManifestError(["Manifest must be valid JSON."]) from None
    if not isinstance(parsed, list):
        raise ManifestError(["Manifest must be a list."])
    errors: list[str] = []
    last = len(parsed) - 1
    for index, item in enumerate(parsed):
        problem = _check_entry(index, item, index == last, own_name)
        if problem:
            errors.append(f"Index {index}: {problem}")
    if parsed and all(isinstance(d, dict) and "data" in d for d in parsed):
        errors.append("Inline data segments require at least one object-backed segment.")
    if errors:
        raise ManifestError(errors)
    return parsed


def _check_entry(index: int, item: object, is_last: bool, own_name: str) -> str | None:
    if not isinstance(item, dict):
        return "not a JSON object"
    kind = next((k for k in SEGMENT_KEYS if k in item), None)
    if kind is None:
        return "expected keys to include one of 'path' or 'data'"
    extra = sorted(k for k in item if k not in SEGMENT_KEYS[kind])
    if extra:
        return "extraneous keys " + ", ".join(json.dumps(k) for k in extra)
    if kind == "data":
        raw = _strict_b64(item["data"])
        if raw is None:
            return "data must be valid base64"
        if not raw:
            return "too small; each segment must be at least 1 byte."
        item["data"] = base64.b64encode(raw).decode("ascii")
        return None
    path = item["path"]
    if not isinstance(path, str):
        return '"path" must be a string'
    if item.get("etag") is not None and not isinstance(item["etag"], str):
        return '"etag" must be a string or null (if provided)'
    if "/" not in path.strip("/"):
        return "path does not refer to an object. Path must be of the form /container/object."
    size = item.get("size_bytes")
    if size is not None:
        try:
            item["size_bytes"] = size = int(size)
        except (TypeError, ValueError):
            return "invalid size_bytes"
        if size < MIN_SEGMENT_SIZE and not is_last:
            return "too small; each segment must be at least 1 byte."
    if path.lstrip("/") == own_name:
        return "manifest must not include itself as a segment"
    if item.get("range"):
        return _check_range(item["range"], size)
    return None


def _check_range(value: object, size: int | None) -> str | None:
    if not isinstance(value, str) or parse_range(f"bytes={value}", 1 << 62) is None:
        return "invalid range"
    if "," in value:
        return "multiple ranges (only one allowed)"
    if size is not None and len(parse_range(f"bytes={value}", size) or []) != 1:
        return "unsatisfiable range"
    return None


def stored_entry(item: Entry, head: SegmentHead, is_last: bool) -> tuple[Entry | None, int, list[str]]:
    """(the stored entry, the bytes it adds, problems) for a PUT-form entry and its HEAD."""
    if not 200 <= head.status < 300:
        return None, 0, [status_line(head.status)]
    problems: list[str] = []
    length = head.size
    entry: Entry = {"name": "/" + item["path"].lstrip("/"), "bytes": head.size, "hash": head.etag}
    entry["content_type"] = head.content_type
    entry["last_modified"] = head.last_modified
    if item.get("range"):
        ranges = parse_range(f"bytes={item['range']}", head.size) or []
        if not ranges:
            problems.append("Unsatisfiable Range")
        elif ranges[0] != (0, head.size):
            start, stop = ranges[0]
            entry["range"] = f"{start}-{stop - 1}"
            length = stop - start
    if length < MIN_SEGMENT_SIZE and not is_last:
        problems.append("Too small; each segment must be at least 1 byte.")
    if item.get("size_bytes") is not None and item["size_bytes"] != head.size:
        problems.append("Size Mismatch")
    if item.get("etag") is not None and item["etag"].strip('"') != head.etag:
        problems.append("Etag Mismatch")
    if head.is_slo:
        entry["sub_slo"] = True
    return entry, length, problems


def slo_etag(stored: Sequence[Entry]) -> str:
    """md5 of the segments' ETags (``<etag>:<range>;`` for a ranged one, the md5 of the bytes
    for a data segment)."""
    digest = hashlib.md5(usedforsecurity=False)
    for entry in stored:
        if "data" in entry:
            part = hashlib.md5(base64.b64decode(entry["data"]), usedforsecurity=False).hexdigest()
        elif entry.get("range"):
            part = f"{entry['hash']}:{entry['range']};"
        else:
            part = entry["hash"]
        digest.update(part.encode("ascii"))
    return digest.hexdigest()


def segments_of(stored: Sequence[Mapping[str, Any]]) -> list[Segment]:
    out: list[Segment] = []
    for entry in stored:
        if "data" in entry:
            raw = base64.b64decode(entry["data"])
            out.append(Segment(None, len(raw), data=raw))
            continue
        size = int(entry["bytes"])
        start, stop = 0, size
        if entry.get("range"):
            first, _, last = str(entry["range"]).partition("-")
            start, stop = int(first), int(last) + 1
        sub_slo = bool(entry.get("sub_slo"))
        out.append(Segment(entry["name"], stop - start, start, entry.get("hash"), size, sub_slo=sub_slo))
    return out


def raw_form(stored: Sequence[Mapping[str, Any]]) -> list[Entry]:
    """The PUT form of a stored manifest (``?multipart-manifest=get&format=raw``)."""
    out: list[Entry] = []
    for entry in stored:
        if "data" in entry:
            out.append({"data": entry["data"]})
            continue
        item: Entry = {"path": entry["name"], "etag": entry.get("hash"), "size_bytes": entry.get("bytes")}
        if entry.get("range"):
            item["range"] = entry["range"]
        out.append(item)
    return out
