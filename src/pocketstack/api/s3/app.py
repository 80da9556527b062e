"""The S3 API at ``/s3`` (path style): a SigV4-signed request becomes the Caller of its EC2
credential's user on the credential's project, then one or more requests to the Swift stack
below auth (bucket = container, key = object, account ``AUTH_<project>``)."""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pocketstack.api.common.logs import LOG, kv
from pocketstack.api.object_v1.app import ObjectStoreApp
from pocketstack.api.object_v1.caller import Caller
from pocketstack.api.s3.body import ChunkSigner, RequestBody
from pocketstack.api.s3.credentials import Contexts, lookup
from pocketstack.api.s3.dispatch import handler_for
from pocketstack.api.s3.errors import S3Error, error_response
from pocketstack.api.s3.request import SEGMENTS_SUFFIX, S3Request, Target, headers_of, query_pairs, target_of
from pocketstack.api.s3.sigv4 import (
    STREAMING_SIGNED,
    STREAMING_SIGNED_TRAILER,
    Headers,
    check_signature,
    check_time,
    signed_request,
    signing_key,
)
from pocketstack.api.s3.swift import SwiftClient
from pocketstack.cloud import Cloud
from pocketstack.core.context import new_request_id

# What every bucket and object is anyway: its owner's alone.
SERVED_CANNED_ACLS = ("private", "bucket-owner-full-control")


def _paths(scope: Scope) -> tuple[str, list[str]]:
    """(the path below the mount, the forms of the full path a client may have signed)."""
    root = scope.get("root_path", "")
    path = scope["path"]
    below = path[len(root) :] if path.startswith(root) else path
    signed = []
    raw = scope.get("raw_path")
    if raw:
        signed.append(raw.decode("latin-1").partition("?")[0])
    signed.append(quote(path, safe="/~"))
    if below == "/":
        signed.append(root)  # COMPAT: "GET /s3" (no slash) is answered as "/s3/"
    return below, signed


def _with_request_id(send: Send, request_id: str) -> Send:
    extra = [(b"x-amz-request-id", request_id.encode()), (b"x-amz-id-2", request_id.encode())]

    async def send_with_id(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *extra]
        await send(message)

    return send_with_id


def _checksum(headers: Headers) -> tuple[str, str | None] | None:
    """The x-amz-checksum-* header a body is sent with, or the trailer it announces."""
    trailer = headers.get("x-amz-trailer")
    if trailer:
        return trailer[0].strip().lower(), None
    for name, values in headers.items():
        if name.startswith("x-amz-checksum-") and name != "x-amz-checksum-mode":
            return name, values[0]
    return None


class S3App:
    def __init__(self, cloud: Cloud, swift: ObjectStoreApp) -> None:
        self.cloud = cloud
        self.swift = swift.authorized
        self.region = cloud.settings.region
        self.contexts = Contexts(cloud)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request_id = scope.setdefault("pocketstack.request_id", new_request_id())
        send = _with_request_id(send, request_id)
        below, signed_paths = _paths(scope)
        target = target_of(below)
        try:
            response = await self._handle(scope, receive, target, signed_paths, request_id)
        except S3Error as e:
            response = error_response(e, target.resource, request_id, head=scope["method"] == "HEAD")
        except Exception:
            LOG.exception(kv(event="s3_unhandled_error", request_id=request_id))
            error = S3Error("InternalError")
            response = error_response(error, target.resource, request_id, head=scope["method"] == "HEAD")
        await response(scope, receive, send)

    async def _handle(
        self, scope: Scope, receive: Receive, target: Target, signed_paths: list[str], request_id: str
    ) -> Response:
        method = scope["method"]
        headers = headers_of(scope)
        pairs = query_pairs(scope)
        query: dict[str, str] = {}
        for name, value in pairs:
            query.setdefault(name, value)
        claim = signed_request(headers, query)
        if claim is None:
            raise S3Error(
                "AccessDenied", "Anonymous requests are not served: sign them with an EC2 credential."
            )
        key = await run_in_threadpool(lookup, self.cloud, claim.access_key)
        check_time(claim)
        secret_key = signing_key(claim, key.secret)
        check_signature(claim, secret_key, method, signed_paths, pairs, headers)
        ctx = await run_in_threadpool(self.contexts.context_of, key, request_id)
        signer = None
        if claim.payload_hash in (STREAMING_SIGNED, STREAMING_SIGNED_TRAILER):
            signer = ChunkSigner(secret_key, claim.amz_date, claim.scope, claim.signature)
        req = S3Request(
            scope=scope,
            method=method,
            target=target,
            query=query,
            headers=headers,
            body=RequestBody(receive, claim.payload_hash, signer, _checksum(headers)),
            ctx=ctx,
            swift=SwiftClient(self.swift, scope, Caller(ctx), key.project_id),
            request_id=request_id,
            region=self.region,
            objects=self.cloud.objects,
        )
        handler = handler_for(method, target, query, copying="x-amz-copy-source" in headers)
        acl = (headers.get("x-amz-acl") or ["private"])[0]
        if acl not in SERVED_CANNED_ACLS:
            raise S3Error("NotImplemented", f"The canned ACL {acl} is not implemented by pocketstack.")
        if target.bucket is not None and target.bucket.endswith(SEGMENTS_SUFFIX):
            raise S3Error("NoSuchBucket", BucketName=target.bucket)  # multipart parts stay hidden
        return await handler(req)


def build(cloud: Cloud, swift: ObjectStoreApp) -> ASGIApp:
    return S3App(cloud, swift)
