"""A request body as S3 checks it: plain (its sha256 checked against x-amz-content-sha256 when
that is a hash) or aws-chunked (decoded, each chunk's signature checked). A failed check raises
from the iterator before its end, so an inner PUT fed with it never sees a complete body and
stores nothing; the error is also kept in ``failure`` for when the inner app swallowed it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import zlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.types import Receive

from pocketstack.api.s3.errors import S3Error
from pocketstack.api.s3.sigv4 import STREAMING, STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, UNSIGNED
from pocketstack.core.identity.ec2_signature import s3_chunk_string_to_sign, v4_sign

_MAX_CHUNK_HEADER = 4096


class ChunkSigner:
    """The chain of chunk signatures an aws-chunked body carries."""

    def __init__(self, key: bytes, amz_date: str, scope: str, seed: str) -> None:
        self.key, self.amz_date, self.scope, self.previous = key, amz_date, scope, seed

    def check(self, chunk: bytes, signature: str) -> None:
        expected = v4_sign(self.key, s3_chunk_string_to_sign(self.amz_date, self.scope, self.previous, chunk))
        if not hmac.compare_digest(expected, signature):
            raise S3Error("SignatureDoesNotMatch", "The chunk signature does not match.")
        self.previous = expected


class AwsChunkedDecoder:
    """``<hex size>[;chunk-signature=<sig>]\\r\\n<data>\\r\\n`` ... ending with a 0-size chunk and
    optional trailers. Fed raw bytes, it hands out decoded data."""

    def __init__(self, signer: ChunkSigner | None) -> None:
        self.signer = signer
        self.buffer = bytearray()
        self.done = False
        self.trailers: dict[str, str] = {}
        self._size: int | None = None
        self._signature = ""

    def feed(self, data: bytes) -> list[bytes]:
        self.buffer += data
        out: list[bytes] = []
        while not self.done:
            if self._size is None and not self._read_header():
                break
            if self._size == 0:
                if not self._read_trailers():
                    break
                self._check(b"")
                self.done = True
                break
            assert self._size is not None
            if len(self.buffer) < self._size + 2:
                break
            chunk = bytes(self.buffer[: self._size])
            if self.buffer[self._size : self._size + 2] != b"\r\n":
                raise S3Error("IncompleteBody", "An aws-chunked chunk is malformed.")
            del self.buffer[: self._size + 2]
            self._check(chunk)
            out.append(chunk)
            self._size = None
        return out

    def _read_header(self) -> bool:
        end = self.buffer.find(b"\r\n")
        if end < 0:
            if len(self.buffer) > _MAX_CHUNK_HEADER:
                raise S3Error("IncompleteBody", "An aws-chunked chunk header is malformed.")
            return False
        line = self.buffer[:end].decode("latin-1")
        del self.buffer[: end + 2]
        size, _, ext = line.partition(";")
        try:
            self._size = int(size.strip(), 16)
        except ValueError:
            raise S3Error("IncompleteBody", "An aws-chunked chunk header is malformed.") from None
        name, _, value = ext.partition("=")
        self._signature = value.strip() if name.strip() == "chunk-signature" else ""
        return True

    def _read_trailers(self) -> bool:
        if self.buffer.startswith(b"\r\n"):
            del self.buffer[:2]
            return True
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        for line in self.buffer[:end].decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            self.trailers[name.strip().lower()] = value.strip()
        del self.buffer[: end + 4]
        return True

    def _check(self, chunk: bytes) -> None:
        if self.signer is None:
            return
        if not self._signature:
            raise S3Error("SignatureDoesNotMatch", "A chunk carries no signature.")
        self.signer.check(chunk, self._signature)


class _Crc32:
    def __init__(self) -> None:
        self.value = 0

    def update(self, data: bytes) -> None:
        self.value = zlib.crc32(data, self.value)

    def digest(self) -> bytes:
        return self.value.to_bytes(4, "big")


# The x-amz-checksum-* algorithms checked (others, such as crc32c, are taken unchecked).
CHECKSUMS: dict[str, Callable[[], Any]] = {"crc32": _Crc32, "sha1": hashlib.sha1, "sha256": hashlib.sha256}


class RequestBody:
    """The client's body, read once, checked as it goes. ``checksum`` is the x-amz-checksum-*
    header the client sent (name, value), or the trailer it announced (name, None)."""

    def __init__(
        self,
        receive: Receive,
        payload_hash: str,
        signer: ChunkSigner | None = None,
        checksum: tuple[str, str | None] | None = None,
    ) -> None:
        self.receive = receive
        self.payload_hash = payload_hash
        self.failure: S3Error | None = None
        self.size = 0
        self.checksum = checksum
        algorithm = checksum[0].removeprefix("x-amz-checksum-") if checksum else ""
        self._checksum_hasher = CHECKSUMS[algorithm]() if algorithm in CHECKSUMS else None
        self._decoder = AwsChunkedDecoder(signer) if payload_hash in STREAMING else None
        self._sha = hashlib.sha256() if self._decoder is None and payload_hash != UNSIGNED else None
        if payload_hash in (STREAMING_SIGNED, STREAMING_SIGNED_TRAILER) and signer is None:
            raise ValueError("a signed stream needs its signer")

    async def _raw(self) -> AsyncIterator[bytes]:
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise S3Error("IncompleteBody")
            chunk = message.get("body", b"")
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for raw in self._raw():
                for piece in self._decoder.feed(raw) if self._decoder else [raw]:
                    if self._sha is not None:
                        self._sha.update(piece)
                    if self._checksum_hasher is not None:
                        self._checksum_hasher.update(piece)
                    self.size += len(piece)
                    yield piece
            self._finish()
        except S3Error as e:
            self.failure = e
            raise

    def _finish(self) -> None:
        if self._decoder is not None and not self._decoder.done:
            raise S3Error("IncompleteBody", "The aws-chunked body ended early.")
        if self._sha is not None and self._sha.hexdigest() != self.payload_hash:
            raise S3Error(
                "XAmzContentSHA256Mismatch",
                ClientComputedContentSHA256=self.payload_hash,
                S3ComputedContentSHA256=self._sha.hexdigest(),
            )
        self._check_checksum()

    def _check_checksum(self) -> None:
        if self.checksum is None or self._checksum_hasher is None:
            return
        name, expected = self.checksum
        if expected is None and self._decoder is not None:
            expected = self._decoder.trailers.get(name)
        if expected is None:
            raise S3Error("InvalidRequest", f"The trailer {name} was announced but not sent.")
        if base64.b64encode(self._checksum_hasher.digest()).decode() != expected.strip():
            algorithm = name.removeprefix("x-amz-checksum-").upper()
            raise S3Error(
                "BadDigest", f"The {algorithm} you specified did not match the calculated checksum."
            )

    async def read(self, limit: int) -> bytes:
        data = bytearray()
        async for piece in self.chunks():
            data += piece
            if len(data) > limit:
                raise S3Error("MalformedXML", "The request body is too large.")
        return bytes(data)
