"""How a large-object layer notices a manifest without a lookup of its own, as Swift's do: it
passes a GET or HEAD down as it came, and looks at the response's headers. A plain object's
response goes on to the client untouched; a manifest's (``X-Static-Large-Object: True`` or
``X-Object-Manifest``) is swallowed, and the layer answers for the large object itself.

A 304, 412 or 416 may not carry the object's headers, and was judged against the manifest
object rather than the large object; for those a HEAD below (without the client's conditions)
says whether the object is a manifest."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pocketstack.api.object_v1.middleware.swift_http import route_path
from pocketstack.api.object_v1.subrequest import subrequest

IsManifest = Callable[[Mapping[str, str]], bool]
SERVED = frozenset({200, 206})
JUDGED_ON_MANIFEST = frozenset({304, 412, 416})


def header_map(message: Message) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in message.get("headers", [])}


async def pass_unless_manifest(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, is_manifest: IsManifest
) -> bool:
    """Run the request through ``app``; True when the response was a manifest's (then nothing
    of it was sent, and a failure of ``app`` after that point is of no interest)."""
    captured = False
    forwarding = False

    async def watch(message: Message) -> None:
        nonlocal captured, forwarding
        if message["type"] == "http.response.start" and not (captured or forwarding):
            status = message["status"]
            if (
                status in SERVED
                and is_manifest(header_map(message))
                or status in JUDGED_ON_MANIFEST
                and await _is_manifest_below(app, scope, is_manifest)
            ):
                captured = True
            else:
                forwarding = True
        if not captured:
            await send(message)

    try:
        await app(scope, receive, watch)
    except Exception:
        if not captured:
            raise
    return captured


async def _is_manifest_below(app: ASGIApp, scope: Scope, is_manifest: IsManifest) -> bool:
    probe = await subrequest(app, scope, "HEAD", route_path(scope))
    return 200 <= probe.status < 300 and is_manifest(probe.headers)
