"""One exception tree for every service. An error from a call carries the request it answers
(``method``, ``url``, ``request_id``), the ``status_code`` and the service's own message."""

from __future__ import annotations

import json
from typing import Any


class SDKError(Exception):
    """Anything the SDK raises."""


class ConfigError(SDKError):
    """The cloud's configuration is missing or wrong (clouds.yaml, OS_* variables, arguments)."""


class EndpointNotFound(SDKError):
    """The catalog has no endpoint for a service type, interface and region."""


class ConnectionFailure(SDKError):
    """No answer: the connection was refused, reset or timed out before a response."""

    def __init__(self, message: str, *, method: str = "", url: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.url = url


class Timeout(SDKError):
    """A wait ran out of time, or a request got no answer in time."""


class ResourceFailure(SDKError):
    """A resource waited on reached an error state."""


class MultipleMatches(SDKError):
    """``find_*`` matched more than one resource by name."""


class VersionNotSupported(SDKError):
    """A call needs an API (micro)version the server, or this SDK, does not offer."""


class HttpError(SDKError):
    """The service answered with an error status."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        method: str,
        url: str,
        request_id: str | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(f"{status_code} {message} ({method} {url}, request {request_id})")
        self.message = message
        self.status_code = status_code
        self.method = method
        self.url = url
        self.request_id = request_id
        self.details = details


class BadRequest(HttpError):
    """400 and 422: the request was malformed or invalid."""


class Unauthorized(HttpError):
    """401: no valid credentials (after one re-authentication)."""


class Forbidden(HttpError):
    """403: the credentials do not allow this."""


class NotFound(HttpError):
    """404: no such resource (or not visible to the caller)."""


class NotAllowed(HttpError):
    """405: the resource does not take this method."""


class Conflict(HttpError):
    """409: the resource's state does not allow this now."""


class OverLimit(HttpError):
    """413 or 429, or a 403 or 409 that says a quota is exceeded (Nova, Neutron): a quota or
    rate limit; ``retry_after`` is the server's hint in seconds, when it gave one."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class NotImplementedByServer(HttpError):
    """501: the server does not implement this."""


class ServerError(HttpError):
    """5xx: the service failed."""


_BY_STATUS: dict[int, type[HttpError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: NotAllowed,
    409: Conflict,
    413: OverLimit,
    422: BadRequest,
    429: OverLimit,
    501: NotImplementedByServer,
}


def message_of(content: bytes) -> tuple[str, Any]:
    """The human message in an error body of any OpenStack service, and the parsed body.

    Bodies seen: Keystone ``{"error": {"message"}}``; Nova ``{"badRequest": {"message"}}`` (any
    key); Neutron ``{"NeutronError": {"message"}}``; Glance and Swift plain text or HTML;
    vNext ``{"errors": [{"title", "detail"}]}``; S3 XML."""
    text = content.decode("utf-8", "replace").strip()
    try:
        body = json.loads(text)
    except ValueError:
        return _strip_html(text), text
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            return str(first.get("detail") or first.get("title") or first), body
        for value in body.values():
            if isinstance(value, dict) and "message" in value:
                return str(value["message"]), body
        if "message" in body:
            return str(body["message"]), body
        if "detail" in body:
            return str(body["detail"]), body
    return text, body


def _strip_html(text: str) -> str:
    import re

    plain = re.sub(r"<[^>]+>", " ", text)
    return " ".join(plain.split())[:500]


def _type_of(details: Any) -> str | None:
    inner = details.get("NeutronError") if isinstance(details, dict) else None
    return str(inner.get("type")) if isinstance(inner, dict) else None


def error_for(
    status_code: int,
    content: bytes,
    *,
    method: str,
    url: str,
    request_id: str | None,
    retry_after: float | None = None,
) -> HttpError:
    """The exception for an error answer."""
    message, details = message_of(content)
    kwargs: dict[str, Any] = {
        "status_code": status_code,
        "method": method,
        "url": url,
        "request_id": request_id,
        "details": details,
    }
    quota = status_code in (403, 409) and ("quota" in message.lower() or _type_of(details) == "OverQuota")
    if status_code in (413, 429) or quota:
        return OverLimit(message or "over limit", retry_after=retry_after, **kwargs)
    cls = _BY_STATUS.get(status_code)
    if cls is None:
        cls = ServerError if status_code >= 500 else HttpError
    return cls(message or f"HTTP {status_code}", **kwargs)
