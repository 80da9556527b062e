"""Where a multipart upload lives in Swift. In the bucket's hidden ``<bucket>+segments``
container, an upload is a marker object ``<key>/<upload id>`` (its headers are the metadata the
completed object gets) and its parts are ``<key>/<upload id>/<part number>``."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from pocketstack.api.s3.errors import S3Error
from pocketstack.api.s3.request import S3Request
from pocketstack.api.s3.translate import swift_error

MAX_PART_NUMBER = 10000
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Part:
    number: int
    etag: str
    size: int
    last_modified: str  # as Swift's listing gives it
    name: str  # the part's object name in the segments container


def new_upload_id() -> str:
    return uuid.uuid4().hex


def marker_name(key: str, upload_id: str) -> str:
    return f"{key}/{upload_id}"


def part_name(key: str, upload_id: str, number: int) -> str:
    return f"{key}/{upload_id}/{number}"


def split_marker(name: str) -> tuple[str, str] | None:
    """(key, upload id) when ``name`` is an upload's marker, else None (a part, or other)."""
    key, sep, upload_id = name.rpartition("/")
    if sep and key and _UPLOAD_ID.match(upload_id):
        return key, upload_id
    return None


def part_number_of(req: S3Request) -> int:
    text = req.query.get("partNumber", "")
    if not text.isdigit() or not 1 <= int(text) <= MAX_PART_NUMBER:
        raise S3Error(
            "InvalidArgument", f"Part number must be an integer between 1 and {MAX_PART_NUMBER}, inclusive"
        )
    return int(text)


async def all_entries(req: S3Request, container: str, prefix: str) -> AsyncIterator[dict[str, Any]]:
    """Every listing entry of ``container`` under ``prefix``, page after page."""
    marker = ""
    while True:
        query = {"format": "json", "prefix": prefix, "marker": marker}
        resp = await req.swift.call("GET", container, query=query)
        if resp.status == 404 or resp.status == 204:
            return
        if resp.status >= 300:
            raise swift_error(resp.status, resp.body, bucket=container)
        entries = json.loads(resp.body or b"[]")
        if not entries:
            return
        for entry in entries:
            yield entry
        marker = entries[-1]["name"]


async def upload_headers(req: S3Request, upload_id: str) -> dict[str, str]:
    """The upload marker's Swift headers; NoSuchUpload when it is gone (or never was)."""
    if not _UPLOAD_ID.match(upload_id):
        raise S3Error("NoSuchUpload", UploadId=upload_id)
    resp = await req.swift.call("HEAD", req.segments, marker_name(req.key, upload_id))
    if resp.status == 404:
        bucket = await req.swift.call("HEAD", req.bucket)
        if bucket.status == 404:
            raise S3Error("NoSuchBucket", BucketName=req.bucket)
        raise S3Error("NoSuchUpload", UploadId=upload_id)
    if resp.status >= 300:
        raise swift_error(resp.status, resp.body, bucket=req.bucket)
    return resp.headers


async def parts_of(req: S3Request, upload_id: str) -> list[Part]:
    """The upload's parts in part-number order."""
    prefix = marker_name(req.key, upload_id) + "/"
    found = []
    async for entry in all_entries(req, req.segments, prefix):
        number = entry["name"][len(prefix) :]
        if number.isdigit():
            part = Part(
                int(number), entry["hash"], entry["bytes"], entry.get("last_modified", ""), entry["name"]
            )
            found.append(part)
    return sorted(found, key=lambda p: p.number)


async def drop(req: S3Request, names: list[str]) -> None:
    for name in names:
        await req.swift.call("DELETE", req.segments, name)
