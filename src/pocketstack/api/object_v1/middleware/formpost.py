"""FormPost: a browser's ``POST`` of ``multipart/form-data`` to ``/v1/AUTH_<p>/<container>[/<prefix>]``
uploads each file of the form as ``<prefix><filename>``, without a token, when ``signature`` is an
HMAC (with a Temp-URL key of the account or container) of
``<path>\\n<redirect>\\n<max_file_size>\\n<max_file_count>\\n<expires>``. Each upload is a PUT below
as ``Caller(None, grant="formpost", grant_account=<account>)``. The answer is a 303 to
``redirect`` with ``status`` and ``message`` in its query, or without one the status as text.

COMPAT: as in Swift, the form's fields must come before its files; fields after a file are not
seen by that file's upload."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from urllib.parse import quote

from starlette.types import ASGIApp, Receive, Scope, Send

from pocketstack.api.object_v1.caller import Caller
from pocketstack.api.object_v1.middleware.multipart_form import (
    FormPart,
    MimeInvalid,
    MultipartReader,
    parse_header_params,
)
from pocketstack.api.object_v1.middleware.signatures import (
    ALLOWED_DIGESTS,
    SigningKey,
    first_match,
    hmac_hex,
    signing_keys,
    split_signature,
)
from pocketstack.api.object_v1.middleware.swift_http import (
    SwiftPath,
    header,
    route_path,
    send_response,
    status_line,
    swift_path,
)
from pocketstack.api.object_v1.subrequest import BodyAborted, subrequest
from pocketstack.cloud import Cloud

SWIFT_INFO = {"formpost": {"allowed_digests": sorted(ALLOWED_DIGESTS), "deprecated_digests": ["sha1"]}}
MAX_VALUE_LENGTH = 4096


class FormInvalid(Exception):
    pass


class FormUnauthorized(Exception):
    pass


def wrap(app: ASGIApp, cloud: Cloud) -> ASGIApp:
    return FormPost(app, cloud)


def form_hmac_body(path: str, attributes: dict[str, str]) -> str:
    fields = [attributes.get("redirect") or "", attributes.get("max_file_size") or "0"]
    fields += [attributes.get("max_file_count") or "0", attributes.get("expires") or "0"]
    return "\n".join([path, *fields])


def redirect_to(redirect: str, status: int, message: str) -> str:
    return f"{redirect}{'&' if '?' in redirect else '?'}status={status}&message={quote(message)}"


class FormPost:
    def __init__(self, app: ASGIApp, cloud: Cloud) -> None:
        self.app = app
        self.cloud = cloud

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        kind, params = parse_header_params(header(scope, "content-type") or "")
        if kind != "multipart/form-data" or "boundary" not in params:
            await self.app(scope, receive, send)
            return
        try:
            await self._translate(scope, receive, send, params["boundary"])
        except MimeInvalid as exc:
            await send_response(send, 400, f"FormPost: {exc}".encode())
        except FormInvalid as exc:
            await send_response(send, 400, f"FormPost: {exc}".encode())
        except FormUnauthorized as exc:
            await send_response(send, 401, f"FormPost: {str(exc).title()}".encode())

    async def _translate(self, scope: Scope, receive: Receive, send: Send, boundary: str) -> None:
        where = swift_path(scope)
        keys = await self._keys(where)
        attributes: dict[str, str] = {}
        status, message, resp_body, file_count = 0, "", b"", 0
        async for part in MultipartReader(receive, boundary).parts():
            _, disposition = parse_header_params(part.headers.get("content-disposition", ""))
            if not disposition.get("filename"):
                if "name" in disposition:
                    attributes[disposition["name"].lower()] = await _value(part)
                continue
            file_count += 1
            if file_count > _int(attributes.get("max_file_count"), "max_file_count not an integer"):
                status, message = 400, "max file count exceeded"
                break
            status, resp_body = await self._upload(
                scope, where, keys, attributes, part, disposition["filename"]
            )
            if not 200 <= status < 300:
                break
        if not status:
            status, message = 400, "no files to process"
        await self._answer(send, attributes.get("redirect"), status, message, resp_body)

    async def _keys(self, where: SwiftPath | None) -> list[SigningKey]:
        if where is None or where.container is None or where.project_id is None:
            return []
        return await signing_keys(self.cloud, where.project_id, where.container)

    async def _upload(
        self,
        scope: Scope,
        where: SwiftPath | None,
        keys: list[SigningKey],
        attributes: dict[str, str],
        part: FormPart,
        filename: str,
    ) -> tuple[int, bytes]:
        if not keys or where is None:
            raise FormUnauthorized("invalid signature")
        max_size = _int(attributes.get("max_file_size"), "max_file_size not an integer")
        headers = _upload_headers(attributes, part)
        if _int(attributes.get("expires"), "expired not an integer") < time.time():
            raise FormUnauthorized("form expired")
        self._check_signature(scope, keys, attributes)
        path = route_path(scope)
        if not path.endswith("/") and path.count("/") < 4:
            path += "/"
        capped = _Capped(part.body, max_size)
        caller = Caller(None, grant="formpost", grant_account=where.account)
        resp = await subrequest(
            self.app, scope, "PUT", path + filename, headers=headers, body=capped, caller=caller
        )
        if capped.exceeded:
            raise FormInvalid("max_file_size exceeded")
        return resp.status, resp.body

    @staticmethod
    def _check_signature(scope: Scope, keys: list[SigningKey], attributes: dict[str, str]) -> None:
        parsed = split_signature(attributes.get("signature", ""))
        if parsed is None or parsed[0] not in ALLOWED_DIGESTS:
            raise FormUnauthorized("invalid signature")
        algorithm, signature = parsed
        paths = {route_path(scope), scope["path"]}
        candidates = [
            (hmac_hex(key.value, form_hmac_body(path, attributes), algorithm), key)
            for key in keys
            for path in paths
        ]
        if first_match(signature, candidates) is None:
            raise FormUnauthorized("invalid signature")

    @staticmethod
    async def _answer(send: Send, redirect: str | None, status: int, message: str, resp_body: bytes) -> None:
        if not redirect:
            text = status_line(status) + (f"\r\nFormPost: {message.title()}" if message else "")
            body = resp_body if not 200 <= status < 300 and resp_body else text.encode("utf-8")
            await send_response(send, status, body)
            return
        location = redirect_to(redirect, status, message)
        body = f'<html><body><p><a href="{location}">Click to continue...</a></p></body></html>'.encode()
        await send_response(send, 303, body, {"location": location}, content_type="text/html; charset=UTF-8")


def _int(value: str | None, complaint: str) -> int:
    try:
        return int(value or 0)
    except ValueError:
        raise FormInvalid(complaint) from None


def _upload_headers(attributes: dict[str, str], part: FormPart) -> dict[str, str]:
    headers = {"transfer-encoding": "chunked"}
    if "x_delete_at" in attributes:
        headers["x-delete-at"] = str(
            _int(attributes["x_delete_at"], "x_delete_at not an integer: Unix timestamp required.")
        )
    if "x_delete_after" in attributes:
        complaint = "x_delete_after not an integer: Number of seconds required."
        headers["x-delete-after"] = str(_int(attributes["x_delete_after"], complaint))
    content_type = attributes.get("content-type", part.headers.get("content-type"))
    if content_type is not None:
        headers["content-type"] = content_type or "application/octet-stream"
    encoding = attributes.get("content-encoding", part.headers.get("content-encoding"))
    if encoding:
        headers["content-encoding"] = encoding
    return headers


async def _value(part: FormPart) -> str:
    data = b""
    async for chunk in part.body:
        if len(data) < MAX_VALUE_LENGTH:
            data += chunk[: MAX_VALUE_LENGTH - len(data)]
    # COMPAT: Swift strips any trailing CR, LF and "-" from a field's value.
    return data.decode("utf-8").rstrip("\r\n-")


class _Capped:
    """A file's bytes, stopped (the upload dropped) past ``limit``."""

    def __init__(self, body: AsyncIterator[bytes], limit: int) -> None:
        self.body = body
        self.limit = limit
        self.size = 0
        self.exceeded = False

    def __aiter__(self) -> _Capped:
        return self

    async def __anext__(self) -> bytes:
        chunk = await self.body.__anext__()
        self.size += len(chunk)
        if self.size > self.limit:
            self.exceeded = True
            raise BodyAborted
        return chunk
