"""AggregateService (being written)."""

from __future__ import annotations

from pocketstack.store.db import Database


class AggregateService:
    def __init__(self, db: Database) -> None:
        self.db = db
