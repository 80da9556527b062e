"""The Operator API's discovery documents (JSON-Home root, schemas, OpenAPI)."""

from __future__ import annotations

from pocketstack.api.common.hal.discovery import Discovery
from pocketstack.api.common.hal.routes import Route

VERSION = "1.0"
REL = "urn:pocketstack:operator:rel:"


def _table() -> list[Route]:
    from pocketstack.api.operator.routes import TABLE  # noqa: PLC0415 - it imports this module

    return TABLE


DISCOVERY = Discovery("pocketstack Operator", VERSION, REL, "/operator", _table)
ROUTES = DISCOVERY.routes
