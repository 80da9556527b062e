"""S3's way into the Swift stack: requests in the caller's account, in-process, as its Caller
(``object_v1/subrequest.py``), whole or with the response body streamed."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.types import ASGIApp, Message, Scope

from pocketstack.api.object_v1.caller import SCOPE_KEY, Caller
from pocketstack.api.object_v1.limits import RESELLER_PREFIX
from pocketstack.api.object_v1.subrequest import Body, SubResponse, sub_scope, subrequest

Query = Mapping[str, str] | str


def _query_text(query: Query) -> str:
    return query if isinstance(query, str) else urlencode(query)


@dataclass
class StreamedResponse:
    status: int
    headers: dict[str, str]
    chunks: AsyncIterator[bytes]
    task: asyncio.Task[None]

    async def close(self) -> None:
        """Stop the inner app, whatever was read of the body."""
        if not self.task.done():
            self.task.cancel()
        with contextlib.suppress(BaseException):
            await self.task

    async def stream(self) -> AsyncIterator[bytes]:
        """The body, the inner app stopped once it is read or its reader leaves."""
        try:
            async for chunk in self.chunks:
                yield chunk
        finally:
            await self.close()

    async def read(self) -> bytes:
        try:
            return b"".join([chunk async for chunk in self.chunks])
        finally:
            await self.close()


class SwiftClient:
    """Requests to one account (``AUTH_<project>``) of the Swift stack below auth."""

    def __init__(self, app: ASGIApp, parent: Scope, caller: Caller, project_id: str) -> None:
        self.app = app
        self.parent = parent
        self.caller = caller
        self.project_id = project_id
        self.account = RESELLER_PREFIX + project_id

    def path(self, container: str | None = None, obj: str | None = None) -> str:
        path = f"/v1/{self.account}"
        if container is not None:
            path += f"/{container}"
            if obj is not None:
                path += f"/{obj}"
        return path

    async def call(
        self,
        method: str,
        container: str | None = None,
        obj: str | None = None,
        *,
        query: Query = "",
        headers: Mapping[str, str] | None = None,
        body: Body = b"",
    ) -> SubResponse:
        return await subrequest(
            self.app,
            self.parent,
            method,
            self.path(container, obj),
            query=_query_text(query),
            headers=headers or {},
            body=body,
            caller=self.caller,
        )

    async def open(
        self,
        method: str,
        container: str,
        obj: str,
        *,
        query: Query = "",
        headers: Mapping[str, str] | None = None,
    ) -> StreamedResponse:
        """The response as soon as it starts, its body read as the caller reads ``chunks``
        (the inner app runs alongside; leaving ``chunks`` early stops it)."""
        scope = sub_scope(self.parent, method, self.path(container, obj), _query_text(query), headers or {})
        scope[SCOPE_KEY] = self.caller
        queue: asyncio.Queue[Message | BaseException] = asyncio.Queue(maxsize=4)
        sent_body = False

        async def receive() -> Message:
            nonlocal sent_body
            if sent_body:
                await asyncio.Event().wait()  # as a client that never disconnects
            sent_body = True
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            await queue.put(message)

        async def run() -> None:
            try:
                await self.app(scope, receive, send)
            except BaseException as e:  # handed to the reader, which raises it
                await queue.put(e)
                raise
            await queue.put({"type": "http.response.body", "body": b"", "more_body": False})

        task = asyncio.create_task(run())
        start = await queue.get()
        if isinstance(start, BaseException):
            with contextlib.suppress(BaseException):
                await task
            raise start
        headers_out = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in start.get("headers", [])}
        return StreamedResponse(start["status"], headers_out, _body(queue, task), task)


async def _body(
    queue: asyncio.Queue[Message | BaseException], task: asyncio.Task[None]
) -> AsyncIterator[bytes]:
    try:
        while True:
            message = await queue.get()
            if isinstance(message, BaseException):
                raise message
            if message["type"] == "http.response.pathsend":
                with open(message["path"], "rb") as f:  # noqa: ASYNC230 - not offered to the inner app
                    yield f.read()
                return
            chunk = message.get("body", b"")
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return
    finally:
        if not task.done():
            task.cancel()
        with contextlib.suppress(BaseException):
            await task
