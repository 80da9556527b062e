"""Objects whose ``delete_at`` has come: invisible at once, their rows and blobs removed by
``expire_objects`` (a periodic job of the cloud)."""

from __future__ import annotations

import logging
from itertools import groupby

from sqlalchemy import select

from pocketstack.core.objects.changes import AccountChange, Quota
from pocketstack.objectstore.blobs import BlobStore
from pocketstack.store.db import Database
from pocketstack.store.object_models import ObjectContainer, StoredObject

LOG = logging.getLogger("pocketstack")
BATCH = 500


def expire_objects(db: Database, blobs: BlobStore, now: float) -> int:
    """Delete every object expired at ``now``, one transaction per account and batch; returns
    how many."""
    removed = 0
    while True:
        with db.read() as s:
            due = s.execute(
                select(ObjectContainer.project_id, StoredObject.id)
                .join(ObjectContainer, ObjectContainer.id == StoredObject.container_id)
                .where(StoredObject.delete_at.is_not(None), StoredObject.delete_at <= now)
                .order_by(ObjectContainer.project_id, StoredObject.id)
                .limit(BATCH)
            ).all()
        if not due:
            break
        for project_id, rows in groupby(due, key=lambda r: r[0]):
            removed += _expire_in(db, blobs, project_id, [r[1] for r in rows], now)
        if len(due) < BATCH:
            break
    if removed:
        LOG.info("event=objects_expired count=%d", removed)
    return removed


def _expire_in(db: Database, blobs: BlobStore, project_id: str, ids: list[int], now: float) -> int:
    with db.transaction() as s:
        change = AccountChange.begin(s, project_id, now, Quota())
        rows = s.scalars(
            select(StoredObject).where(
                StoredObject.id.in_(ids), StoredObject.delete_at.is_not(None), StoredObject.delete_at <= now
            )
        ).all()
        for row in rows:
            change.remove(row)
        change.close()
    for path in change.garbage:
        blobs.delete(path)
    return len(rows)
