"""Compute v2.1: hypervisors (being written)."""

from __future__ import annotations

from pocketstack.api.common.routing import Endpoint

ROUTES: list[Endpoint] = []
