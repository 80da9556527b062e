"""Compute quotas (being written)."""

from __future__ import annotations

from collections.abc import Mapping

from pocketstack.store.db import Database


class QuotaService:
    def __init__(self, db: Database, defaults: Mapping[str, int]) -> None:
        self.db = db
        self.defaults = dict(defaults)


def parse_quota_defaults(text: str) -> dict[str, int]:
    """``"instances=20,cores=40"`` -> overrides of the built-in defaults."""
    return {}
