"""Internal requests: a layer (SLO, DLO, bulk, S3) asks the Swift app below it, in-process, as
the same caller (the scope's Caller travels with it; no token is checked again).

``subrequest`` collects the whole response; ``stream_subrequest`` hands the body over chunk by
chunk as the inner app sends it (segment reads): the inner app's ``send`` waits until the
reader takes each chunk, and leaving the context cancels the inner app wherever it is."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope

from pocketstack.api.object_v1.caller import INTERNAL_KEY, SCOPE_KEY, Caller

Body = bytes | AsyncIterator[bytes]
# The one container a grant reaches (a TempURL signed with a container's key), when it is one:
# the large-object layers read no segment and list no container outside it.
GRANT_CONTAINER_KEY = "pocketstack.swift.grant_container"


@dataclass
class SubResponse:
    status: int
    headers: dict[str, str]  # lower-case names; a repeated header keeps its last value
    body: bytes = b""
    chunks: AsyncIterator[bytes] | None = field(default=None, repr=False)  # when streamed


def sub_scope(
    parent: Scope, method: str, path: str, query: str = "", headers: Mapping[str, str] = ()
) -> Scope:
    """A scope for ``method path?query`` (``path`` unquoted, below the mount's root) carrying
    the parent's caller, client and server."""
    scope: Scope = {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "scheme": parent.get("scheme", "http"),
        "server": parent.get("server"),
        "client": parent.get("client"),
        "root_path": parent.get("root_path", ""),
        "path": parent.get("root_path", "") + path,
        "raw_path": quote(parent.get("root_path", "") + path).encode(),
        "query_string": query.encode(),
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in dict(headers).items()],
        "app": parent.get("app"),
        "state": parent.get("state", {}),
        # 2.4: a response may rely on send() failing when the reader is gone, so Starlette's
        # StreamingResponse does not poll receive() for a disconnect.
        "asgi": {"version": "3.0", "spec_version": "2.4"},
    }
    scope[INTERNAL_KEY] = True
    for key in (SCOPE_KEY, "pocketstack.request_id", GRANT_CONTAINER_KEY):
        if key in parent:
            scope[key] = parent[key]
    return scope


async def subrequest(
    app: ASGIApp,
    parent: Scope,
    method: str,
    path: str,
    *,
    query: str = "",
    headers: Mapping[str, str] = (),
    body: Body = b"",
    caller: Caller | None = None,
    extra_scope: Mapping[str, Any] | None = None,
) -> SubResponse:
    """Run the request through ``app`` and collect the whole response. ``extra_scope`` adds
    entries to the request's scope (what an internal request tells the routes below)."""
    scope = sub_scope(parent, method, path, query, headers)
    if caller is not None:
        scope[SCOPE_KEY] = caller
    scope.update(extra_scope or {})
    receive, closed = _request_body(body)

    status = 500
    got_headers: dict[str, str] = {}
    parts: list[bytes] = []

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            for k, v in message.get("headers", []):
                got_headers[k.decode("latin-1").lower()] = v.decode("latin-1")
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))
        elif message["type"] == "http.response.pathsend":
            with open(message["path"], "rb") as f:  # noqa: ASYNC230 - internal, small reads
                parts.append(f.read())

    try:
        await app(scope, receive, send)
    finally:
        closed.set()
    return SubResponse(status, got_headers, b"".join(parts))


class BodyAborted(Exception):
    """Raised by a request body's iterator to drop the body: the inner app sees the client
    disconnect (and stores nothing)."""


def _request_body(body: Body) -> tuple[Receive, anyio.Event]:
    """The inner app's ``receive``: the body, then (as a server does) nothing until the
    exchange is over, when it reports a disconnect."""
    chunks = body if not isinstance(body, bytes) else None
    finished = False
    closed = anyio.Event()

    async def receive() -> Message:
        nonlocal finished
        if finished:
            await closed.wait()
            return {"type": "http.disconnect"}
        if chunks is None:
            finished = True
            return {"type": "http.request", "body": body, "more_body": False}
        try:
            chunk = await chunks.__anext__()
        except StopAsyncIteration:
            finished = True
            return {"type": "http.request", "body": b"", "more_body": False}
        except BodyAborted:
            finished = True
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": chunk, "more_body": True}

    return receive, closed


class SubrequestBroken(Exception):
    """The inner app failed after it had started its response."""


@asynccontextmanager
async def stream_subrequest(
    app: ASGIApp,
    parent: Scope,
    method: str,
    path: str,
    *,
    query: str = "",
    headers: Mapping[str, str] = (),
    body: Body = b"",
    caller: Caller | None = None,
    chunk_size: int = 65536,
) -> AsyncIterator[SubResponse]:
    """Run the request through ``app``; the SubResponse (status and headers) comes once the
    inner app starts its response, its ``chunks`` yield the body as sent. An inner app that
    fails before starting is a 500; one that fails after makes ``chunks`` raise
    SubrequestBroken. Leaving the context early cancels the inner app."""
    scope = sub_scope(parent, method, path, query, headers)
    if caller is not None:
        scope[SCOPE_KEY] = caller
    receive, closed = _request_body(body)
    # Unbuffered: the inner send() returns only when the reader has taken the message.
    to_reader, from_app = anyio.create_memory_object_stream[Message](0)
    failure: list[BaseException] = []

    async def run() -> None:
        async with to_reader:
            try:
                await app(scope, receive, to_reader.send)
            except anyio.get_cancelled_exc_class():
                raise
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                pass  # the reader left
            except Exception as exc:  # noqa: BLE001 - handed to the reader
                failure.append(exc)

    async def body_chunks() -> AsyncIterator[bytes]:
        async for message in from_app:
            if message["type"] == "http.response.body":
                if message.get("body"):
                    yield message["body"]
                if not message.get("more_body", False):
                    return
            elif message["type"] == "http.response.pathsend":
                async for chunk in _file_chunks(message["path"], chunk_size):
                    yield chunk
                return
        if failure:
            raise SubrequestBroken(str(failure[0])) from failure[0]

    left_with: BaseException | None = None
    async with anyio.create_task_group() as tasks, from_app:
        tasks.start_soon(run)
        try:
            start = await from_app.receive()
        except anyio.EndOfStream:
            start = {"type": "http.response.start", "status": 500, "headers": []}
        got_headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in start.get("headers", [])}
        try:
            yield SubResponse(start["status"], got_headers, chunks=body_chunks())
        except BaseException as exc:  # noqa: BLE001 - re-raised as itself, not in a group
            left_with = exc
        finally:
            closed.set()
            tasks.cancel_scope.cancel()
    if left_with is not None:
        raise left_with


async def _file_chunks(path: str, chunk_size: int) -> AsyncIterator[bytes]:
    async with await anyio.open_file(path, "rb") as f:
        while chunk := await f.read(chunk_size):
            yield chunk
