"""A ``multipart/form-data`` body read part by part as it arrives (FormPost): each part's
headers, then its body as a stream, so a file goes on to its PUT without being held."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.types import Receive

MAX_HEADER_BYTES = 8192


class MimeInvalid(Exception):
    pass


@dataclass
class FormPart:
    headers: dict[str, str]  # lower-case names
    body: AsyncIterator[bytes]  # read it (or not) before asking for the next part


def parse_header_params(value: str) -> tuple[str, dict[str, str]]:
    """``form-data; name="a"; filename="b"`` -> ("form-data", {"name": "a", "filename": "b"})."""
    kind, *rest = value.split(";")
    params: dict[str, str] = {}
    for item in rest:
        name, eq, raw = item.strip().partition("=")
        if eq:
            raw = raw.strip()
            if len(raw) >= 2 and raw[0] == raw[-1] == '"':
                raw = raw[1:-1].replace('\\"', '"')
            params[name.strip().lower()] = raw
    return kind.strip().lower(), params


class MultipartReader:
    def __init__(self, receive: Receive, boundary: str) -> None:
        self.receive = receive
        self.delimiter = b"--" + boundary.encode("latin-1")
        self.buffer = b""
        self.ended = False

    async def _fill(self) -> bool:
        if self.ended:
            return False
        message = await self.receive()
        if message["type"] == "http.disconnect":
            self.ended = True
            return False
        self.buffer += message.get("body", b"")
        self.ended = not message.get("more_body", False)
        return True

    async def _until(self, marker: bytes, limit: int) -> bytes:
        while (found := self.buffer.find(marker)) < 0:
            if len(self.buffer) > limit or not await self._fill():
                raise MimeInvalid(
                    "invalid starting boundary" if marker == self.delimiter else "truncated form"
                )
        head, self.buffer = self.buffer[:found], self.buffer[found + len(marker) :]
        return head

    async def _after_delimiter(self) -> bool:
        """True when another part follows the delimiter just read, False at the closing one."""
        while len(self.buffer) < 2 and await self._fill():
            pass
        if self.buffer.startswith(b"--"):
            return False
        self.buffer = self.buffer.removeprefix(b"\r\n")
        return True

    async def parts(self) -> AsyncIterator[FormPart]:
        await self._until(self.delimiter, 65536)
        while await self._after_delimiter():
            raw = await self._until(b"\r\n\r\n", MAX_HEADER_BYTES)
            headers = {}
            for line in raw.decode("utf-8", "replace").split("\r\n"):
                name, colon, value = line.partition(":")
                if colon:
                    headers[name.strip().lower()] = value.strip()
            body = self._body()
            yield FormPart(headers, body)
            async for _ in body:
                pass

    async def _body(self) -> AsyncIterator[bytes]:
        marker = b"\r\n" + self.delimiter
        while True:
            found = self.buffer.find(marker)
            if found >= 0:
                chunk, self.buffer = self.buffer[:found], self.buffer[found + len(marker) :]
                if chunk:
                    yield chunk
                return
            keep = len(marker) - 1
            if len(self.buffer) > keep:
                chunk, self.buffer = self.buffer[:-keep], self.buffer[-keep:]
                yield chunk
            if not await self._fill():
                raise MimeInvalid("truncated form")
