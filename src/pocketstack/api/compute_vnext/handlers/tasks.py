"""Tasks: POST /servers/{id}/tasks, and the task reads (one history with v2.1's instance actions)."""

from __future__ import annotations

from pocketstack.api.compute_vnext.common import Route

ROUTES: list[Route] = []
