"""Server types (flavors): being written."""

from __future__ import annotations

from pocketstack.store.db import Database


class FlavorService:
    def __init__(self, db: Database) -> None:
        self.db = db


def ensure_default_flavors(db: Database) -> None:
    """First start only: the classic public m1.* flavors."""
