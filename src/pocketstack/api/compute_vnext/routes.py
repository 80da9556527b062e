"""The vNext route table: every handler module's rows, in one list."""

from __future__ import annotations

from pocketstack.api.common.hal.routes import Route
from pocketstack.api.compute_vnext import discovery
from pocketstack.api.compute_vnext.handlers import (
    create,
    placements,
    server_edit,
    server_types,
    servers,
    tasks,
)

TABLE: list[Route] = [
    *discovery.ROUTES,
    *servers.ROUTES,
    *create.ROUTES,
    *server_edit.ROUTES,
    *tasks.ROUTES,
    *server_types.ROUTES,
    *placements.ROUTES,
]
ROUTES = [route.endpoint() for route in TABLE]
