"""Keystone's error envelope: {"error": {"code": N, "title": "...", "message": "..."}}."""

from __future__ import annotations

from http import HTTPStatus

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest, media_type, service_root
from pocketstack.core.errors import BadRequest, PocketstackError

# COMPAT: Keystone's titles differ from the HTTP reason phrases for a few codes.
_TITLES = {413: "Request Entity Too Large", 501: "Not Implemented"}


def render_error(exc: PocketstackError, api_req: ApiRequest | None, request: Request) -> Response:
    status = exc.status
    title = _TITLES.get(status) or HTTPStatus(status).phrase
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = f'Keystone uri="{service_root(request)}"'
    body = {"error": {"code": status, "title": title, "message": exc.message}}
    return json_response(body, status, headers)


def check_media_type(content_type: str | None) -> None:
    """COMPAT: Keystone answers 400 (not 415) to a body that is not declared JSON."""
    media = media_type(content_type)
    if (
        media
        and media != "application/json"
        and not (media.startswith("application/") and media.endswith("+json"))
    ):
        raise BadRequest("Expecting to find application/json in Content-Type header.")
