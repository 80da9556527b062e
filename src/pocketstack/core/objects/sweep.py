"""Crash safety of object data at start (the primary process, before it serves): temporary
files of interrupted uploads, and blobs no row points at (a crash between a blob's rename and
its row's commit, or between a commit and the removal of the blob it replaced), are removed.

Run only while no upload is under way: a blob renamed into place but not yet committed would
look like an orphan.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select

from pocketstack.objectstore.blobs import BlobStore
from pocketstack.store.db import Database
from pocketstack.store.object_models import StoredObject

LOG = logging.getLogger("pocketstack")


@dataclass
class ObjectSweepReport:
    partials: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)


def sweep_object_data(db: Database, blobs: BlobStore) -> ObjectSweepReport:
    report = ObjectSweepReport(partials=blobs.sweep_partials())
    on_disk = list(blobs.paths())
    if on_disk:
        with db.read() as s:
            recorded = set(
                s.scalars(select(StoredObject.data_path).where(StoredObject.data_path.is_not(None)))
            )
        for path in on_disk:
            if path not in recorded:
                blobs.delete(path)
                report.orphans.append(path)
    for kind in ("partials", "orphans"):
        for item in getattr(report, kind):
            LOG.warning("event=object_data_removed_after_crash kind=%s data=%s", kind, item)
    return report
