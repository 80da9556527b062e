"""The Object Storage mount, layered as Swift's proxy pipeline is (under SwiftHeaders, which
gives every answer Swift's transaction id and header case): TempURL and FormPost first
(they let a request in without a token), then auth (token or anonymous -> the scope's Caller),
then bulk operations, server-side copy (of large objects), static and dynamic large objects,
and the object server's own routes.
A layer that needs more than its request asks the layers below it (``subrequest.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import ASGIApp

from pocketstack.cloud import Cloud


@dataclass(frozen=True)
class ObjectStoreApp:
    """``public`` serves ``/object-store``; ``authorized`` is the stack below auth, for a
    front end that has resolved its caller itself (S3 puts a Caller in the scope)."""

    public: ASGIApp
    authorized: ASGIApp


def build(cloud: Cloud) -> ObjectStoreApp:
    from pocketstack.api.object_v1.auth import SwiftAuth
    from pocketstack.api.object_v1.middleware import bulk, copy, dlo, formpost, slo, tempurl
    from pocketstack.api.object_v1.responses import SwiftHeaders
    from pocketstack.api.object_v1.routes import build_object_router

    routes: ASGIApp = build_object_router(cloud)
    inner: ASGIApp = dlo.wrap(routes, cloud)
    inner = slo.wrap(inner, cloud)
    inner = copy.wrap(inner, cloud, below=routes)  # a large object's copy: its data, as Swift's
    inner = bulk.wrap(inner, cloud)
    outer: ASGIApp = SwiftAuth(inner, cloud)
    outer = formpost.wrap(outer, cloud)
    outer = tempurl.wrap(outer, cloud)
    outer = SwiftHeaders(outer)  # every answer: X-Trans-Id, Swift's header case
    return ObjectStoreApp(public=outer, authorized=inner)
