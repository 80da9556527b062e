"""CopyObject (PUT with x-amz-copy-source) and DeleteObjects (POST ?delete)."""

from __future__ import annotations

import base64
import hashlib
import time
from urllib.parse import quote, unquote

from starlette.responses import Response

from pocketstack.api.s3 import conditions
from pocketstack.api.s3.errors import S3Error
from pocketstack.api.s3.handlers.buckets import require_bucket, xml_response
from pocketstack.api.s3.handlers.objects import check_key, delete_swift_object, stored_headers
from pocketstack.api.s3.request import S3Request
from pocketstack.api.s3.translate import KEPT_HEADERS, etag_of, swift_error
from pocketstack.api.s3.xmlio import child_text, iso_date, parse, parse_http_date

MAX_DELETE_KEYS = 1000


def copy_source(req: S3Request) -> tuple[str, str]:
    """(bucket, key) of ``x-amz-copy-source`` ("[/]bucket/key[?versionId=...]", URL-encoded)."""
    text = req.header("x-amz-copy-source") or ""
    path, _, version = text.partition("?")
    if version and not version.startswith("versionId=null"):
        raise S3Error("NotImplemented", "Copying a version of an object is not implemented by pocketstack.")
    bucket, _, key = unquote(path).lstrip("/").partition("/")
    if not bucket or not key:
        raise S3Error(
            "InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey"
        )
    return bucket, key


async def source_headers(req: S3Request, bucket: str, key: str) -> dict[str, str]:
    """The copy source's Swift headers, once its x-amz-copy-source-if-* conditions hold."""
    resp = await req.swift.call("HEAD", bucket, key)
    if resp.status == 404:
        await require_bucket(req, bucket)
    if resp.status >= 300:
        raise swift_error(resp.status, resp.body, bucket=bucket, key=key)
    conditions.check_copy_source(
        req.headers, etag_of(resp.headers), parse_http_date(resp.headers.get("last-modified", ""))
    )
    return resp.headers


def _source_metadata(source: dict[str, str]) -> dict[str, str]:
    kept = {name.title(): source[name] for name in KEPT_HEADERS if name in source}
    meta = {
        "X-Object-Meta-" + name[len("x-object-meta-") :]: value
        for name, value in source.items()
        if name.startswith("x-object-meta-")
    }
    return {"Content-Type": source.get("content-type", "application/octet-stream"), **meta, **kept}


async def copy_object(req: S3Request) -> Response:
    check_key(req.key)
    bucket, key = copy_source(req)
    directive = (req.header("x-amz-metadata-directive") or "COPY").upper()
    if directive not in ("COPY", "REPLACE"):
        raise S3Error("InvalidArgument", "Unknown metadata directive.")
    source = await source_headers(req, bucket, key)
    if (bucket, key) == (req.bucket, req.key) and directive == "COPY":
        raise S3Error(
            "InvalidRequest",
            "This copy request is illegal because it is trying to copy an object to itself without "
            "changing the object's metadata, storage class, website redirect location or encryption "
            "attributes.",
        )
    metadata = stored_headers(req) if directive == "REPLACE" else _source_metadata(source)
    # Fresh metadata either way: S3 never merges the source's metadata with the request's. The
    # copy of a multipart object (an SLO) holds its data, as Swift's copy of one does.
    headers = {
        **metadata,
        "X-Copy-From": quote(f"/{bucket}/{key}"),
        "X-Fresh-Metadata": "true",
        "Content-Length": "0",
    }
    resp = await req.swift.call("PUT", req.bucket, req.key, headers=headers)
    if resp.status >= 300:
        raise swift_error(resp.status, resp.body, bucket=req.bucket)
    modified = parse_http_date(resp.headers.get("last-modified", "")) or time.time()
    fields: list[tuple[str, object]] = [("LastModified", iso_date(modified)), ("ETag", etag_of(resp.headers))]
    return xml_response("CopyObjectResult", fields)


def _delete_request(body: bytes) -> tuple[bool, list[str]]:
    try:
        root = parse(body, "Delete")
    except ValueError:
        raise S3Error("MalformedXML") from None
    keys = []
    for item in root.findall("Object"):
        key = child_text(item, "Key")
        if key is None:
            raise S3Error("MalformedXML")
        keys.append(key)
    if not keys or len(keys) > MAX_DELETE_KEYS:
        raise S3Error("MalformedXML")
    quiet = (child_text(root, "Quiet") or "false").strip().lower() == "true"
    return quiet, keys


async def delete_objects(req: S3Request) -> Response:
    body = await req.body.read(2 * 1024 * 1024)
    md5 = req.header("content-md5")
    if md5 is not None and base64.b64encode(hashlib.md5(body).digest()).decode() != md5.strip():
        raise S3Error("BadDigest")
    quiet, keys = _delete_request(body)
    await require_bucket(req)
    results: list[tuple[str, object]] = []
    for key in keys:
        status, answer = await delete_swift_object(req, key)
        if status < 300 or status == 404:
            if not quiet:
                results.append(("Deleted", [("Key", key)]))
            continue
        error = swift_error(status, answer, bucket=req.bucket, key=key)
        results.append(("Error", [("Key", key), ("Code", error.code), ("Message", error.message)]))
    return xml_response("DeleteResult", results)
