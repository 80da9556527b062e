"""Compute v2.1: limits (being written)."""

from __future__ import annotations

from pocketstack.api.common.routing import Endpoint

ROUTES: list[Endpoint] = []
