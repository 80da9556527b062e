"""Image v2 data: ``PUT``/``GET /v2/images/{image_id}/file`` and ``PUT .../stage``.

Uploads stream: the body is copied into a few reused buffers of the core's transfer, whose
threads hash and write each while the next is received, so an image never sits in memory
whole. Downloads stream from the store's open file, read a chunk ahead of the socket, or are
left to the server when it sends files itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from pocketstack.api.common.responses import empty_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.core.errors import BadRequest, PocketstackError, UnsupportedMediaType
from pocketstack.core.image import access
from pocketstack.core.image.pipeline import StreamingTransfer
from pocketstack.imagestore.base import DataReader

OCTET_STREAM = "application/octet-stream"


class RangeNotSatisfiable(PocketstackError):
    status = 416
    code = "image.data.range_not_satisfiable"

    def __init__(self, message: str, size: int) -> None:
        super().__init__(message)
        self.headers = {"Content-Range": f"bytes */{size}"}


# -- upload and stage -----------------------------------------------------------------------


def _require_octet_stream(req: ApiRequest) -> None:
    content_type = req.headers.get("content-type")
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type != OCTET_STREAM:
        raise UnsupportedMediaType(f"Invalid content type {content_type}")


def _declared_size(req: ApiRequest) -> int | None:
    """``x-openstack-image-size`` when given (the data must match it), else Content-Length."""
    raw = req.headers.get("x-openstack-image-size", req.headers.get("content-length"))
    if raw is None:
        return None
    if not raw.strip().isdigit():
        raise BadRequest("Invalid or missing image size in request headers.")
    return int(raw)


async def _stream_into(req: ApiRequest, transfer: StreamingTransfer) -> None:
    """Feed the request body to ``transfer`` and finish it; on any failure (a cut connection
    too) abort it, which removes the data and puts the image back to ``queued``.

    The transfer's threads hash and write each piece while the next ones are received; when
    they are behind, this waits (and so does the client: the body is not read meanwhile)."""
    step = transfer.piece_size
    try:
        async for chunk in req.request.stream():
            view = memoryview(chunk)
            for start in range(0, len(view), step):  # a body may also come as one chunk
                wait = transfer.room()
                if wait is not None:
                    await asyncio.wrap_future(wait)
                transfer.feed(view[start : start + step])
        await run_in_threadpool(transfer.finish)
    except BaseException as exc:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(transfer.abort)  # waits for the writes under way
        if isinstance(exc, ClientDisconnect):
            raise BadRequest("The connection closed before all the image data arrived.") from None
        raise


async def _load(req: ApiRequest):  # noqa: ANN202 - an Image
    image = await run_in_threadpool(req.cloud.image_data.get, req.ctx, req.params["image_id"])
    req.enforce(access.target(image))
    return image


async def upload_image_file(req: ApiRequest) -> Response:
    _require_octet_stream(req)
    declared = _declared_size(req)
    image = await _load(req)
    store_id = req.headers.get("x-image-meta-store")
    transfer = await run_in_threadpool(req.cloud.image_data.begin_upload, image, store_id, declared)
    await _stream_into(req, transfer)
    return empty_response(204)


async def stage_image_data(req: ApiRequest) -> Response:
    _require_octet_stream(req)
    declared = _declared_size(req)
    image = await _load(req)
    transfer = await run_in_threadpool(req.cloud.image_data.begin_stage, image, declared)
    await _stream_into(req, transfer)
    return empty_response(204)


# -- download -------------------------------------------------------------------------------


def parse_range(header: str | None) -> Callable[[int], tuple[int, int]] | None:
    """A single ``bytes=`` range as a function of the data size -> (offset, length), after
    Glance (webob): ``a-b``, ``a-`` and ``-n``; several ranges are a 400, a malformed one or a
    start past the end a 416."""
    if header is None:
        return None
    if "," in header:
        raise BadRequest(
            "Requests with multiple ranges are not supported in Glance. "
            "You may make multiple single-range requests instead."
        )
    unit, _, spec = header.strip().partition("=")
    first, dash, last = spec.strip().partition("-")
    first, last = first.strip(), last.strip()
    valid = (
        unit.strip().lower() == "bytes"
        and dash
        and (first.isdigit() or (not first and last.isdigit()))
        and (not last or last.isdigit())
        and not (first and last and int(last) < int(first))
        and not (not first and last.isdigit() and int(last) == 0)
    )

    def window(size: int) -> tuple[int, int]:
        if not valid:
            raise RangeNotSatisfiable("Invalid Range header.", size)
        if not first:  # the last N bytes (all of them when N >= size)
            start = max(size - int(last), 0)
            return start, size - start
        start = int(first)
        if start >= size:
            raise RangeNotSatisfiable(
                f"Invalid start position in Range header. Start position MUST be in the inclusive "
                f"range [0, {size - 1}].",
                size,
            )
        end = min(int(last), size - 1) if last else size - 1
        return start, end - start + 1

    return window


async def _read_ahead(reader: DataReader) -> AsyncGenerator[bytes, None]:
    """The reader's chunks, each read in a worker thread while the one before is being sent."""
    chunks = iter(reader)
    ahead = asyncio.ensure_future(run_in_threadpool(next, chunks, None))
    try:
        while (chunk := await ahead) is not None:
            ahead = asyncio.ensure_future(run_in_threadpool(next, chunks, None))
            yield chunk
    finally:
        with anyio.CancelScope(shield=True):
            await asyncio.gather(ahead, return_exceptions=True)  # never close under a read


class DataResponse(StreamingResponse):
    """Image data from an open reader. A server that sends files itself (the ASGI
    ``http.response.pathsend`` extension, zero-copy) gets the file when the whole of it is
    wanted; otherwise it is read a chunk ahead of the socket. HEAD reads nothing."""

    def __init__(self, reader: DataReader, status_code: int, headers: dict[str, str], whole: bool) -> None:
        self.chunks = _read_ahead(reader)
        super().__init__(self.chunks, status_code, headers)
        self.reader = reader
        self.whole = whole

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            path = self.reader.source_path if self.whole else None
            if scope.get("method") == "HEAD":
                await self._send_start(send)
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            elif path is not None and "http.response.pathsend" in scope.get("extensions", {}):
                await self._send_start(send)
                await send({"type": "http.response.pathsend", "path": path})
            else:
                await super().__call__(scope, receive, send)
        finally:
            await self.chunks.aclose()
            self.reader.close()

    async def _send_start(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})


def download_image_file(req: ApiRequest) -> Response:
    image = req.cloud.image_data.get(req.ctx, req.params["image_id"])
    req.enforce(access.target(image))
    window = parse_range(req.headers.get("range"))
    download = req.cloud.image_data.download(req.ctx, image, window)
    if download is None:
        return empty_response(204)
    headers = {"Content-Type": OCTET_STREAM, "Content-Length": str(download.length)}
    if window is None:
        if download.checksum:
            headers["Content-MD5"] = download.checksum  # COMPAT: Glance sends the hex md5
        return DataResponse(download.reader, 200, headers, whole=True)
    # The md5 of the whole image would not describe a part of it, so a 206 carries none.
    end = download.offset + download.length - 1
    headers["Content-Range"] = f"bytes {download.offset}-{end}/{download.size}"
    return DataResponse(download.reader, 206, headers, whole=False)


ROUTES: list[Endpoint] = [
    Endpoint("PUT", "/v2/images/{image_id}/file", upload_image_file, "image:images:upload", stream=True),
    Endpoint("GET", "/v2/images/{image_id}/file", download_image_file, "image:images:download"),
    Endpoint("PUT", "/v2/images/{image_id}/stage", stage_image_data, "image:images:import", stream=True),
]
