"""Compute v2.1: POST /os-server-external-events, for other services (the ``service`` role).

The answer lists every event with its ``code``; the whole request is 200 when all were
accepted, 207 when some were, and 404 when none was, as Nova answers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints
from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.common.validation import Wire
from pocketstack.api.compute_v21.request import body
from pocketstack.api.compute_v21.version_ranges import Gate, allows, since
from pocketstack.core.compute import external_events
from pocketstack.core.compute.external_events import ACCEPTED, Event
from pocketstack.core.errors import BadRequest, NotFound

RULE = "os_compute_api:os-server-external-events:create"
# Each name from the microversion that brought it.
_NAMES: dict[str, Gate] = {
    "network-changed": since("2.1"),
    "network-vif-plugged": since("2.1"),
    "network-vif-unplugged": since("2.1"),
    "network-vif-deleted": since("2.1"),
    "volume-extended": since("2.51"),
    "power-update": since("2.76"),
    "accelerator-request-bound": since("2.82"),
    "volume-reimaged": since("2.93"),
}


class _Event(Wire):
    name: str
    server_uuid: Annotated[str, StringConstraints(min_length=1, max_length=36)]
    status: Literal["failed", "completed", "in-progress"] = "completed"
    tag: Annotated[str, StringConstraints(max_length=255)] | None = None


class _Events(Wire):
    events: list[_Event] = Field(min_length=1)


def create_events(req: ApiRequest) -> Response:
    req.enforce({})
    doc = body(req, _Events)
    for e in doc.events:
        gate = _NAMES.get(e.name)
        if gate is None or not allows(req, gate):
            raise BadRequest(f"Invalid input for field/attribute name. Value: {e.name}.")
        if e.name == "power-update" and e.tag not in ("POWER_ON", "POWER_OFF"):
            raise BadRequest(f"Invalid input for field/attribute tag. Value: {e.tag}.")
    events = [Event(e.name, e.server_uuid, e.status, e.tag) for e in doc.events]
    codes = external_events.deliver(req.cloud.db, events)
    if ACCEPTED not in codes:
        raise NotFound("server", "", message="No instances found for any event")
    answered: list[dict[str, Any]] = []
    for event, code in zip(events, codes, strict=True):
        item: dict[str, Any] = {"name": event.name, "server_uuid": event.server_id, "code": code}
        item["status"] = event.status if code == ACCEPTED else "failed"
        if event.tag is not None:
            item["tag"] = event.tag
        answered.append(item)
    return json_response({"events": answered}, 200 if set(codes) == {ACCEPTED} else 207)


ROUTES = [Endpoint("POST", "/os-server-external-events", create_events, RULE)]
