"""vNext's discovery documents (JSON-Home root, schemas, OpenAPI), from its route table."""

from __future__ import annotations

from pocketstack.api.common.hal.discovery import Discovery
from pocketstack.api.common.hal.routes import Route
from pocketstack.api.compute_vnext.versions import VERSION

REL = "urn:pocketstack:compute-vnext:rel:"


def _table() -> list[Route]:
    from pocketstack.api.compute_vnext.routes import TABLE  # noqa: PLC0415 - it imports this module

    return TABLE


DISCOVERY = Discovery("pocketstack Compute vNext", VERSION, REL, "/compute/vnext", _table)
ROUTES = DISCOVERY.routes
