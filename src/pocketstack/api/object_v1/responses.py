"""Swift's success answers: the status pages it sends with a 202, empty ones otherwise."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import Response

from pocketstack.api.object_v1.errors import HTML, status_page


def status_response(status: int, headers: Mapping[str, str] | None = None) -> Response:
    """COMPAT: Swift sends its one-line HTML page with a 202 and no body with a 201 or 204;
    both are text/html."""
    body = status_page(status) if status == 202 else b""
    response = Response(body, status, headers=dict(headers or {}), media_type=HTML)
    if status == 204:
        response.headers["Content-Length"] = "0"
    return response


def head_response(status: int, headers: Mapping[str, str], media: str) -> Response:
    """Headers only (a HEAD of an account or container): Swift gives the listing's type."""
    response = Response(b"", status, headers=dict(headers), media_type=None)
    response.headers["Content-Type"] = _with_charset(media)
    response.headers["Content-Length"] = "0"
    return response


def body_response(status: int, body: bytes, headers: Mapping[str, str], media: str) -> Response:
    response = Response(body, status, headers=dict(headers), media_type=None)
    response.headers["Content-Type"] = _with_charset(media)
    return response


def _with_charset(media: str) -> str:
    return f"{media}; charset=utf-8"
