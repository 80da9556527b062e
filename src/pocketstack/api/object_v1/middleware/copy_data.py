"""The two copies of a large object the copy layer makes itself (copy.py): its data as a plain
object (a streaming GET through slo/dlo fed to a PUT), or an SLO's manifest as a new SLO (its
PUT form read and PUT again). Both are internal requests as the caller, through the layers
below the copy layer, so access checks, quotas and the manifest checks apply as usual."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from urllib.parse import quote

from starlette.types import ASGIApp, Scope, Send

from pocketstack.api.object_v1.errors import status_page
from pocketstack.api.object_v1.handlers.object_fields import KEPT
from pocketstack.api.object_v1.middleware.large_objects import SYSMETA_PREFIXES
from pocketstack.api.object_v1.middleware.swift_http import header_dict, send_response
from pocketstack.api.object_v1.subrequest import (
    BodyAborted,
    SubrequestBroken,
    SubResponse,
    stream_subrequest,
    subrequest,
)

# What describes an object, and travels with a copy: Content-Type, user metadata and the
# headers the routes keep (X-Object-Manifest aside: the copy of a large object's data is plain).
DESCRIBING = tuple(name for name in KEPT if name != "x-object-manifest")
# What only the request says about the new object.
REQUEST_ONLY = ("x-delete-at", "x-delete-after", "x-detect-content-type", "x-object-manifest")
# The SLO layer writes these for the manifest it stores.
SLO_SYSMETA = "x-object-sysmeta-slo-"
ANSWER_HEADERS = ("etag", "last-modified", "content-type")


@dataclass(frozen=True)
class CopyPlan:
    version: str
    source_account: str
    source_container: str
    source_obj: str
    target_account: str
    target_container: str
    target_obj: str
    fresh: bool  # X-Fresh-Metadata: the request's metadata only

    @property
    def source_path(self) -> str:
        return f"/{self.version}/{self.source_account}/{self.source_container}/{self.source_obj}"

    @property
    def target_path(self) -> str:
        return f"/{self.version}/{self.target_account}/{self.target_container}/{self.target_obj}"


def _describing(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        name: value
        for name, value in headers.items()
        if name == "content-type" or name.startswith("x-object-meta-") or name in DESCRIBING
    }


def target_headers(
    plan: CopyPlan, source: Mapping[str, str], request: Mapping[str, str], *, sysmeta: bool
) -> dict[str, str]:
    """The new object's headers: the source's (with its system metadata but the SLO layer's own
    when ``sysmeta``), then the request's; only the request's with X-Fresh-Metadata. The
    Content-Type is the source's unless the request gives one, as the routes' copy does. An
    empty ``X-Object-Meta-*`` of the request removes that item (the routes drop empty ones)."""
    out: dict[str, str] = {}
    if not plan.fresh:
        out.update(_describing(source))
        if sysmeta:
            out.update(
                {
                    k: v
                    for k, v in source.items()
                    if k.startswith(SYSMETA_PREFIXES) and not k.startswith(SLO_SYSMETA)
                }
            )
    out.update(_describing(request))
    out.update({k: v for k, v in request.items() if k in REQUEST_ONLY})
    if not out.get("content-type") and source.get("content-type"):
        out["content-type"] = source["content-type"]
    return out


def copied_from(plan: CopyPlan, source_modified: str | None) -> dict[str, str]:
    out = {"x-copied-from": quote(f"{plan.source_container}/{plan.source_obj}")}
    if source_modified:
        out["x-copied-from-last-modified"] = source_modified
    if plan.source_account != plan.target_account:
        out["x-copied-from-account"] = quote(plan.source_account)
    return out


async def _answer(send: Send, resp: SubResponse, extra: Mapping[str, str]) -> None:
    headers = {k: v for k, v in resp.headers.items() if k in ANSWER_HEADERS}
    if 200 <= resp.status < 300:
        headers.update(extra)
    media = resp.headers.get("content-type", "text/html; charset=UTF-8")
    await send_response(send, resp.status, resp.body, headers, content_type=media)


async def copy_data(
    app: ASGIApp, scope: Scope, send: Send, plan: CopyPlan, source: Mapping[str, str]
) -> None:
    """The large object's data, read through ``app``, PUT at the destination as a plain object.
    The PUT's answer (an ETag that is the md5 of the data) is the copy's."""
    request = header_dict(scope)
    async with stream_subrequest(app, scope, "GET", plan.source_path) as got:
        if got.status != 200 or got.chunks is None:
            body = b"".join([chunk async for chunk in got.chunks]) if got.chunks is not None else b""
            media = got.headers.get("content-type", "text/html; charset=UTF-8")
            await send_response(send, got.status, body, content_type=media)
            return
        broken: list[BaseException] = []
        headers = target_headers(plan, source, request, sysmeta=False)
        headers["content-length"] = got.headers.get("content-length", "0")
        put = await subrequest(
            app, scope, "PUT", plan.target_path, headers=headers, body=_relay(got.chunks, broken)
        )
        source_modified = got.headers.get("last-modified")
    if broken or put.status == 499:
        # COMPAT: a segment that changed while it was read fails the copy as Swift's SLO layer
        # refuses such a read (409); nothing is stored.
        await send_response(send, 409, status_page(409), content_type="text/html; charset=UTF-8")
        return
    await _answer(send, put, copied_from(plan, source_modified))


async def _relay(chunks: AsyncIterator[bytes], broken: list[BaseException]) -> AsyncIterator[bytes]:
    """The source's body for the PUT; a source that breaks drops the PUT (it stores nothing)."""
    try:
        async for chunk in chunks:
            yield chunk
    except SubrequestBroken as exc:
        broken.append(exc)
        raise BodyAborted from exc


async def copy_slo_manifest(
    app: ASGIApp, scope: Scope, send: Send, plan: CopyPlan, source: Mapping[str, str]
) -> None:
    """A new SLO at the destination naming the source's segments: its PUT form read
    (``?multipart-manifest=get&format=raw``) and PUT with ``?multipart-manifest=put``, so the
    segments are checked as for any manifest PUT."""
    got = await subrequest(app, scope, "GET", plan.source_path, query="multipart-manifest=get&format=raw")
    if got.status != 200:
        media = got.headers.get("content-type", "text/html; charset=UTF-8")
        await send_response(send, got.status, got.body, content_type=media)
        return
    request = header_dict(scope)
    headers = target_headers(plan, source, request, sysmeta=True)
    headers.pop("x-object-manifest", None)
    if "accept" in request:  # the format of a refusal's report
        headers["accept"] = request["accept"]
    put = await subrequest(
        app, scope, "PUT", plan.target_path, query="multipart-manifest=put", headers=headers, body=got.body
    )
    await _answer(send, put, copied_from(plan, source.get("last-modified")))
