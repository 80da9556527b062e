"""What the pipeline layers share about a request and a response at the ASGI level: the Swift
path of a scope (``/v1/<account>/<container>/<object>`` below the mount), its headers and
query, reading a bounded body, and sending a plain response."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http import HTTPStatus
from urllib.parse import parse_qsl

from starlette.types import Receive, Scope, Send

from pocketstack.api.object_v1.request import SwiftPath


def route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def swift_path(scope: Scope) -> SwiftPath | None:
    return SwiftPath.parse(route_path(scope))


def header(scope: Scope, name: str) -> str | None:
    wanted = name.lower().encode("latin-1")
    for key, value in scope["headers"]:
        if key == wanted:
            return value.decode("latin-1")
    return None


def header_dict(scope: Scope) -> dict[str, str]:
    """Lower-case names; a repeated header keeps its last value."""
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}


def query_params(scope: Scope) -> dict[str, str]:
    """The first value of each parameter; ``?flag`` gives ``{"flag": ""}``."""
    params: dict[str, str] = {}
    for key, value in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True):
        params.setdefault(key, value)
    return params


def status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def raw_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in items]


async def send_response(
    send: Send,
    status: int,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
    *,
    head: bool = False,
    content_type: str = "text/plain; charset=UTF-8",
) -> None:
    """A whole response; a HEAD gets the headers (Content-Length of the body) and no body."""
    out = {"content-type": content_type, **{k.lower(): v for k, v in (headers or {}).items()}}
    out["content-length"] = str(len(body))
    await send({"type": "http.response.start", "status": status, "headers": raw_headers(out)})
    await send({"type": "http.response.body", "body": b"" if head else body, "more_body": False})


class BodyTooLarge(Exception):
    pass


async def read_body(receive: Receive, limit: int) -> bytes:
    """The request body, at most ``limit`` bytes (BodyTooLarge past that)."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        parts.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(parts)


def normalize_etag(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if value.startswith('"') and value.endswith('"') and len(value) >= 2:
        value = value[1:-1]
    return value
