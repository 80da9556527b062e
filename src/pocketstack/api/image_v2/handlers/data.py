"""Image v2 data: ``PUT``/``GET /v2/images/{image_id}/file`` and ``PUT .../stage``.

Uploads stream: the body is read in pieces and handed to the core a few MiB at a time, so an
image never sits in memory whole. Downloads stream from the store's open file.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse

from pocketstack.api.common.responses import empty_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.core.errors import BadRequest, PocketstackError, UnsupportedMediaType
from pocketstack.core.image import access
from pocketstack.core.image.transfer import Transfer

PIECE = 4 * 1024 * 1024
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


async def _pieces(request: Request) -> AsyncIterator[bytes]:
    """The body in pieces of about PIECE bytes (fewer thread hops than the server's chunks)."""
    held: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        held.append(chunk)
        size += len(chunk)
        if size >= PIECE:
            yield b"".join(held)
            held, size = [], 0
    if held:
        yield b"".join(held)


async def _stream_into(req: ApiRequest, transfer: Transfer) -> None:
    """Feed the request body to ``transfer`` and finish it; on any failure (a cut connection
    too) abort it, which removes the data and puts the image back to ``queued``.

    One piece is hashed and written in a worker thread while the next one is received, so the
    network and the disk work at the same time."""
    writing: asyncio.Future[None] | None = None
    try:
        async for piece in _pieces(req.request):
            if writing is not None:
                await writing
            writing = asyncio.ensure_future(run_in_threadpool(transfer.write, piece))
        if writing is not None:
            await writing
        await run_in_threadpool(transfer.finish)
    except BaseException as exc:
        with anyio.CancelScope(shield=True):
            if writing is not None:
                await asyncio.gather(writing, return_exceptions=True)  # never abort mid-write
            await run_in_threadpool(transfer.abort)
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
        return StreamingResponse(download.reader, 200, headers)
    # The md5 of the whole image would not describe a part of it, so a 206 carries none.
    end = download.offset + download.length - 1
    headers["Content-Range"] = f"bytes {download.offset}-{end}/{download.size}"
    return StreamingResponse(download.reader, 206, headers)


ROUTES: list[Endpoint] = [
    Endpoint("PUT", "/v2/images/{image_id}/file", upload_image_file, "image:images:upload", stream=True),
    Endpoint("GET", "/v2/images/{image_id}/file", download_image_file, "image:images:download"),
    Endpoint("PUT", "/v2/images/{image_id}/stage", stage_image_data, "image:images:import", stream=True),
]
