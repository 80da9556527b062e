"""Swift's answers for errors: a short HTML page per status (the standard text), or a plain
text body when Swift says what was wrong (metadata limits, bad names, quota).

Handlers raise ``SwiftError`` (or a core error); the router renders either once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.core.errors import PocketstackError, QuotaExceeded

HTML = "text/html; charset=UTF-8"
TEXT = "text/plain; charset=UTF-8"

# COMPAT: the titles and sentences of Swift's standard status pages.
STATUS_TEXT: dict[int, tuple[str, str]] = {
    202: ("Accepted", "The request is accepted for processing."),
    400: (
        "Bad Request",
        "The server could not comply with the request since it is either malformed or otherwise incorrect.",
    ),
    401: (
        "Unauthorized",
        "This server could not verify that you are authorized to access the document you requested.",
    ),
    403: ("Forbidden", "Access was denied to this resource."),
    404: ("Not Found", "The resource could not be found."),
    405: ("Method Not Allowed", "The method is not allowed for this resource."),
    406: ("Not Acceptable", "The request is not acceptable."),
    408: ("Request Timeout", "The server has waited too long for the request to be sent by the client."),
    409: ("Conflict", "There was a conflict when trying to complete your request."),
    411: ("Length Required", "Length Required"),
    412: ("Precondition Failed", "A precondition for this request was not met."),
    413: ("Request Entity Too Large", "The body of your request was too large for this server."),
    416: ("Requested Range Not Satisfiable", "The Range requested is not available."),
    422: ("Unprocessable Entity", "Unable to process the contained instructions"),
    499: ("Client Disconnect", "The client was disconnected during request."),
    500: (
        "Internal Error",
        "The server has either erred or is incapable of performing the requested operation.",
    ),
    501: ("Not Implemented", "The server does not implement this request."),
    503: ("Service Unavailable", "The server is currently unavailable. Please try again at a later time."),
}


class SwiftError(Exception):
    """A Swift answer other than success: ``body`` None for the standard HTML page."""

    def __init__(
        self, status: int, body: str | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(body or str(status))
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


def status_page(status: int) -> bytes:
    title, text = STATUS_TEXT.get(status, (str(status), ""))
    return f"<html><h1>{title}</h1><p>{text}</p></html>".encode()


def error_response(
    status: int, body: str | None = None, headers: Mapping[str, str] | None = None
) -> Response:
    """A HEAD gets the same headers and no body (the router strips it)."""
    if status == 304:
        return Response(status_code=304, headers=dict(headers or {}))
    if body is None:
        content, media = status_page(status), HTML
    else:
        content, media = body.encode(), TEXT
    return Response(content, status, headers=dict(headers or {}), media_type=media)


def from_core(exc: PocketstackError) -> SwiftError:
    """A core error as Swift answers it. The core's messages are its own, so only the ones
    Swift words as text (quota) keep a body; the rest get Swift's standard page."""
    if isinstance(exc, QuotaExceeded):
        return SwiftError(413, "Upload exceeds quota.")
    status = exc.status
    if status == 400:
        return SwiftError(400, exc.message)
    headers: dict[str, Any] = getattr(exc, "headers", None) or {}
    return SwiftError(status if status in STATUS_TEXT else 500, None, headers)


def keystone_challenge(request: Request) -> dict[str, str]:
    """COMPAT: keystonemiddleware tells a client it turned away where to get a token."""
    identity = f"{request.url.scheme}://{request.url.netloc}/identity"
    return {"WWW-Authenticate": f'Keystone uri="{identity}"'}


def render_error(exc: PocketstackError, api_req: object, request: Request) -> Response:
    """For the app's unrouted paths under ``/object-store`` (the ``renderers`` of api/app.py)."""
    from pocketstack.api.object_v1.responses import trans_id  # responses imports this module

    err = from_core(exc)
    response = error_response(err.status, err.body, err.headers)
    response.headers["X-Trans-Id"] = trans_id(request.scope)
    return response
