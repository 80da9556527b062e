"""CompleteMultipartUpload: the listed parts become the object, as a Swift static large object
whose manifest names them (the SLO layer below serves it), keeping S3's own ETag in sysmeta.
Without an SLO layer, the parts are joined into one plain object instead."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from importlib import import_module

from starlette.responses import Response

from pocketstack.api.s3.errors import S3Error
from pocketstack.api.s3.handlers.buckets import xml_response
from pocketstack.api.s3.request import S3Request
from pocketstack.api.s3.translate import KEPT_HEADERS, S3_ETAG_SYSMETA, swift_error
from pocketstack.api.s3.uploads import MAX_PART_NUMBER, Part, drop, marker_name, parts_of, upload_headers
from pocketstack.api.s3.xmlio import child_text, parse

MIN_PART_SIZE = 5 * 1024 * 1024


def requested_parts(body: bytes) -> list[tuple[int, str]]:
    """(part number, etag without quotes) in the order given; InvalidPartOrder unless ascending."""
    try:
        root = parse(body, "CompleteMultipartUpload")
    except ValueError:
        raise S3Error("MalformedXML") from None
    found: list[tuple[int, str]] = []
    for item in root.findall("Part"):
        number, etag = child_text(item, "PartNumber"), child_text(item, "ETag")
        if number is None or etag is None or not number.strip().isdigit():
            raise S3Error("MalformedXML")
        if not 1 <= int(number) <= MAX_PART_NUMBER:
            raise S3Error("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive")
        found.append((int(number), etag.strip().strip('"')))
    if not found:
        raise S3Error("MalformedXML", "You must specify at least one part")
    if any(a[0] >= b[0] for a, b in zip(found, found[1:], strict=False)):
        raise S3Error("InvalidPartOrder")
    return found


def chosen_parts(requested: list[tuple[int, str]], stored: list[Part]) -> list[Part]:
    """The stored parts the request names, checked: InvalidPart, EntityTooSmall."""
    by_number = {p.number: p for p in stored}
    chosen = []
    for number, etag in requested:
        part = by_number.get(number)
        if part is None or part.etag != etag:
            raise S3Error("InvalidPart", UploadId="", PartNumber=str(number), ETag=etag)
        chosen.append(part)
    for part in chosen[:-1]:
        if part.size < MIN_PART_SIZE:
            raise S3Error(
                "EntityTooSmall",
                ProposedSize=str(part.size),
                MinSizeAllowed=str(MIN_PART_SIZE),
                PartNumber=str(part.number),
                ETag=part.etag,
            )
    return chosen


def multipart_etag(parts: list[Part]) -> str:
    digest = hashlib.md5(b"".join(bytes.fromhex(p.etag) for p in parts)).hexdigest()
    return f"{digest}-{len(parts)}"


def _object_metadata(marker: dict[str, str]) -> dict[str, str]:
    """What the upload was created with, kept on its marker, for the completed object."""
    headers = {"Content-Type": marker.get("content-type", "binary/octet-stream")}
    for name, value in marker.items():
        if name.startswith("x-object-meta-") or name in KEPT_HEADERS:
            headers[name.title() if name in KEPT_HEADERS else name] = value
    return headers


def slo_available() -> bool:
    module = import_module("pocketstack.api.object_v1.middleware.slo")
    return bool(getattr(module, "SWIFT_INFO", None))


async def _write_manifest(req: S3Request, parts: list[Part], headers: dict[str, str]) -> int:
    manifest = [{"path": f"/{req.segments}/{p.name}", "etag": p.etag, "size_bytes": p.size} for p in parts]
    body = json.dumps(manifest).encode()
    headers = {**headers, "Content-Length": str(len(body))}
    query = {"multipart-manifest": "put"}
    resp = await req.swift.call("PUT", req.bucket, req.key, query=query, headers=headers, body=body)
    return resp.status if resp.status < 300 else _raise(req, resp.status, resp.body)


async def _write_joined(req: S3Request, parts: list[Part], headers: dict[str, str]) -> int:
    async def data() -> AsyncIterator[bytes]:
        for part in parts:
            source = await req.swift.open("GET", req.segments, part.name)
            if source.status >= 300:
                await source.close()
                raise S3Error("InvalidPart", PartNumber=str(part.number))
            async for chunk in source.stream():
                yield chunk

    headers = {**headers, "Content-Length": str(sum(p.size for p in parts))}
    resp = await req.swift.call("PUT", req.bucket, req.key, headers=headers, body=data())
    return resp.status if resp.status < 300 else _raise(req, resp.status, resp.body)


def _raise(req: S3Request, status: int, body: bytes) -> int:
    raise swift_error(status, body, bucket=req.bucket)


async def complete_multipart_upload(req: S3Request) -> Response:
    upload_id = req.query["uploadId"]
    requested = requested_parts(await req.body.read(1024 * 1024))
    marker = await upload_headers(req, upload_id)
    stored = await parts_of(req, upload_id)
    try:
        parts = chosen_parts(requested, stored)
    except S3Error as e:
        if "UploadId" in e.extra:
            e.extra["UploadId"] = upload_id
        raise
    etag = multipart_etag(parts)
    headers = {**_object_metadata(marker), S3_ETAG_SYSMETA: etag}
    # COMPAT: an SLO segment holds at least a byte; S3's (last) part may be empty.
    kept = [p for p in parts if p.size > 0]
    if slo_available() and kept:
        await _write_manifest(req, kept, headers)
        unused = [p.name for p in stored if p not in kept]
    else:
        await _write_joined(req, parts, headers)
        unused = [p.name for p in stored]
    await drop(req, unused)
    await drop(req, [marker_name(req.key, upload_id)])
    fields: list[tuple[str, object]] = [
        ("Location", f"/{req.bucket}/{req.key}"),
        ("Bucket", req.bucket),
        ("Key", req.key),
        ("ETag", f'"{etag}"'),
    ]
    return xml_response("CompleteMultipartUploadResult", fields)
