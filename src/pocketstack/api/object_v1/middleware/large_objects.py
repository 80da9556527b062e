"""Serving a large object (SLO or DLO) once its segments are known: the manifest's
conditionals against the large object's ETag, ranges across segments (one range: 206; several:
multipart/byteranges), and the segments' bytes streamed in order as the layer below reads them.

A segment that is missing or changed before the response starts is a 409, as Swift answers;
after it has started the response is cut (SegmentError), since its status is already sent."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

from starlette.types import ASGIApp, Scope, Send

from pocketstack.api.object_v1.body import multipart
from pocketstack.api.object_v1.caller import INTERNAL_KEY
from pocketstack.api.object_v1.errors import status_page
from pocketstack.api.object_v1.headers import parse_http_date, precondition
from pocketstack.api.object_v1.middleware.ranges import Piece, Segment, content_range, parse_range, pieces
from pocketstack.api.object_v1.middleware.swift_http import header, normalize_etag, raw_headers, send_response
from pocketstack.api.object_v1.subrequest import GRANT_CONTAINER_KEY, SubrequestBroken, stream_subrequest

SYSMETA_PREFIXES = ("x-object-sysmeta-", "x-object-transient-sysmeta-")
# Headers of the manifest's own response that do not describe the large object.
NOT_PASSED_ON = frozenset(
    {"content-length", "content-range", "etag", "accept-ranges", "transfer-encoding", "connection"}
)

PieceReader = Callable[[Piece], AbstractAsyncContextManager[AsyncIterator[bytes]]]


class SegmentError(Exception):
    """A segment is missing, unreadable, or not what its manifest says."""


@dataclass(frozen=True)
class LargeObject:
    segments: Sequence[Segment]
    etag: str  # unquoted
    size: int
    headers: Mapping[str, str]  # the manifest's response headers (lower case)


def response_headers(manifest_headers: Mapping[str, str], etag: str, internal: bool) -> dict[str, str]:
    """The manifest's headers for the large object. The layers ask for them with internal
    requests, which see system metadata: only an internal request's answer keeps it."""
    out = {
        k: v
        for k, v in manifest_headers.items()
        if k not in NOT_PASSED_ON and (internal or not k.startswith(SYSMETA_PREFIXES))
    }
    out["etag"] = f'"{etag}"'
    out["accept-ranges"] = "bytes"
    return out


def precondition_status(scope: Scope, etag: str, last_modified: str | None) -> int | None:
    """304 or 412 when the request's conditionals say so, else None (as for any object)."""
    modified = parse_http_date(last_modified)
    return precondition(etag, None if modified is None else int(modified), lambda name: header(scope, name))


async def serve(
    scope: Scope, send: Send, large: LargeObject, read: PieceReader, part: int | None = None
) -> None:
    """Answer a GET or HEAD of a large object (or of its segment number ``part``, from 1)."""
    head = scope["method"] == "HEAD"
    headers = response_headers(large.headers, large.etag, bool(scope.get(INTERNAL_KEY)))
    status = precondition_status(scope, large.etag, headers.get("last-modified"))
    if status is not None:
        body = b"" if status == 304 else status_page(status)
        await send_response(send, status, body, headers, head=head or status == 304, content_type="text/html")
        return
    if part is not None:
        headers["x-parts-count"] = str(len(large.segments))
        if part > len(large.segments):
            headers["content-range"] = f"bytes */{large.size}"
            body = b"The requested part number is not satisfiable"
            await send_response(send, 416, body, headers, head=head)
            return
        start = sum(seg.length for seg in large.segments[: part - 1])
        ranges: list[tuple[int, int]] | None = [(start, start + large.segments[part - 1].length)]
    else:
        ranges = parse_range(header(scope, "range"), large.size)
    if ranges == []:
        headers["content-range"] = f"bytes */{large.size}"
        await send_response(send, 416, status_page(416), headers, head=head, content_type="text/html")
        return
    if ranges is None or len(ranges) == 1:
        start, stop = ranges[0] if ranges else (0, large.size)
        status = 206 if ranges else 200
        if ranges:
            headers["content-range"] = content_range(start, stop, large.size)
        headers["content-length"] = str(stop - start)
        await _send(send, status, headers, head, [(b"", list(pieces(large.segments, start, stop)))], read)
        return
    framed, headers["content-type"] = multipart(
        [(start, stop - start) for start, stop in ranges],
        large.size,
        headers.get("content-type", "application/octet-stream"),
    )
    parts = [(p.before, list(pieces(large.segments, p.offset, p.offset + p.length))) for p in framed]
    closing = framed[-1].after
    length = sum(p.size for p in framed)
    headers["content-length"] = str(length)
    await _send(send, 206, headers, head, parts, read, closing)


async def _send(
    send: Send,
    status: int,
    headers: dict[str, str],
    head: bool,
    parts: list[tuple[bytes, list[Piece]]],
    read: PieceReader,
    closing: bytes = b"",
) -> None:
    start = {"type": "http.response.start", "status": status, "headers": raw_headers(headers)}
    if head:
        await send(start)
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    started = False
    for prefix, part_pieces in parts:
        for piece in part_pieces:
            try:
                async with read(piece) as chunks:
                    # Swift checks the first segment before it answers, so a broken first
                    # segment is a 409 rather than a cut response.
                    first = await anext(chunks, b"")
                    if not started:
                        await send(start)
                        started = True
                    if prefix:
                        await send({"type": "http.response.body", "body": prefix, "more_body": True})
                        prefix = b""
                    await _send_counted(send, first, chunks, piece)
            except (SegmentError, SubrequestBroken):
                if started:
                    raise
                await send_response(send, 409, status_page(409), content_type="text/html")
                return
    if not started:
        await send(start)
    await send({"type": "http.response.body", "body": closing, "more_body": False})


async def _send_counted(send: Send, first: bytes, chunks: AsyncIterator[bytes], piece: Piece) -> None:
    expected = piece.stop - piece.start
    sent = 0
    chunk = first
    while chunk:
        sent += len(chunk)
        if sent > expected:
            raise SegmentError(f"{piece.segment.path}: longer than its manifest says")
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
        chunk = await anext(chunks, b"")
    if sent != expected:
        raise SegmentError(f"{piece.segment.path}: {sent} bytes read, {expected} expected")


def piece_reader(
    app_for: Callable[[Segment], ASGIApp], scope: Scope, account_path: str, headers: Mapping[str, str] = {}
) -> PieceReader:
    """Reads each piece with a GET through the app ``app_for`` picks for its segment (a Range
    unless the whole segment object is wanted), checking status, ETag and length."""

    @asynccontextmanager
    async def read(piece: Piece) -> AsyncIterator[AsyncIterator[bytes]]:
        seg = piece.segment
        if seg.data is not None:
            yield _once(seg.data[piece.start : piece.stop])
            return
        limit = scope.get(GRANT_CONTAINER_KEY)
        if limit is not None and (seg.path or "").lstrip("/").split("/", 1)[0] != limit:
            # COMPAT: Swift's container-scoped TempURL authorizes that container only.
            raise SegmentError(f"{seg.path}: outside the container the request was granted")
        wanted = dict(headers)
        if not piece.whole:
            wanted["range"] = f"bytes={piece.start}-{piece.stop - 1}"
        path = f"{account_path}/{(seg.path or '').lstrip('/')}"
        async with stream_subrequest(app_for(seg), scope, "GET", path, headers=wanted) as resp:
            if resp.status not in (200, 206) or resp.chunks is None:
                raise SegmentError(f"{seg.path}: {resp.status}")
            if seg.etag and normalize_etag(resp.headers.get("etag")) != seg.etag:
                raise SegmentError(f"{seg.path}: ETag changed")
            if resp.status == 200 and not piece.whole:
                yield _slice(resp.chunks, piece.start, piece.stop - piece.start)
            else:
                yield resp.chunks

    return read


async def _once(data: bytes) -> AsyncIterator[bytes]:
    if data:
        yield data


async def _slice(chunks: AsyncIterator[bytes], skip: int, take: int) -> AsyncIterator[bytes]:
    async for chunk in chunks:
        if skip >= len(chunk):
            skip -= len(chunk)
            continue
        chunk = chunk[skip : skip + take]
        skip = 0
        take -= len(chunk)
        if chunk:
            yield chunk
        if take <= 0:
            return
