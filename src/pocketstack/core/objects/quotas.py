"""The early quota check of an upload whose size is announced: a request sure to exceed a
quota is refused before its data is received. Advisory only (it locks nothing): the check at
``finish`` (changes.py) is the one that holds under concurrency."""

from __future__ import annotations

import time

from sqlalchemy import select

from pocketstack.core.errors import NotFound, QuotaExceeded
from pocketstack.core.objects.changes import Quota, account_quota, account_usage
from pocketstack.core.objects.records import visible
from pocketstack.store.db import Database
from pocketstack.store.object_models import ObjectAccount, ObjectContainer, StoredObject


def check_upload(db: Database, project_id: str, container: str, name: str, size: int, default: Quota) -> None:
    """NotFound when the container is missing; QuotaExceeded when storing ``size`` bytes as
    ``name`` (replacing the object of that name) would pass a quota."""
    with db.read() as s:
        row = s.scalars(
            select(ObjectContainer).where(
                ObjectContainer.project_id == project_id, ObjectContainer.name == container
            )
        ).first()
        if row is None:
            raise NotFound("container", container, code="objects.container.not_found")
        replaced = s.scalar(
            select(StoredObject.size).where(
                StoredObject.container_id == row.id, StoredObject.name == name, visible(time.time())
            )
        )
        grow_count = 0 if replaced is not None else 1
        grow_bytes = size - (replaced or 0)
        if row.quota_bytes is not None and grow_bytes > 0 and row.bytes_used + grow_bytes > row.quota_bytes:
            raise QuotaExceeded(
                "Upload exceeds the container's byte quota.", code="objects.container.quota_exceeded"
            )
        if row.quota_count is not None and grow_count and row.object_count + 1 > row.quota_count:
            raise QuotaExceeded(
                "Upload exceeds the container's object quota.", code="objects.container.quota_exceeded"
            )
        quota = account_quota(s.get(ObjectAccount, project_id), default)
        if quota.bytes is None and quota.count is None:
            return
        objects, used = account_usage(s, project_id)
        if quota.bytes is not None and grow_bytes > 0 and used + grow_bytes > quota.bytes:
            raise QuotaExceeded(
                "Upload exceeds the account's byte quota.", code="objects.account.quota_exceeded"
            )
        if quota.count is not None and grow_count and objects + 1 > quota.count:
            raise QuotaExceeded(
                "Upload exceeds the account's object quota.", code="objects.account.quota_exceeded"
            )
