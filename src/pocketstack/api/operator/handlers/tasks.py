"""Operator API: tasks (docs/operator.md section 3)."""

from __future__ import annotations

from pocketstack.api.common.hal.routes import Route

ROUTES: list[Route] = []
