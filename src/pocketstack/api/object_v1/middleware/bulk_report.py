"""The report a bulk operation (bulk delete, extract archive, SLO manifest PUT and delete)
answers with: the format the client's Accept picks (text/plain, JSON or XML), Swift's keys in
sorted order, then the errors as ``[quoted name, status line]`` pairs."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from xml.sax.saxutils import escape

import anyio
from starlette.types import Send

from pocketstack.api.object_v1.accept import best_match
from pocketstack.api.object_v1.middleware.swift_http import raw_headers

# COMPAT: Swift answers 200 at once and sends a space this often while a bulk operation runs
# (so that no proxy or client times out), then the report.
YIELD_FREQUENCY = 10.0


def best_format(accept: str | None) -> str | None:
    """The format of a report: what the Accept header likes best (text/plain without one);
    None when it accepts none of them."""
    return best_match(accept)


def report_body(
    fmt: str | None, values: Mapping[str, object], errors: Sequence[Sequence[str]], root_tag: str
) -> bytes:
    if fmt == "application/json":
        return json.dumps({**values, "Errors": [list(e) for e in errors]}).encode("ascii")
    if fmt and fmt.endswith("/xml"):
        out = [f"<{root_tag}>\n"]
        for key in sorted(values):
            tag = key.replace(" ", "_").lower()
            out.append(f"<{tag}>{escape(str(values[key]))}</{tag}>\n")
        out.append("<errors>\n")
        for name, status in errors:
            out.append(f"<object><name>{escape(name)}</name><status>{escape(status)}</status></object>\n")
        out.append(f"</errors>\n</{root_tag}>\n")
        return "".join(out).encode("utf-8")
    lines = [f"{key}: {values[key]}\n" for key in sorted(values)]
    lines.append("Errors:\n")
    lines.extend(f"{name}, {status}\n" for name, status in errors)
    return "".join(lines).encode("utf-8")


def content_type_of(fmt: str | None) -> str:
    return f"{fmt or 'text/plain'}; charset=utf-8"


async def send_report_with_heartbeat(
    send: Send,
    fmt: str | None,
    work: Callable[[], Awaitable[bytes]],
    every: float = YIELD_FREQUENCY,
    *,
    status: int = 200,
    beat_at_once: bool = False,
) -> None:
    """Answer ``status`` now, a space every ``every`` seconds (and at once if asked) while
    ``work`` runs, then its report (after a blank line when spaces went before, as Swift
    separates them)."""
    headers = raw_headers({"content-type": content_type_of(fmt)})
    await send({"type": "http.response.start", "status": status, "headers": headers})
    if beat_at_once:
        await send({"type": "http.response.body", "body": b" ", "more_body": True})
    report = b""
    done = anyio.Event()

    async def run() -> None:
        nonlocal report
        try:
            report = await work()
        finally:
            done.set()

    beats = int(beat_at_once)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(run)
        while not done.is_set():
            with anyio.move_on_after(every):
                await done.wait()
            if not done.is_set():
                beats += 1
                await send({"type": "http.response.body", "body": b" ", "more_body": True})
    separator = b"\r\n\r\n" if beats else b""
    await send({"type": "http.response.body", "body": separator + report, "more_body": False})
