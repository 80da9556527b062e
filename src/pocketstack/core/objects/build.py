"""(to be written) build_object_service(settings, db) -> ObjectService."""

from __future__ import annotations

from pocketstack.config import Settings
from pocketstack.core.objects.service import ObjectService
from pocketstack.store.db import Database


def build_object_service(settings: Settings, db: Database) -> ObjectService:
    raise NotImplementedError
