"""The Operator API's route table: every handler module's rows, in one list."""

from __future__ import annotations

from pocketstack.api.common.hal.routes import Route
from pocketstack.api.operator import discovery
from pocketstack.api.operator.handlers import faults, hosts, keys, placements, snapshots, tasks

TABLE: list[Route] = [
    *discovery.ROUTES,
    *faults.ROUTES,
    *keys.ROUTES,
    *hosts.ROUTES,
    *placements.ROUTES,
    *tasks.ROUTES,
    *snapshots.ROUTES,
]
ROUTES = [route.endpoint() for route in TABLE]
