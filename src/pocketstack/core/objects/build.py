"""build_object_service(settings, db) -> ObjectService."""

from __future__ import annotations

from pocketstack.config import Settings
from pocketstack.core.objects.changes import Quota
from pocketstack.core.objects.service import ObjectService
from pocketstack.core.objects.storage import ObjectStorage
from pocketstack.objectstore.blobs import BlobStore
from pocketstack.store.db import Database


def build_object_service(settings: Settings, db: Database) -> ObjectService:
    default = Quota(
        settings.object_account_quota_bytes or None,
        settings.object_account_quota_count or None,
    )
    return ObjectStorage(db, BlobStore(settings.object_data_path), default, settings.region)
