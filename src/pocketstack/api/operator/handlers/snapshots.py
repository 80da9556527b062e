"""Operator API: snapshots, restore and reset (docs/operator.md section 4)."""

from __future__ import annotations

from pocketstack.api.common.hal.routes import Route

ROUTES: list[Route] = []
