"""Image v2 errors: ``{"error": {"code", "title", "message"}}`` as JSON.

COMPAT: Glance answers errors through webob (HTML by default). python-glanceclient and
openstacksdk both read the message from a JSON object nested one level, so this envelope gives
their users the message while staying machine-readable.
"""

from __future__ import annotations

from http import HTTPStatus

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest
from pocketstack.core.errors import PocketstackError


def render_error(exc: PocketstackError, api_req: ApiRequest | None, request: Request) -> Response:
    title = HTTPStatus(exc.status).phrase
    body = {"error": {"code": exc.status, "title": title, "message": exc.message}}
    headers = getattr(exc, "headers", None) or {}
    return json_response(body, exc.status, headers)
