"""Internal requests: a layer (SLO, DLO, bulk, S3) asks the Swift app below it, in-process, as
the same caller (the scope's Caller travels with it; no token is checked again)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Scope

from pocketstack.api.object_v1.caller import INTERNAL_KEY, SCOPE_KEY, Caller

Body = bytes | AsyncIterator[bytes]


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
    }
    scope[INTERNAL_KEY] = True
    for key in (SCOPE_KEY, "pocketstack.request_id"):
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
) -> SubResponse:
    """Run the request through ``app`` and collect the whole response."""
    scope = sub_scope(parent, method, path, query, headers)
    if caller is not None:
        scope[SCOPE_KEY] = caller
    chunks = body if not isinstance(body, bytes) else None
    sent_single = False

    async def receive() -> Message:
        nonlocal sent_single
        if chunks is None:
            if sent_single:
                return {"type": "http.disconnect"}
            sent_single = True
            return {"type": "http.request", "body": body, "more_body": False}
        try:
            chunk = await chunks.__anext__()
        except StopAsyncIteration:
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.request", "body": chunk, "more_body": True}

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

    await app(scope, receive, send)
    return SubResponse(status, got_headers, b"".join(parts))
