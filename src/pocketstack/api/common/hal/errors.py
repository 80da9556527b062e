"""Errors in the one envelope of the newer APIs (shared/DESIGN.md):
``{"errors": [{"status", "code", "title", "detail", "request_id"}]}``."""

from __future__ import annotations

from http import HTTPStatus

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest
from pocketstack.core.errors import PocketstackError, UnsupportedMediaType

JSON_TYPES = ("application/json", "application/merge-patch+json")


def error_body(status: int, code: str, detail: str, request_id: str | None) -> dict[str, object]:
    title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    entry = {"status": status, "code": code, "title": title, "detail": detail, "request_id": request_id}
    return {"errors": [entry]}


def render_error(exc: PocketstackError, api_req: ApiRequest | None, request: Request | None) -> Response:
    request_id = request.scope.get("pocketstack.request_id") if request is not None else None
    headers = dict(getattr(exc, "headers", None) or {})
    return json_response(error_body(exc.status, exc.code, exc.message, request_id), exc.status, headers)


def check_media_type(content_type: str | None) -> None:
    bare = (content_type or "").split(";", 1)[0].strip().lower()
    if bare not in JSON_TYPES:
        raise UnsupportedMediaType(
            f"Request bodies are JSON ({', '.join(JSON_TYPES)}), not {bare or 'untyped'}."
        )


# What a client may accept to get JSON (the root document also as application/json-home, a
# schema as application/schema+json).
_ACCEPTABLE = ("application/json", "application/json-home", "application/schema+json", "application/*", "*/*")


def _acceptable(accept: str) -> bool:
    for part in accept.split(","):
        kind = part.split(";", 1)[0].strip().lower()
        if kind in _ACCEPTABLE or kind.endswith("+json"):
            return True
    return False


class JsonOnly:
    """JSON only: a request whose Accept admits no JSON type is a 406, before routing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            accept = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"accept"), "")
            if accept and not _acceptable(accept):
                detail = f"This API answers in JSON only; the request accepts {accept}."
                body = error_body(406, "request.not_acceptable", detail, scope.get("pocketstack.request_id"))
                await json_response(body, 406)(scope, receive, send)
                return
        await self.app(scope, receive, send)
