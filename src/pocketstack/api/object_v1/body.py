"""An object's data as a response: the whole of it (left to the server when it sends files
itself, the ASGI ``http.response.pathsend`` extension), one range, or several as
``multipart/byteranges``. Reads run in a worker thread, a chunk ahead of the socket."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from pocketstack.core.objects.service import DataReader

Opener = Callable[[int, int], DataReader]  # (offset, length) -> an open reader


@dataclass(frozen=True)
class Part:
    before: bytes
    offset: int
    length: int
    after: bytes = b""

    @property
    def size(self) -> int:
        return len(self.before) + self.length + len(self.after)


def multipart(windows: list[tuple[int, int]], size: int, content_type: str) -> tuple[list[Part], str]:
    """The parts of a multipart/byteranges body and its Content-Type."""
    boundary = secrets.token_hex(16)
    parts = []
    for i, (offset, length) in enumerate(windows):
        head = (
            f"{'' if i == 0 else chr(13) + chr(10)}--{boundary}\r\nContent-Type: {content_type}\r\n"
            f"Content-Range: bytes {offset}-{offset + length - 1}/{size}\r\n\r\n"
        )
        last = i == len(windows) - 1
        parts.append(Part(head.encode(), offset, length, f"\r\n--{boundary}--".encode() if last else b""))
    return parts, f"multipart/byteranges;boundary={boundary}"


async def _chunks(reader: DataReader) -> AsyncIterator[bytes]:
    it = iter(reader)
    ahead = asyncio.ensure_future(run_in_threadpool(next, it, None))
    try:
        while (chunk := await ahead) is not None:
            ahead = asyncio.ensure_future(run_in_threadpool(next, it, None))
            yield chunk
    finally:
        with anyio.CancelScope(shield=True):
            await asyncio.gather(ahead, return_exceptions=True)


class ObjectResponse(Response):
    """``first`` is the first part's reader, opened by the handler (so that a failure to open
    is still an error status); the others are opened as their turn comes."""

    def __init__(
        self,
        status: int,
        headers: Mapping[str, str],
        parts: list[Part],
        opener: Opener,
        first: DataReader | None,
        whole: bool = False,
    ) -> None:
        super().__init__(None, status, headers=dict(headers))
        self.headers["Content-Length"] = str(sum(p.size for p in parts))
        self.parts = parts
        self.opener = opener
        self.first = first
        self.whole = whole

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        reader = self.first
        try:
            await send(
                {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
            )
            if scope.get("method") == "HEAD":
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            path = reader.source_path if (self.whole and reader is not None) else None
            if path is not None and "http.response.pathsend" in scope.get("extensions", {}):
                await send({"type": "http.response.pathsend", "path": path})
                return
            for part in self.parts:
                if reader is None:
                    reader = await run_in_threadpool(self.opener, part.offset, part.length)
                if part.before:
                    await send({"type": "http.response.body", "body": part.before, "more_body": True})
                chunks = _chunks(reader)
                try:
                    async for chunk in chunks:
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
                finally:
                    await chunks.aclose()  # waits for a read under way before the reader closes
                reader.close()
                reader = None
                if part.after:
                    await send({"type": "http.response.body", "body": part.after, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            if reader is not None:
                reader.close()
