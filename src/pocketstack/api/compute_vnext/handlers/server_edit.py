"""Changing a server: PATCH, tags, console log and consoles."""

from __future__ import annotations

from pocketstack.api.compute_vnext.common import Route

ROUTES: list[Route] = []
