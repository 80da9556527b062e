"""ListObjects (v1) and ListObjectsV2 over Swift's container listings."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from pocketstack.api.s3.errors import S3Error
from pocketstack.api.s3.handlers.buckets import owner, xml_response
from pocketstack.api.s3.request import S3Request
from pocketstack.api.s3.translate import S3_ETAG_SYSMETA, swift_error
from pocketstack.api.s3.xmlio import iso_date, swift_listing_time
from pocketstack.core.objects.model import ListQuery, ObjectInfo

MAX_KEYS = 1000
# Above every other code point: a Swift marker that skips every name under a common prefix.
_AFTER_ALL = "\U0010ffff"


def max_keys_of(req: S3Request, name: str = "max-keys", cap: int = MAX_KEYS) -> int:
    text = req.query.get(name)
    if text is None:
        return cap
    try:
        value = int(text)
    except ValueError:
        raise S3Error("InvalidArgument", f"Provided {name} not an integer or within integer range") from None
    if value < 0:
        raise S3Error("InvalidArgument", f"Argument {name} must be an integer between 0 and 2147483647")
    return min(value, cap)


def encoder_of(req: S3Request) -> tuple[str | None, Any]:
    kind = req.query.get("encoding-type")
    if kind is None:
        return None, lambda text: text
    if kind != "url":
        raise S3Error("InvalidArgument", "Invalid Encoding Method specified in Request")
    return "url", lambda text: None if text is None else quote(text, safe="/")


async def swift_page(
    req: S3Request, container: str, prefix: str, delimiter: str | None, marker: str, limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit`` entries after ``marker``: objects and, with a delimiter, rolled-up
    prefixes (``{"subdir": ...}``), as S3 counts them."""
    query = {"format": "json", "prefix": prefix, "limit": str(limit)}
    swift_marker = marker
    if delimiter and marker.endswith(delimiter) and marker.startswith(prefix):
        swift_marker = marker + _AFTER_ALL
    if swift_marker:
        query["marker"] = swift_marker
    if delimiter:
        query["delimiter"] = delimiter
    resp = await req.swift.call("GET", container, query=query)
    if resp.status == 204:
        return []
    if resp.status >= 300:
        raise swift_error(resp.status, resp.body, bucket=container)
    entries = [e for e in json.loads(resp.body or b"[]") if e.get("subdir") != marker]
    if any("hash" in e for e in entries):
        list_query = ListQuery(prefix=prefix, delimiter=delimiter, marker=swift_marker, limit=limit)
        etags = await run_in_threadpool(_multipart_etags, req, container, list_query)
        for entry in entries:
            if entry.get("name") in etags:
                entry["s3_etag"] = etags[entry["name"]]
    return entries


def _multipart_etags(req: S3Request, container: str, query: ListQuery) -> dict[str, str]:
    """COMPAT: Swift's listing shows a large object's Swift ETag; S3 lists a completed multipart
    upload's own, which only the core's record of the manifest keeps (in sysmeta)."""
    found = {}
    for item in req.objects.list_objects(req.swift.project_id, container, query):
        if isinstance(item, ObjectInfo) and item.slo_manifest is not None:
            etag = {k.lower(): v for k, v in item.headers.items()}.get(S3_ETAG_SYSMETA.lower())
            if etag:
                found[item.name] = etag
    return found


def _contents(
    req: S3Request, entry: dict[str, Any], encode: Any, with_owner: bool
) -> list[tuple[str, object]]:
    modified = swift_listing_time(entry["last_modified"]) if entry.get("last_modified") else 0.0
    fields: list[tuple[str, object]] = [
        ("Key", encode(entry["name"])),
        ("LastModified", iso_date(modified)),
        ("ETag", f'"{entry.get("s3_etag") or entry.get("hash", "")}"'),
        ("Size", entry.get("bytes", 0)),
    ]
    if with_owner:
        fields.append(("Owner", owner(req)))
    fields.append(("StorageClass", "STANDARD"))
    return fields


async def _listed(
    req: S3Request, marker: str, max_keys: int, with_owner: bool
) -> tuple[list[tuple[str, object]], bool, str | None, int]:
    """(Contents and CommonPrefixes, truncated, the last name, how many)."""
    prefix = req.query.get("prefix", "")
    delimiter = req.query.get("delimiter") or None
    _, encode = encoder_of(req)
    entries = await swift_page(req, req.bucket, prefix, delimiter, marker, max_keys + 1) if max_keys else []
    truncated = len(entries) > max_keys
    entries = entries[:max_keys]
    fields: list[tuple[str, object]] = []
    for entry in entries:
        if "subdir" in entry:
            fields.append(("CommonPrefixes", [("Prefix", encode(entry["subdir"]))]))
        else:
            fields.append(("Contents", _contents(req, entry, encode, with_owner)))
    last = None
    if entries:
        last = entries[-1].get("subdir") or entries[-1]["name"]
    return fields, truncated, last, len(entries)


def _head_fields(req: S3Request) -> tuple[list[tuple[str, object]], Any]:
    kind, encode = encoder_of(req)
    fields: list[tuple[str, object]] = [
        ("Name", req.bucket),
        ("Prefix", encode(req.query.get("prefix", ""))),
    ]
    return fields, encode


async def list_objects(req: S3Request) -> Response:
    max_keys = max_keys_of(req)
    marker = req.query.get("marker", "")
    body, truncated, last, _ = await _listed(req, marker, max_keys, with_owner=True)
    fields, encode = _head_fields(req)
    fields += [("Marker", encode(marker)), ("MaxKeys", max_keys)]
    delimiter = req.query.get("delimiter")
    if delimiter:
        fields.append(("Delimiter", encode(delimiter)))
    fields.append(("IsTruncated", truncated))
    if truncated and delimiter:
        fields.append(("NextMarker", encode(last)))
    if "encoding-type" in req.query:
        fields.append(("EncodingType", "url"))
    return xml_response("ListBucketResult", fields + body)


def _token(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode()).decode()


def _from_token(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, ValueError):
        raise S3Error("InvalidArgument", "The continuation token provided is incorrect") from None


async def list_objects_v2(req: S3Request) -> Response:
    max_keys = max_keys_of(req)
    token = req.query.get("continuation-token")
    start_after = req.query.get("start-after", "")
    marker = _from_token(token) if token is not None else start_after
    with_owner = req.query.get("fetch-owner", "false").lower() == "true"
    body, truncated, last, count = await _listed(req, marker, max_keys, with_owner)
    fields, encode = _head_fields(req)
    delimiter = req.query.get("delimiter")
    if delimiter:
        fields.append(("Delimiter", encode(delimiter)))
    fields += [("MaxKeys", max_keys), ("KeyCount", count), ("IsTruncated", truncated)]
    if token is not None:
        fields.append(("ContinuationToken", token))
    if truncated and last is not None:
        fields.append(("NextContinuationToken", _token(last)))
    if start_after:
        fields.append(("StartAfter", encode(start_after)))
    if "encoding-type" in req.query:
        fields.append(("EncodingType", "url"))
    return xml_response("ListBucketResult", fields + body)
