"""Multipart uploads: create, upload a part (or copy one), list parts, abort, list uploads.
Completing one is ``complete.py``."""

from __future__ import annotations

import time

from starlette.responses import Response

from pocketstack.api.s3.errors import S3Error
from pocketstack.api.s3.handlers.buckets import owner, require_bucket, xml_response
from pocketstack.api.s3.handlers.copy_delete import copy_source, source_headers
from pocketstack.api.s3.handlers.listing import max_keys_of
from pocketstack.api.s3.handlers.objects import check_key, put_data, stored_headers
from pocketstack.api.s3.request import S3Request
from pocketstack.api.s3.translate import etag_of, swift_error
from pocketstack.api.s3.uploads import (
    all_entries,
    drop,
    marker_name,
    new_upload_id,
    part_name,
    part_number_of,
    parts_of,
    split_marker,
    upload_headers,
)
from pocketstack.api.s3.xmlio import iso_date, parse_http_date, swift_listing_time

PART_CONTENT_TYPE = "application/octet-stream"


async def create_multipart_upload(req: S3Request) -> Response:
    check_key(req.key)
    await require_bucket(req)
    resp = await req.swift.call("PUT", req.segments)
    if resp.status >= 300:
        raise swift_error(resp.status, resp.body, bucket=req.bucket)
    upload_id = new_upload_id()
    headers = {**stored_headers(req), "Content-Length": "0"}
    resp = await req.swift.call("PUT", req.segments, marker_name(req.key, upload_id), headers=headers)
    if resp.status >= 300:
        raise swift_error(resp.status, resp.body, bucket=req.bucket)
    fields: list[tuple[str, object]] = [("Bucket", req.bucket), ("Key", req.key), ("UploadId", upload_id)]
    return xml_response("InitiateMultipartUploadResult", fields)


async def upload_part(req: S3Request) -> Response:
    number = part_number_of(req)
    upload_id = req.query["uploadId"]
    await upload_headers(req, upload_id)
    if req.header("x-amz-copy-source") is not None:
        return await _upload_part_copy(req, upload_id, number)
    name = part_name(req.key, upload_id, number)
    resp = await put_data(req, req.segments, name, {"Content-Type": PART_CONTENT_TYPE})
    return Response(b"", 200, headers={"ETag": etag_of(resp.headers)})


def _copy_range(req: S3Request) -> dict[str, str]:
    text = req.header("x-amz-copy-source-range")
    if text is None:
        return {}
    first, _, last = text.removeprefix("bytes=").partition("-")
    if not (text.startswith("bytes=") and first.isdigit() and last.isdigit() and int(first) <= int(last)):
        raise S3Error(
            "InvalidArgument", "The x-amz-copy-source-range value must be of the form bytes=first-last"
        )
    return {"Range": text}


async def _upload_part_copy(req: S3Request, upload_id: str, number: int) -> Response:
    bucket, key = copy_source(req)
    await source_headers(req, bucket, key)
    source = await req.swift.open("GET", bucket, key, headers=_copy_range(req))
    if source.status >= 300:
        body = await source.read()
        raise (
            S3Error("InvalidRange")
            if source.status == 416
            else swift_error(source.status, body, bucket=bucket, key=key)
        )

    headers = {"Content-Type": PART_CONTENT_TYPE, "Content-Length": source.headers.get("content-length", "0")}
    name = part_name(req.key, upload_id, number)
    resp = await req.swift.call("PUT", req.segments, name, headers=headers, body=source.stream())
    if resp.status >= 300:
        raise swift_error(resp.status, resp.body, bucket=req.bucket)
    modified = parse_http_date(resp.headers.get("last-modified", "")) or time.time()
    return xml_response(
        "CopyPartResult", [("LastModified", iso_date(modified)), ("ETag", etag_of(resp.headers))]
    )


def _initiator(req: S3Request) -> list[tuple[str, object]]:
    return [("ID", req.ctx.user_id), ("DisplayName", req.ctx.user_name or req.ctx.user_id)]


async def list_parts(req: S3Request) -> Response:
    upload_id = req.query["uploadId"]
    await upload_headers(req, upload_id)
    max_parts = max_keys_of(req, "max-parts")
    after_text = req.query.get("part-number-marker", "0")
    after = int(after_text) if after_text.isdigit() else 0
    parts = [p for p in await parts_of(req, upload_id) if p.number > after]
    shown, truncated = parts[:max_parts], len(parts) > max_parts
    fields: list[tuple[str, object]] = [
        ("Bucket", req.bucket),
        ("Key", req.key),
        ("UploadId", upload_id),
        ("Initiator", _initiator(req)),
        ("Owner", owner(req)),
        ("StorageClass", "STANDARD"),
        ("PartNumberMarker", after),
        ("NextPartNumberMarker", shown[-1].number if shown else after),
        ("MaxParts", max_parts),
        ("IsTruncated", truncated),
    ]
    for p in shown:
        modified = swift_listing_time(p.last_modified) if p.last_modified else 0.0
        part = [
            ("PartNumber", p.number),
            ("LastModified", iso_date(modified)),
            ("ETag", f'"{p.etag}"'),
            ("Size", p.size),
        ]
        fields.append(("Part", part))
    return xml_response("ListPartsResult", fields)


async def abort_multipart_upload(req: S3Request) -> Response:
    upload_id = req.query["uploadId"]
    await upload_headers(req, upload_id)
    await drop(req, [p.name for p in await parts_of(req, upload_id)])
    await drop(req, [marker_name(req.key, upload_id)])
    return Response(b"", 204)


async def list_multipart_uploads(req: S3Request) -> Response:
    await require_bucket(req)
    prefix = req.query.get("prefix", "")
    key_marker = req.query.get("key-marker", "")
    id_marker = req.query.get("upload-id-marker", "")
    max_uploads = max_keys_of(req, "max-uploads")
    uploads = []
    async for entry in all_entries(req, req.segments, prefix):
        found = split_marker(entry["name"])
        if found is None or not found[0].startswith(prefix):
            continue
        if found[0] < key_marker or (found[0] == key_marker and (not id_marker or found[1] <= id_marker)):
            continue
        uploads.append((found[0], found[1], entry.get("last_modified", "")))
    uploads.sort()
    shown, truncated = uploads[:max_uploads], len(uploads) > max_uploads
    fields: list[tuple[str, object]] = [
        ("Bucket", req.bucket),
        ("KeyMarker", key_marker),
        ("UploadIdMarker", id_marker),
        ("NextKeyMarker", shown[-1][0] if truncated else None),
        ("NextUploadIdMarker", shown[-1][1] if truncated else None),
        ("Prefix", prefix),
        ("MaxUploads", max_uploads),
        ("IsTruncated", truncated),
    ]
    for key, upload_id, created in shown:
        when = swift_listing_time(created) if created else 0.0
        upload = [
            ("Key", key),
            ("UploadId", upload_id),
            ("Initiator", _initiator(req)),
            ("Owner", owner(req)),
            ("StorageClass", "STANDARD"),
            ("Initiated", iso_date(when)),
        ]
        fields.append(("Upload", upload))
    return xml_response("ListMultipartUploadsResult", fields)
