"""The only code of the SDK that does I/O: it runs plans (see :mod:`pocketstack.sdk.plan`) on
httpx, synchronously or with asyncio. Everything else is shared by both."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeAlias, TypeVar

import httpx

from pocketstack.sdk.exceptions import ConnectionFailure
from pocketstack.sdk.plan import (
    Call,
    Emit,
    FileBody,
    FileSink,
    Listing,
    Offload,
    Parallel,
    Request,
    Response,
    Sleep,
)

T = TypeVar("T")

DEFAULT_TIMEOUT = 60.0


def client_options(
    verify: bool | str = True, cert: str | tuple[str, str] | None = None, timeout: float = DEFAULT_TIMEOUT
) -> dict[str, Any]:
    """httpx client options: TLS verification (a CA bundle path or a bool), a client
    certificate, a timeout, and a pool sized for bounded concurrency."""
    return {
        "verify": verify,
        "cert": cert,
        "timeout": httpx.Timeout(timeout),
        "limits": httpx.Limits(max_connections=32, max_keepalive_connections=16),
        "follow_redirects": False,
    }


def _response(request: Request, raw: httpx.Response, content: bytes) -> Response:
    headers = {k.lower(): v for k, v in raw.headers.items()}
    return Response(raw.status_code, headers, content, request.method, request.url)


def _failure(request: Request, exc: httpx.TransportError) -> ConnectionFailure:
    return ConnectionFailure(
        f"{request.method} {request.url}: {type(exc).__name__}: {exc}", method=request.method, url=request.url
    )


def _build(client: httpx.Client | httpx.AsyncClient, request: Request, content: Any) -> httpx.Request:
    timeout = httpx.USE_CLIENT_DEFAULT if request.timeout is None else request.timeout
    return client.build_request(
        request.method,
        request.url,
        # UTF-8, as Swift and Glance take non-ASCII metadata values (httpx would encode str as ASCII)
        headers={k.encode(): v.encode() for k, v in request.headers.items()},
        params=request.params,
        content=content,
        timeout=timeout,
    )


Outcome: TypeAlias = tuple[Any, BaseException | None]
"""What a step came to: the value to send into the plan, or the exception to throw into it."""
START: Outcome = (None, None)


@dataclass(frozen=True)
class Done(Generic[T]):
    """The plan has ended, with ``value``."""

    value: T


def _advance(plan: Generator[Any, Any, Any], outcome: Outcome) -> Any:
    """Hand the last step's outcome to the plan: its next step (or Emit), or Done."""
    sent, throw = outcome
    try:
        return plan.throw(throw) if throw is not None else plan.send(sent)
    except StopIteration as stop:
        return Done(stop.value)


def _sized(request: Request) -> Request:
    if isinstance(request.content, FileBody) and not any(
        k.lower() == "content-length" for k in request.headers
    ):
        headers = {**request.headers, "Content-Length": str(request.content.size())}
        return replace(request, headers=headers)
    return request


class SyncRunner:
    """Runs plans on an ``httpx.Client`` (one is made with :func:`client_options` if not given)."""

    def __init__(self, client: httpx.Client | None = None, **options: Any) -> None:
        self.client = client if client is not None else httpx.Client(**client_options(**options))

    def close(self) -> None:
        self.client.close()

    def run(self, plan: Call[T]) -> T:
        outcome = START
        while not isinstance(step := _advance(plan, outcome), Done):
            outcome = self._do(step)
        return step.value  # type: ignore[no-any-return]

    def iterate(self, listing: Listing[T]) -> Iterator[T]:
        outcome = START
        while not isinstance(step := _advance(listing, outcome), Done):
            if isinstance(step, Emit):
                outcome = START
                yield step.item
            else:
                outcome = self._do(step)

    def _do(self, step: Any) -> Outcome:
        if isinstance(step, Request):
            try:
                return self._send(_sized(step)), None
            except httpx.TransportError as exc:
                return None, _failure(step, exc)
        if isinstance(step, Sleep):
            time.sleep(step.seconds)
            return None, None
        if isinstance(step, Parallel):
            return self._parallel(step), None
        if isinstance(step, Offload):
            try:
                return step.work(), None
            except Exception as exc:  # noqa: BLE001 - thrown into the plan
                return None, exc
        raise TypeError(f"a plan yielded {step!r}")

    def _parallel(self, group: Parallel) -> list[Any]:
        def one(plan: Call[Any]) -> Any:
            try:
                return self.run(plan)
            except Exception as exc:  # noqa: BLE001 - handed back to the plan, in order
                return exc

        if not group.plans:
            return []
        with ThreadPoolExecutor(max_workers=max(1, min(group.limit, len(group.plans)))) as pool:
            return list(pool.map(one, group.plans))

    def _send(self, request: Request) -> Response:
        content = request.content.chunks() if isinstance(request.content, FileBody) else request.content
        raw = self.client.send(_build(self.client, request, content), stream=request.sink is not None)
        if request.sink is None:
            return _response(request, raw, raw.content)
        try:
            if raw.status_code >= 300:
                return _response(request, raw, raw.read())
            _write_sink(request.sink, raw.iter_bytes(1 << 20))
            return _response(request, raw, b"")
        finally:
            raw.close()


class _SinkFile:
    """A ``.part`` file beside the sink's path, renamed into place once whole."""

    def __init__(self, sink: FileSink) -> None:
        self.sink = sink
        self.part = sink.path.with_name(sink.path.name + ".part")
        self.file = self.part.open("wb")

    def write(self, chunk: bytes) -> None:
        self.file.write(chunk)
        if self.sink.progress is not None:
            self.sink.progress(len(chunk))

    def finish(self, whole: bool) -> None:
        self.file.close()
        if whole:
            os.replace(self.part, self.sink.path)
        else:
            self.part.unlink(missing_ok=True)


def _write_sink(sink: FileSink, chunks: Iterator[bytes]) -> None:
    out = _SinkFile(sink)
    whole = False
    try:
        for chunk in chunks:
            out.write(chunk)
        whole = True
    finally:
        out.finish(whole)


class AsyncRunner:
    """Runs plans on an ``httpx.AsyncClient``; file bodies are read in a thread."""

    def __init__(self, client: httpx.AsyncClient | None = None, **options: Any) -> None:
        self.client = client if client is not None else httpx.AsyncClient(**client_options(**options))

    async def close(self) -> None:
        await self.client.aclose()

    async def run(self, plan: Call[T]) -> T:
        outcome = START
        while not isinstance(step := _advance(plan, outcome), Done):
            outcome = await self._do(step)
        return step.value  # type: ignore[no-any-return]

    async def iterate(self, listing: Listing[T]) -> AsyncIterator[T]:
        outcome = START
        while not isinstance(step := _advance(listing, outcome), Done):
            if isinstance(step, Emit):
                outcome = START
                yield step.item
            else:
                outcome = await self._do(step)

    async def _do(self, step: Any) -> Outcome:
        if isinstance(step, Request):
            try:
                return await self._send(_sized(step)), None
            except httpx.TransportError as exc:
                return None, _failure(step, exc)
        if isinstance(step, Sleep):
            await asyncio.sleep(step.seconds)
            return None, None
        if isinstance(step, Parallel):
            return await self._parallel(step), None
        if isinstance(step, Offload):
            try:
                return await asyncio.to_thread(step.work), None
            except Exception as exc:  # noqa: BLE001 - thrown into the plan
                return None, exc
        raise TypeError(f"a plan yielded {step!r}")

    async def _parallel(self, group: Parallel) -> list[Any]:
        gate = asyncio.Semaphore(max(1, group.limit))

        async def one(plan: Call[Any]) -> Any:
            async with gate:
                try:
                    return await self.run(plan)
                except Exception as exc:  # noqa: BLE001 - handed back to the plan, in order
                    return exc

        return list(await asyncio.gather(*(one(p) for p in group.plans)))

    async def _send(self, request: Request) -> Response:
        content: Any = request.content
        if isinstance(content, FileBody):
            content = _read_in_thread(content)
        raw = await self.client.send(_build(self.client, request, content), stream=request.sink is not None)
        if request.sink is None:
            return _response(request, raw, raw.content)
        try:
            if raw.status_code >= 300:
                return _response(request, raw, await raw.aread())
            out = await asyncio.to_thread(_SinkFile, request.sink)
            whole = False
            try:
                async for chunk in raw.aiter_bytes(1 << 20):
                    await asyncio.to_thread(out.write, chunk)
                whole = True
            finally:
                await asyncio.to_thread(out.finish, whole)
            return _response(request, raw, b"")
        finally:
            await raw.aclose()


async def _read_in_thread(body: FileBody) -> AsyncIterator[bytes]:
    chunks = body.chunks()
    while True:
        chunk = await asyncio.to_thread(next, chunks, b"")
        if not chunk:
            return
        yield chunk
