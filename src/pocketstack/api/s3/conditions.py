"""S3's conditional requests, judged against the S3 ETag (a multipart object's is not Swift's):
If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, and the x-amz-copy-source-if-*
headers of a copy."""

from __future__ import annotations

from pocketstack.api.s3.errors import S3Error
from pocketstack.api.s3.xmlio import parse_http_date


def _matches(condition: str, etag: str) -> bool:
    bare = etag.strip('"')
    return any(tag.strip() in ("*", bare, f'"{bare}"') for tag in condition.split(","))


def check(
    etag: str,
    last_modified: float | None,
    *,
    if_match: str | None,
    if_none_match: str | None,
    if_modified_since: str | None,
    if_unmodified_since: str | None,
) -> int | None:
    """None when the request may go on; else 304 (not modified) or 412 (failed)."""
    modified = int(last_modified) if last_modified is not None else None
    if if_match is not None:
        if not _matches(if_match, etag):
            return 412
    elif if_unmodified_since is not None:
        since = parse_http_date(if_unmodified_since)
        if since is not None and modified is not None and modified > since:
            return 412
    if if_none_match is not None:
        if _matches(if_none_match, etag):
            return 304
    elif if_modified_since is not None:
        since = parse_http_date(if_modified_since)
        if since is not None and modified is not None and modified <= since:
            return 304
    return None


def check_copy_source(headers: dict[str, list[str]], etag: str, last_modified: float | None) -> None:
    """PreconditionFailed when a copy's source conditions do not hold (S3 answers 412 for
    every one of them, "not modified" included)."""

    def get(name: str) -> str | None:
        values = headers.get("x-amz-copy-source-" + name)
        return values[0] if values else None

    outcome = check(
        etag,
        last_modified,
        if_match=get("if-match"),
        if_none_match=get("if-none-match"),
        if_modified_since=get("if-modified-since"),
        if_unmodified_since=get("if-unmodified-since"),
    )
    if outcome is not None:
        raise S3Error("PreconditionFailed", Condition="x-amz-copy-source-If-Match")
