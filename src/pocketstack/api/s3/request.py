"""One S3 request as the handlers see it: bucket, key, query, headers, the checked body, the
caller's context and its way into Swift."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from starlette.types import Scope

from pocketstack.api.s3.body import RequestBody
from pocketstack.api.s3.sigv4 import Headers
from pocketstack.api.s3.swift import SwiftClient
from pocketstack.core.context import RequestContext
from pocketstack.core.objects.service import ObjectService

SEGMENTS_SUFFIX = "+segments"


@dataclass(frozen=True)
class Target:
    """What a path-style URL names: ``/`` (no bucket), ``/bucket`` or ``/bucket/key``."""

    bucket: str | None
    key: str | None

    @property
    def resource(self) -> str:
        if self.bucket is None:
            return "/"
        return f"/{self.bucket}" + (f"/{self.key}" if self.key is not None else "")


def target_of(route_path: str) -> Target:
    path = route_path.lstrip("/")
    if not path:
        return Target(None, None)
    bucket, sep, key = path.partition("/")
    return Target(bucket, key if sep and key else None)


def headers_of(scope: Scope) -> Headers:
    found: Headers = {}
    for name, value in scope.get("headers", []):
        found.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
    return found


def query_pairs(scope: Scope) -> list[tuple[str, str]]:
    # COMPAT: "+" stays "+" (SigV4 clients send a space as %20 and sign "+" as itself).
    text = scope.get("query_string", b"").decode("latin-1")
    pairs = []
    for part in text.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((unquote(name), unquote(value)))
    return pairs


@dataclass
class S3Request:
    scope: Scope
    method: str
    target: Target
    query: dict[str, str]  # the first value of each parameter
    headers: Headers
    body: RequestBody
    ctx: RequestContext
    swift: SwiftClient
    request_id: str
    region: str
    objects: ObjectService  # the core, for what Swift's answers leave out (see translate.py)

    @property
    def bucket(self) -> str:
        assert self.target.bucket is not None
        return self.target.bucket

    @property
    def key(self) -> str:
        assert self.target.key is not None
        return self.target.key

    @property
    def segments(self) -> str:
        """The hidden container a bucket's multipart parts live in."""
        return self.bucket + SEGMENTS_SUFFIX

    def header(self, name: str, default: str | None = None) -> str | None:
        values = self.headers.get(name)
        return values[0] if values else default

    def user_meta(self) -> dict[str, str]:
        """``x-amz-meta-<name>`` headers, as Swift's ``X-Object-Meta-<name>``."""
        return {
            "X-Object-Meta-" + name[len("x-amz-meta-") :]: values[0]
            for name, values in self.headers.items()
            if name.startswith("x-amz-meta-")
        }
