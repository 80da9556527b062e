"""Placements: the DAG that availability zones are views of."""

from __future__ import annotations

from pocketstack.api.compute_vnext.common import Route

ROUTES: list[Route] = []
