"""What every request gets, as a plan: a user agent and request id, retries with backoff for
idempotent requests (connection failures and 503, honouring ``Retry-After``), a debug log that
never shows a secret, and an error answer turned into the exception tree."""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass, replace

from pocketstack.sdk.exceptions import ConnectionFailure, HttpError, error_for
from pocketstack.sdk.plan import Call, Request, Response, Sleep

log = logging.getLogger("pocketstack.sdk.http")

USER_AGENT = "pocketstack-sdk/0.1"
SECRET_HEADERS = frozenset({"x-auth-token", "x-subject-token", "authorization", "x-service-token"})
_SECRET_FIELDS = re.compile(rb'("(?:password|secret|token|id)"\s*:\s*)"[^"]*"', re.IGNORECASE)


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` in all; the n-th retry waits ``backoff * 2**(n-1)`` seconds (at most
    ``max_backoff``), or what a 503's ``Retry-After`` asks, whichever is longer."""

    attempts: int = 4
    backoff: float = 0.5
    max_backoff: float = 30.0

    def delay(self, retry: int, retry_after: float | None) -> float:
        wait = min(self.max_backoff, self.backoff * 2 ** (retry - 1))
        return float(max(wait, min(retry_after or 0.0, self.max_backoff)))


def retry_after(response: Response) -> float | None:
    value = response.header("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def redacted_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: ("***" if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


def redacted_body(content: bytes) -> bytes:
    """A JSON body with every password, secret and token value masked (auth requests carry
    them; the ``id`` of an application credential's secret pair is masked with it, harmlessly)."""
    return _SECRET_FIELDS.sub(rb'\1"***"', content)


def _log_request(request: Request) -> None:
    if not log.isEnabledFor(logging.DEBUG):
        return
    body = redacted_body(request.content)[:2000] if isinstance(request.content, bytes) else b""
    log.debug("REQ %s %s %s %s", request.method, request.url, redacted_headers(dict(request.headers)), body)


def _log_response(response: Response) -> None:
    if not log.isEnabledFor(logging.DEBUG):
        return
    headers = redacted_headers(dict(response.headers))
    body = redacted_body(response.content[:2000])
    log.debug("RESP %s %s -> %s %s %s", response.method, response.url, response.status_code, headers, body)


def send(request: Request, policy: RetryPolicy = RetryPolicy(), *, check: bool = True) -> Call[Response]:
    """Send ``request`` (a plan). Idempotent requests are retried on a connection failure or a
    503; nothing else is. With ``check``, an answer of 400 or more raises its HttpError."""
    headers = {"User-Agent": USER_AGENT, "X-OpenStack-Request-ID": f"req-{uuid.uuid4()}", **request.headers}
    request = replace(request, headers=headers)
    attempts = policy.attempts if request.idempotent else 1
    for attempt in range(1, attempts + 1):
        _log_request(request)
        try:
            response: Response = yield request
        except ConnectionFailure:
            if attempt == attempts:
                raise
            yield Sleep(policy.delay(attempt, None))
            continue
        _log_response(response)
        if response.status_code == 503 and attempt < attempts:
            yield Sleep(policy.delay(attempt, retry_after(response)))
            continue
        if check:
            raise_for(response)
        return response
    raise AssertionError("unreachable")


def raise_for(response: Response) -> None:
    if response.status_code >= 400:
        raise error(response)


def error(response: Response) -> HttpError:
    return error_for(
        response.status_code,
        response.content,
        method=response.method,
        url=response.url,
        request_id=response.request_id,
        retry_after=retry_after(response),
    )
