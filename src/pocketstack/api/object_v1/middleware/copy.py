"""Server-side copy of large objects (Swift's copy layer, placed above slo and dlo).

A copy is ``COPY`` with ``Destination`` (and ``Destination-Account``), or ``PUT`` with
``X-Copy-From`` (and ``X-Copy-From-Account``). The layer HEADs the source at the routes (as the
caller): a plain object's copy goes on down untouched (the routes' copy shares its data). For a
manifest:

- SLO or DLO, without ``?multipart-manifest=get``: the large object's data is read through the
  layers below (slo, dlo) and PUT as a plain object at the destination (copy_data.py);
- SLO with ``?multipart-manifest=get``: the manifest's PUT form is read
  (``?multipart-manifest=get&format=raw``) and PUT again with ``?multipart-manifest=put``: a new
  SLO of the same segments;
- DLO with ``?multipart-manifest=get``: the manifest object itself is copied by the routes, its
  ``X-Object-Manifest`` kept even with ``X-Fresh-Metadata``.

Metadata is merged as the routes' copy does (the source's, then the request's; only the
request's with ``X-Fresh-Metadata: true``); answers carry ``X-Copied-From`` and its friends."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from starlette.types import ASGIApp, Receive, Scope, Send

from pocketstack.api.object_v1.middleware.copy_data import CopyPlan, copy_data, copy_slo_manifest
from pocketstack.api.object_v1.middleware.swift_http import SwiftPath, header, query_params, swift_path
from pocketstack.api.object_v1.subrequest import subrequest
from pocketstack.cloud import Cloud

TRUE = frozenset({"true", "1", "yes", "on", "t", "y"})


def wrap(app: ASGIApp, cloud: Cloud, below: ASGIApp | None = None) -> ASGIApp:
    """``below`` is the routes (where a source is HEADed as stored, not as it reads)."""
    return ServerSideCopy(app, below or app)


@dataclass(frozen=True)
class _Names:
    account: str
    container: str
    obj: str


def _split(value: str) -> tuple[str, str] | None:
    container, _, obj = unquote(value).lstrip("/").partition("/")
    return (container, obj) if container and obj else None


def _account(scope: Scope, name: str, default: str) -> str:
    value = header(scope, name)
    return unquote(value).strip() if value else default


def plan_of(scope: Scope, where: SwiftPath) -> CopyPlan | None:
    """The copy a request asks for, or None when it is no copy (or a malformed one, which the
    routes refuse in their words)."""
    method = scope["method"]
    assert where.container is not None and where.obj is not None
    here = _Names(where.account, where.container, where.obj)
    if method == "COPY":
        found = _split(header(scope, "destination") or "")
        if found is None:
            return None
        source, target = here, _Names(_account(scope, "destination-account", where.account), *found)
    elif method == "PUT" and header(scope, "x-copy-from") is not None:
        found = _split(header(scope, "x-copy-from") or "")
        if found is None:
            return None
        source, target = _Names(_account(scope, "x-copy-from-account", where.account), *found), here
    else:
        return None
    return CopyPlan(
        version=where.version,
        source_account=source.account,
        source_container=source.container,
        source_obj=source.obj,
        target_account=target.account,
        target_container=target.container,
        target_obj=target.obj,
        fresh=(header(scope, "x-fresh-metadata") or "").strip().lower() in TRUE,
    )


class ServerSideCopy:
    def __init__(self, app: ASGIApp, below: ASGIApp) -> None:
        self.app = app
        self.below = below

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        where = swift_path(scope) if scope["type"] == "http" else None
        plan = plan_of(scope, where) if where is not None and where.obj is not None else None
        mode = query_params(scope).get("multipart-manifest") if plan is not None else None
        if plan is None or mode == "put":  # a manifest PUT with X-Copy-From: slo refuses it
            await self.app(scope, receive, send)
            return
        head = await subrequest(self.below, scope, "HEAD", plan.source_path)
        source = head.headers if 200 <= head.status < 300 else {}
        is_slo = source.get("x-static-large-object", "").lower() in TRUE
        dlo_manifest = source.get("x-object-manifest")
        if (is_slo or dlo_manifest is not None) and mode != "get":
            await copy_data(self.app, scope, send, plan, source)
        elif is_slo:
            await copy_slo_manifest(self.app, scope, send, plan, source)
        elif dlo_manifest is not None and header(scope, "x-object-manifest") is None:
            # COMPAT: Swift's copy of a DLO's manifest keeps its X-Object-Manifest whatever
            # X-Fresh-Metadata says; the routes' copy takes it from the request's headers.
            manifest = (b"x-object-manifest", dlo_manifest.encode("latin-1"))
            await self.app({**scope, "headers": [*scope["headers"], manifest]}, receive, send)
        else:
            await self.app(scope, receive, send)
