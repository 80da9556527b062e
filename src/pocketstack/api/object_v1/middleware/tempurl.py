"""TempURL: a request carrying ``temp_url_sig`` and ``temp_url_expires`` is let in without a
token when the signature is an HMAC, with one of the account's or container's Temp-URL keys, of
``[ip=<range>\\n]<METHOD>\\n<expires>\\n<path>`` (``path`` is ``/v1/AUTH_<project>/<c>/<o>``, or
``prefix:/v1/AUTH_<project>/<c>/<prefix>`` with ``temp_url_prefix``). A valid one puts
``Caller(None, grant="tempurl", grant_account=<account>)`` in the scope and passes the request
down without its query; an invalid or expired one is a 401 here.

The path may also be signed with the mount's root in front (``/object-store/v1/...``), which is
what ``swift tempurl`` signs when given the path a client must request."""

from __future__ import annotations

import calendar
import time
from email.utils import formatdate
from ipaddress import ip_address, ip_network
from posixpath import basename
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pocketstack.api.object_v1.caller import SCOPE_KEY, Caller
from pocketstack.api.object_v1.middleware.signatures import (
    ALLOWED_DIGESTS,
    CONTAINER_SCOPE,
    SigningKey,
    first_match,
    hmac_hex,
    signing_keys,
    split_signature,
)
from pocketstack.api.object_v1.middleware.swift_http import (
    SwiftPath,
    query_params,
    raw_headers,
    send_response,
    swift_path,
)
from pocketstack.api.object_v1.subrequest import GRANT_CONTAINER_KEY
from pocketstack.cloud import Cloud

METHODS = frozenset({"GET", "HEAD", "PUT", "POST", "DELETE"})
# COMPAT: a HEAD is allowed by a signature for any of these methods.
HEAD_SIGNED_AS = ("HEAD", "GET", "POST", "PUT")
EXPIRES_ISO8601 = "%Y-%m-%dT%H:%M:%SZ"
# COMPAT: Swift's tempurl defaults (incoming_remove_headers, DISALLOWED_INCOMING_HEADERS).
INCOMING_REMOVED = frozenset({b"x-timestamp", b"x-open-expired", b"x-auth-token", b"x-storage-token"})
DISALLOWED_ON_WRITE = ("x-object-manifest", "x-symlink-target")
INVALID_BODY = b"401 Unauthorized: Temp URL invalid\n"
SWIFT_INFO = {
    "tempurl": {
        "methods": sorted(METHODS),
        "incoming_remove_headers": ["x-timestamp", "x-open-expired"],
        "incoming_allow_headers": [],
        "outgoing_remove_headers": ["x-object-meta-*"],
        "outgoing_allow_headers": ["x-object-meta-public-*"],
        "allowed_digests": sorted(ALLOWED_DIGESTS),
        "deprecated_digests": ["sha1"],
    }
}


def wrap(app: ASGIApp, cloud: Cloud) -> ASGIApp:
    return TempURL(app, cloud)


def parse_expires(value: str | None, now: float | None = None) -> int:
    """Unix seconds or ISO 8601 (``2030-01-01T00:00:00Z``); 0 when malformed or past."""
    if value is None:
        return 0
    try:
        expires = int(value)
    except ValueError:
        try:
            expires = calendar.timegm(time.strptime(value, EXPIRES_ISO8601))
        except ValueError:
            return 0
    return expires if expires >= (time.time() if now is None else now) else 0


def hmac_body(method: str, expires: int, path: str, ip_range: str | None = None) -> str:
    body = f"{method}\n{expires}\n{path}"
    return f"ip={ip_range}\n{body}" if ip_range else body


def signed_paths(root_path: str, where: SwiftPath, prefix: str | None) -> list[str]:
    """The forms of the path a valid signature may cover."""
    rest = f"{where.container}/{prefix}" if prefix is not None else f"{where.container}/{where.obj}"
    bare = f"/{where.version}/{where.account}/{rest}"
    forms = [bare, root_path + bare] if root_path else [bare]
    return [f"prefix:{p}" for p in forms] if prefix is not None else forms


def content_disposition(kind: str, filename: str) -> str:
    return f"{kind}; filename=\"{quote(filename, safe=' /')}\"; filename*=UTF-8''{quote(filename)}"


def client_in_range(scope: Scope, ip_range: str) -> bool:
    client = scope.get("client")
    if not client:
        return False
    try:
        return ip_address(client[0]) in ip_network(ip_range)
    except ValueError:
        return False


def _shown(name: bytes) -> bool:
    # COMPAT: Swift's outgoing_remove_headers x-object-meta-*, except x-object-meta-public-*.
    name = name.lower()
    return not name.startswith(b"x-object-meta-") or name.startswith(b"x-object-meta-public-")


class TempURL:
    def __init__(self, app: ASGIApp, cloud: Cloud) -> None:
        self.app = app
        self.cloud = cloud

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        params = query_params(scope)
        if "temp_url_sig" not in params and "temp_url_expires" not in params:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        where = swift_path(scope)
        expires = parse_expires(params.get("temp_url_expires"))
        key = await self._valid(scope, where, params, expires) if where is not None and expires else None
        if where is None or key is None:
            realm = where.account if where else "unknown"
            headers = {"www-authenticate": f'Swift realm="{realm}"'}
            await send_response(send, 401, INVALID_BODY, headers, head=method == "HEAD")
            return
        if method not in ("GET", "HEAD"):
            names = {k for k, _ in scope["headers"]}
            for name in DISALLOWED_ON_WRITE:
                if name.encode() in names:
                    body = f"The header {name.title()!r} is not allowed in this tempurl".encode()
                    await send_response(send, 400, body)
                    return
        inner = dict(scope)
        inner["query_string"] = b""
        inner["headers"] = [(k, v) for k, v in scope["headers"] if k not in INCOMING_REMOVED]
        inner[SCOPE_KEY] = Caller(None, grant="tempurl", grant_account=where.account)
        if key.scope == CONTAINER_SCOPE:
            inner[GRANT_CONTAINER_KEY] = where.container
        await self.app(inner, receive, self._outgoing(send, method, where, params, expires))

    async def _valid(
        self, scope: Scope, where: SwiftPath, params: dict[str, str], expires: int
    ) -> SigningKey | None:
        """The key that signed the request, when it is validly signed."""
        method = scope["method"]
        parsed = split_signature(params.get("temp_url_sig", ""))
        if parsed is None or parsed[0] not in ALLOWED_DIGESTS or method not in METHODS:
            return None
        algorithm, signature = parsed
        prefix = params.get("temp_url_prefix")
        if where.version != "v1" or not where.container or not (where.obj or "").strip("/"):
            return None
        if prefix is not None and not (where.obj or "").startswith(prefix):
            return None
        ip_range = params.get("temp_url_ip_range")
        if (ip_range and not client_in_range(scope, ip_range)) or where.project_id is None:
            return None
        keys = await signing_keys(self.cloud, where.project_id, where.container)
        methods = HEAD_SIGNED_AS if method == "HEAD" else (method,)
        candidates = [
            (hmac_hex(key.value, hmac_body(m, expires, path, ip_range), algorithm), key)
            for key in keys
            for m in methods
            for path in signed_paths(scope.get("root_path", ""), where, prefix)
        ]
        return first_match(signature, candidates)

    def _outgoing(
        self, send: Send, method: str, where: SwiftPath, params: dict[str, str], expires: int
    ) -> Send:
        async def cleaned(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if _shown(k)]
                if method in ("GET", "HEAD") and 200 <= message["status"] < 300:
                    headers = self._with_disposition(headers, where, params, expires)
                message = {**message, "headers": headers}
            await send(message)

        return cleaned

    @staticmethod
    def _with_disposition(
        headers: list[tuple[bytes, bytes]], where: SwiftPath, params: dict[str, str], expires: int
    ) -> list[tuple[bytes, bytes]]:
        existing = next((v for k, v in headers if k.lower() == b"content-disposition"), None)
        out = [(k, v) for k, v in headers if k.lower() not in (b"content-disposition", b"expires")]
        filename = params.get("filename")
        if "inline" in params:
            value = content_disposition("inline", filename) if filename else "inline"
        elif filename:
            value = content_disposition("attachment", filename)
        elif existing is not None:
            value = existing.decode("latin-1")
        else:
            value = content_disposition("attachment", basename((where.obj or "").rstrip("/")))
        extra = {"content-disposition": value.replace("\n", "%0A")}
        extra["expires"] = formatdate(expires, usegmt=True)
        return out + raw_headers(extra)
