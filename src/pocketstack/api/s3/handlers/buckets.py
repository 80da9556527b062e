"""Buckets (Swift containers of the caller's project): list, create, head, delete, location,
and the read-only answers for ACL and versioning clients ask for."""

from __future__ import annotations

import json
import re

from starlette.responses import Response

from pocketstack.api.s3.errors import S3Error
from pocketstack.api.s3.handlers.objects import head_swift_object
from pocketstack.api.s3.request import SEGMENTS_SUFFIX, S3Request
from pocketstack.api.s3.translate import swift_error
from pocketstack.api.s3.uploads import all_entries
from pocketstack.api.s3.xmlio import iso_date, parse, render, render_text, swift_listing_time

XML = "application/xml"
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
_IP_ADDRESS = re.compile(r"^\d+\.\d+\.\d+\.\d+$")


def xml_response(root: str, fields: list[tuple[str, object]], status: int = 200) -> Response:
    return Response(render(root, fields), status, media_type=XML)


def owner(req: S3Request) -> list[tuple[str, object]]:
    return [("ID", req.ctx.project_id), ("DisplayName", req.ctx.project_name or req.ctx.project_id)]


def check_bucket_name(name: str) -> None:
    if not _BUCKET_NAME.match(name) or ".." in name or _IP_ADDRESS.match(name):
        raise S3Error("InvalidBucketName", BucketName=name)


async def require_bucket(req: S3Request, bucket: str | None = None) -> dict[str, str]:
    """The bucket's Swift headers; NoSuchBucket when it is missing."""
    name = bucket or req.bucket
    resp = await req.swift.call("HEAD", name)
    if resp.status >= 300:
        raise swift_error(resp.status, resp.body, bucket=name)
    return resp.headers


async def list_buckets(req: S3Request) -> Response:
    buckets: list[tuple[str, object]] = []
    marker = ""
    while True:
        resp = await req.swift.call("GET", query={"format": "json", "marker": marker})
        if resp.status >= 300:
            raise swift_error(resp.status, resp.body)
        entries = json.loads(resp.body or b"[]") if resp.status == 200 else []
        for entry in entries:
            if entry["name"].endswith(SEGMENTS_SUFFIX):
                continue
            created = entry.get("last_modified")
            when = swift_listing_time(created) if created else 0.0
            buckets.append(("Bucket", [("Name", entry["name"]), ("CreationDate", iso_date(when))]))
        if not entries:
            break
        marker = entries[-1]["name"]
    return xml_response("ListAllMyBucketsResult", [("Owner", owner(req)), ("Buckets", buckets)])


async def create_bucket(req: S3Request) -> Response:
    check_bucket_name(req.bucket)
    body = await req.body.read(64 * 1024)
    if body.strip():
        try:
            parse(body, "CreateBucketConfiguration")
        except ValueError:
            raise S3Error("MalformedXML") from None
    existing = await req.swift.call("HEAD", req.bucket)
    if existing.status < 300:
        raise S3Error("BucketAlreadyOwnedByYou", BucketName=req.bucket)
    resp = await req.swift.call("PUT", req.bucket)
    if resp.status == 202:
        raise S3Error("BucketAlreadyOwnedByYou", BucketName=req.bucket)
    if resp.status >= 300:
        raise swift_error(resp.status, resp.body, bucket=req.bucket)
    return Response(b"", 200, headers={"Location": "/" + req.bucket})


async def head_bucket(req: S3Request) -> Response:
    await require_bucket(req)
    return Response(b"", 200, headers={"x-amz-bucket-region": req.region})


async def delete_bucket(req: S3Request) -> Response:
    resp = await req.swift.call("DELETE", req.bucket)
    if resp.status >= 300:
        raise swift_error(resp.status, resp.body, bucket=req.bucket)
    await _drop_segments(req)
    return Response(b"", 204)


async def _drop_segments(req: S3Request) -> None:
    """The emptied bucket's leftover parts (uploads never completed nor aborted) go with it."""
    names = [entry["name"] async for entry in all_entries(req, req.segments, "")]
    for name in names:
        await req.swift.call("DELETE", req.segments, name)
    await req.swift.call("DELETE", req.segments)


async def get_bucket_location(req: S3Request) -> Response:
    await require_bucket(req)
    return Response(render_text("LocationConstraint", req.region), media_type=XML)


async def get_acl(req: S3Request) -> Response:
    """COMPAT: the one ACL pocketstack serves, the owner's full control (PUT ?acl is 501)."""
    if req.target.key is not None:
        await head_swift_object(req)
    else:
        await require_bucket(req)
    grantee = [("ID", req.ctx.project_id), ("DisplayName", req.ctx.project_name or req.ctx.project_id)]
    grant = [("Grantee", grantee), ("Permission", "FULL_CONTROL")]
    body = render("AccessControlPolicy", [("Owner", owner(req)), ("AccessControlList", [("Grant", grant)])])
    body = body.replace(
        b"<Grantee>",
        b'<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">',
    )
    return Response(body, media_type=XML)


async def get_versioning(req: S3Request) -> Response:
    """Versioning is never enabled through S3: an empty configuration says so."""
    await require_bucket(req)
    return xml_response("VersioningConfiguration", [])
