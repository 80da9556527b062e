"""Swift's answers in S3's words: error statuses as S3 codes, object headers both ways."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from pocketstack.api.s3.errors import S3Error
from pocketstack.api.s3.xmlio import http_date, parse_http_date

S3_ETAG_SYSMETA = "X-Object-Sysmeta-S3-Etag"
# Headers an object keeps and gives back as they are, in both APIs.
KEPT_HEADERS = ("cache-control", "content-disposition", "content-encoding", "content-language", "expires")
DEFAULT_CONTENT_TYPE = "binary/octet-stream"


def swift_error(status: int, body: bytes, *, bucket: str | None = None, key: str | None = None) -> S3Error:
    """The S3 error for a failed Swift answer about ``bucket`` (and ``key``, when given)."""
    text = body.decode("utf-8", "replace")
    if status == 404:
        if key is not None:
            return S3Error("NoSuchKey", Key=key)
        return S3Error("NoSuchBucket", BucketName=bucket or "")
    if status in (401, 403):
        return S3Error("AccessDenied")
    if status == 409:
        return S3Error("BucketNotEmpty", BucketName=bucket or "")
    if status == 411:
        return S3Error("MissingContentLength")
    if status == 412:
        return S3Error("PreconditionFailed", Condition="If-Match")
    if status == 413:
        return S3Error("QuotaExceeded") if "quota" in text.lower() else S3Error("EntityTooLarge")
    if status == 416:
        return S3Error("InvalidRange")
    if status == 422:
        return S3Error("BadDigest")
    if status == 499:  # the body ended before its Content-Length
        return S3Error("IncompleteBody")
    if status == 400:
        message = text if text and not text.lstrip().startswith("<") else None
        return S3Error("InvalidArgument", message)
    return S3Error("InternalError")


def etag_of(headers: Mapping[str, str]) -> str:
    """The object's S3 ETag, quoted: a completed multipart upload's own, else Swift's md5."""
    found = headers.get(S3_ETAG_SYSMETA.lower()) or headers.get("etag", "")
    found = found.strip('"')
    return f'"{found}"'


def object_headers(swift: Mapping[str, str]) -> dict[str, str]:
    """What S3 answers a GET or HEAD of an object with, from Swift's answer."""
    out: dict[str, str] = {"ETag": etag_of(swift), "Accept-Ranges": "bytes"}
    for name, value in swift.items():
        if name.startswith("x-object-meta-"):
            out["x-amz-meta-" + name[len("x-object-meta-") :]] = value
        elif name in KEPT_HEADERS or name in ("content-type", "content-length", "content-range"):
            out[name.title()] = value
    modified = parse_http_date(swift.get("last-modified", ""))
    if modified is not None:
        out["Last-Modified"] = http_date(modified)
    return out


def content_md5_etag(value: str | None) -> str | None:
    """Content-MD5 (base64) as the hex md5 Swift checks an upload's ETag against."""
    if value is None:
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise S3Error("InvalidDigest") from None
    if len(raw) != 16:
        raise S3Error("InvalidDigest")
    return raw.hex()
