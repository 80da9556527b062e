"""Objects: PutObject, GetObject, HeadObject, DeleteObject (Swift objects of the bucket)."""

from __future__ import annotations

import json

from starlette.responses import Response, StreamingResponse

from pocketstack.api.object_v1.subrequest import SubResponse
from pocketstack.api.s3 import conditions
from pocketstack.api.s3.errors import S3Error
from pocketstack.api.s3.request import S3Request
from pocketstack.api.s3.sigv4 import STREAMING
from pocketstack.api.s3.translate import (
    DEFAULT_CONTENT_TYPE,
    KEPT_HEADERS,
    content_md5_etag,
    etag_of,
    object_headers,
    swift_error,
)
from pocketstack.api.s3.xmlio import parse_http_date

MAX_KEY_BYTES = 1024
# GetObject's response-* parameters and the header each one sets.
_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-language": "Content-Language",
    "response-expires": "Expires",
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}


def check_key(key: str) -> None:
    if len(key.encode()) > MAX_KEY_BYTES:
        raise S3Error("KeyTooLongError", Size=str(len(key.encode())), MaxSizeAllowed=str(MAX_KEY_BYTES))


def content_length(req: S3Request) -> str:
    """The length of the data the client sends (decoded, for aws-chunked)."""
    if req.body.payload_hash in STREAMING:
        length = req.header("x-amz-decoded-content-length")
    else:
        length = req.header("content-length")
    if length is None or not length.isdigit():
        raise S3Error("MissingContentLength")
    return length


def stored_headers(req: S3Request) -> dict[str, str]:
    """What the client asks to keep with the object: Content-Type, metadata, kept headers."""
    headers = {"Content-Type": req.header("content-type") or DEFAULT_CONTENT_TYPE, **req.user_meta()}
    for name in KEPT_HEADERS:
        value = req.header(name)
        if name == "content-encoding" and value is not None:
            # COMPAT: "aws-chunked" says how the body travels, not how the object is encoded.
            value = ",".join(v for v in (p.strip() for p in value.split(",")) if v and v != "aws-chunked")
        if value:
            headers[name.title()] = value
    return headers


async def put_data(req: S3Request, container: str, obj: str, headers: dict[str, str]) -> SubResponse:
    """PUT the client's body; nothing is stored unless every check on it holds."""
    headers = {**headers, "Content-Length": content_length(req)}
    md5 = content_md5_etag(req.header("content-md5"))
    if md5 is not None:
        headers["ETag"] = md5
    resp = await req.swift.call("PUT", container, obj, headers=headers, body=req.body.chunks())
    if req.body.failure is not None:
        raise req.body.failure
    if resp.status >= 300:
        raise swift_error(resp.status, resp.body, bucket=container)
    return resp


async def put_object(req: S3Request) -> Response:
    check_key(req.key)
    headers = stored_headers(req)
    if req.header("if-none-match") is not None:
        if req.header("if-none-match") != "*":
            raise S3Error("NotImplemented", "Only If-None-Match: * is implemented for PutObject.")
        headers["If-None-Match"] = "*"  # a write that must not replace an object (412 otherwise)
    resp = await put_data(req, req.bucket, req.key, headers)
    return Response(b"", 200, headers={"ETag": etag_of(resp.headers)})


async def missing(req: S3Request, status: int, body: bytes) -> S3Error:
    """A Swift 404 about the key: NoSuchBucket when the bucket is what is missing."""
    if status == 404:
        bucket = await req.swift.call("HEAD", req.bucket)
        if bucket.status == 404:
            return S3Error("NoSuchBucket", BucketName=req.bucket)
    return swift_error(status, body, bucket=req.bucket, key=req.key)


async def head_swift_object(req: S3Request) -> SubResponse:
    resp = await req.swift.call("HEAD", req.bucket, req.key)
    if resp.status >= 300:
        raise await missing(req, resp.status, resp.body)
    return resp


def _precondition(req: S3Request, headers: dict[str, str]) -> int | None:
    return conditions.check(
        etag_of(headers),
        parse_http_date(headers.get("last-modified", "")),
        if_match=req.header("if-match"),
        if_none_match=req.header("if-none-match"),
        if_modified_since=req.header("if-modified-since"),
        if_unmodified_since=req.header("if-unmodified-since"),
    )


def _failed(outcome: int, headers: dict[str, str]) -> Response:
    if outcome == 412:
        raise S3Error("PreconditionFailed", Condition="If-Match")
    kept = {k: v for k, v in object_headers(headers).items() if k in ("ETag", "Last-Modified")}
    return Response(b"", 304, headers=kept)


async def head_object(req: S3Request) -> Response:
    resp = await head_swift_object(req)
    outcome = _precondition(req, resp.headers)
    if outcome is not None:
        return _failed(outcome, resp.headers)
    headers = object_headers(resp.headers)
    headers.pop("Content-Range", None)
    return Response(b"", 200, headers=headers)


def _range_header(req: S3Request) -> dict[str, str]:
    text = req.header("range")
    # COMPAT: S3 serves one range; a list of them gets the whole object.
    if text is None or "," in text:
        return {}
    return {"Range": text}


async def get_object(req: S3Request) -> Response:
    resp = await req.swift.open("GET", req.bucket, req.key, headers=_range_header(req))
    if resp.status >= 300:
        body = await resp.read()
        raise await missing(req, resp.status, body)
    outcome = _precondition(req, resp.headers)
    if outcome is not None:
        await resp.close()
        return _failed(outcome, resp.headers)
    headers = object_headers(resp.headers)
    for param, header in _OVERRIDES.items():
        if param in req.query:
            headers[header] = req.query[param]
    return StreamingResponse(resp.stream(), resp.status, headers=headers)


async def delete_swift_object(req: S3Request, key: str) -> tuple[int, bytes]:
    """DELETE the object, and a large object's segments with it: (Swift's status, body)."""
    head = await req.swift.call("HEAD", req.bucket, key)
    if head.status >= 300:
        return head.status, head.body
    if head.headers.get("x-static-large-object", "").lower() != "true":
        resp = await req.swift.call("DELETE", req.bucket, key)
        return resp.status, resp.body
    query = {"multipart-manifest": "delete"}
    resp = await req.swift.call(
        "DELETE", req.bucket, key, query=query, headers={"Accept": "application/json"}
    )
    try:
        status = int(str(json.loads(resp.body).get("Response Status", "500")).split()[0])
    except (ValueError, AttributeError):
        status = 500
    return status, b""


async def delete_object(req: S3Request) -> Response:
    status, body = await delete_swift_object(req, req.key)
    if status == 404:
        error = await missing(req, 404, body)
        if error.code == "NoSuchBucket":  # a missing key is no error to S3
            raise error
    elif status >= 300:
        raise swift_error(status, body, bucket=req.bucket, key=req.key)
    return Response(b"", 204)
