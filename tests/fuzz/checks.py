"""What every answer must look like, whatever was asked: no 5xx but a 501 that names what is
missing, the error in the service's own envelope, and a request id."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from pocketstack.api.compute_v21.errors import fault_name

GENERIC_500 = "An unexpected error prevented the server from completing the request."
ENVELOPE_KEYS = {"network": "NeutronError"}


def problems(service: str, method: str, resp: httpx.Response) -> list[str]:
    """What is wrong with ``resp`` (an empty list when nothing is)."""
    found: list[str] = []
    status = resp.status_code
    if "x-openstack-request-id" not in resp.headers:
        found.append("no x-openstack-request-id header")
    if status >= 500 and status != 501:
        found.append(f"server error {status}")
    if status < 400 or method == "HEAD":
        return found
    try:
        body = orjson.loads(resp.content)
    except orjson.JSONDecodeError:
        return [*found, f"the error body is not JSON: {resp.content[:200]!r}"]
    found += _envelope(service, status, body)
    if status == 501:
        message = _message(service, body)
        if not message or message == GENERIC_500:
            found.append("a 501 that does not name what is missing")
    return found


def _message(service: str, body: Any) -> str | None:
    try:
        inner = (
            body[ENVELOPE_KEYS.get(service, "error")] if service != "compute" else next(iter(body.values()))
        )
        return inner.get("message")
    except (AttributeError, KeyError, StopIteration, TypeError):
        return None


def _envelope(service: str, status: int, body: Any) -> list[str]:
    if not isinstance(body, dict) or len(body) != 1:
        return [f"the error body is not an object with one key: {body!r}"[:300]]
    ((name, inner),) = body.items()
    if service == "network":
        return _neutron(name, inner)
    if service == "compute":
        expected = fault_name(status)
        wanted = {"code", "message"}
    else:
        expected = "error"
        wanted = {"code", "title", "message"}
    out = []
    if name != expected:
        out.append(f"the error's key is {name!r}, not {expected!r}")
    if not isinstance(inner, dict) or not wanted <= set(inner):
        return [*out, f"the error lacks {sorted(wanted)}: {inner!r}"[:300]]
    if inner["code"] != status:
        out.append(f"the error's code {inner['code']!r} is not the status {status}")
    if not isinstance(inner["message"], str) or not inner["message"]:
        out.append(f"the error's message is not a text: {inner['message']!r}")
    if service != "compute" and not isinstance(inner["title"], str):
        out.append(f"the error's title is not a text: {inner['title']!r}")
    return out


def _neutron(name: str, inner: Any) -> list[str]:
    """Network v2's ``{"NeutronError": {"type", "message", "detail"}}``: no code in the body,
    ``type`` names the Neutron exception (or the HTTP error webob would raise)."""
    if name != "NeutronError":
        return [f"the error's key is {name!r}, not 'NeutronError'"]
    if not isinstance(inner, dict) or not {"type", "message", "detail"} <= set(inner):
        return [f"the error lacks ['detail', 'message', 'type']: {inner!r}"[:300]]
    out = []
    if not isinstance(inner["type"], str) or not inner["type"]:
        out.append(f"the error's type is not a text: {inner['type']!r}")
    elif inner["type"] == "HTTPInternalServerError":
        out.append("the error's type is HTTPInternalServerError: a status errors.py has no name for")
    if not isinstance(inner["message"], str) or not inner["message"]:
        out.append(f"the error's message is not a text: {inner['message']!r}")
    return out
