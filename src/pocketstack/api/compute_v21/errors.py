"""Compute v2.1 errors in Nova's fault envelope: ``{"<faultName>": {"code", "message"}}``.

The fault name depends on the status alone, with Nova's table (nova/api/openstack/wsgi.py,
``Fault``). Clients and tempest read the message through whatever single key the body has, but
some match on the name, so it follows Nova exactly.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest
from pocketstack.core.errors import PocketstackError

# COMPAT: Nova has no name for 406 (nor 410): an unsupported microversion answers
# {"computeFault": {"code": 406, ...}}. 429 shares "overLimit" with 413.
FAULT_NAMES: dict[int, str] = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}
DEFAULT_FAULT_NAME = "computeFault"
_RETRY_STATUSES = frozenset({413, 429})


def fault_name(status: int) -> str:
    return FAULT_NAMES.get(status, DEFAULT_FAULT_NAME)


def render_error(exc: PocketstackError, api_req: ApiRequest | None, request: Request | None) -> Response:
    headers = dict(getattr(exc, "headers", None) or {})
    fault: dict[str, object] = {"code": exc.status, "message": exc.message}
    # COMPAT: for 413 and 429 Nova repeats a Retry-After header in the body as "retryAfter".
    retry_after = _header(headers, "Retry-After")
    if exc.status in _RETRY_STATUSES and retry_after is not None:
        fault["retryAfter"] = retry_after
    return json_response({fault_name(exc.status): fault}, exc.status, headers)


def _header(headers: dict[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)
