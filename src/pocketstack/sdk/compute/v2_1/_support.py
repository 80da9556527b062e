"""Small plans the compute v2.1 plans share."""

from __future__ import annotations

from typing import Any

from pocketstack.sdk.exceptions import BadRequest, NotFound
from pocketstack.sdk.plan import Call, Response
from pocketstack.sdk.resource import Resource, value_id
from pocketstack.sdk.session import Microversion, Session

COMPUTE = "compute"
NOT_AN_ID = (NotFound, BadRequest)
"""What Nova answers a get by an id that is no id (a 400 for one of the wrong form): for
``ops.find_resource(..., not_found=NOT_AN_ID)``."""


def at_least(session: Session, version: str) -> Call[bool]:
    """Whether the session's compute microversion is ``version`` or newer."""
    current = yield from session.compute_microversion()
    return current >= Microversion.parse(version)


def server_action(
    session: Session, server: Resource | str, body: dict[str, Any], microversion: str | None = None
) -> Call[Response]:
    """``POST /servers/{id}/action`` with ``body`` (one action)."""
    return session.request(
        COMPUTE, "POST", f"/servers/{value_id(server)}/action", json_body=body, microversion=microversion
    )


def body_of(response: Response) -> dict[str, Any]:
    """The answer's JSON object ({} when it has no body)."""
    doc = response.json() if response.content else None
    return doc if isinstance(doc, dict) else {}
