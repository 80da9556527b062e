"""Crash safety at start: nothing an interrupted upload, stage, import or copy left behind
survives, and no image stays stuck. Run before the API serves (``build_cloud`` does).

- images ``saving`` or ``importing`` go back to ``queued`` (their data never became visible);
- images ``uploading`` whose staged data is not complete go back to ``queued``;
- half-written data (every store's ``.partial/``) is removed;
- a copy renamed into place whose database row never committed is removed;
- staged data of images that are no longer ``uploading`` is removed;
- copies that were still running (``os_glance_importing_to_stores``) are marked failed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select

from pocketstack.core.image.data import set_status, touch
from pocketstack.core.image.imports import IMPORTING, csv_list, edit_store_lists
from pocketstack.imagestore.base import ImageStore
from pocketstack.store.db import Database
from pocketstack.store.image_models import Image, ImageLocation

LOG = logging.getLogger("pocketstack")


@dataclass
class SweepReport:
    reset: dict[str, str] = field(default_factory=dict)  # image id -> the status it was left in
    partials: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    staged: list[str] = field(default_factory=list)
    copies: list[str] = field(default_factory=list)  # images whose copy-image was cut

    @property
    def empty(self) -> bool:
        return not (self.reset or self.partials or self.orphans or self.staged or self.copies)


def _stuck(db: Database, staging: ImageStore, report: SweepReport) -> tuple[dict[str, set[str]], set[str]]:
    """Reset stuck images; returns, per image, the stores that may hold an uncommitted copy,
    and the images still ``uploading``."""
    suspects: dict[str, set[str]] = {}
    uploading: set[str] = set()
    with db.transaction() as s:
        rows = s.execute(
            select(Image.id, Image.status, Image.properties).where(Image.status != "deleted")
        ).all()
        for image_id, status, props in rows:
            cut_copy = csv_list((props or {}).get(IMPORTING))
            staged_ok = status == "uploading" and staging.exists(staging.data_path(image_id))
            if status in ("saving", "importing") or (status == "uploading" and not staged_ok):
                if set_status(s, image_id, status, "queued"):
                    edit_store_lists(s, image_id, set(), set(cut_copy))
                    report.reset[image_id] = status
                    suspects[image_id] = set()
            elif cut_copy and touch(s, image_id):
                edit_store_lists(s, image_id, set(), set(cut_copy))
                report.copies.append(image_id)
                suspects[image_id] = set(cut_copy)
            if status == "uploading" and image_id not in report.reset:
                uploading.add(image_id)
    return suspects, uploading


def _orphans(
    db: Database, stores: dict[str, ImageStore], suspects: dict[str, set[str]], report: SweepReport
) -> None:
    with db.read() as s:
        for image_id, only in suspects.items():
            recorded = set(
                s.execute(
                    select(ImageLocation.store_id, ImageLocation.path).where(
                        ImageLocation.image_id == image_id
                    )
                )
            )
            for store_id, store in stores.items():
                if only and store_id not in only:
                    continue
                path = store.data_path(image_id)
                if (store_id, path) not in recorded and store.exists(path):
                    store.delete(path)
                    report.orphans.append(f"{store_id}:{path}")


def _staged_leftovers(staging: ImageStore, uploading: set[str], report: SweepReport) -> None:
    for path in staging.paths():
        if path.rsplit("/", 1)[-1] not in uploading:
            staging.delete(path)
            report.staged.append(path)


def sweep(db: Database, stores: dict[str, ImageStore], staging: ImageStore) -> SweepReport:
    """Clean up after a crash (see the module docstring); logs what it did."""
    report = SweepReport()
    for store in [*stores.values(), staging]:
        report.partials.extend(f"{store.id}:{name}" for name in store.sweep_partials())
    suspects, uploading = _stuck(db, staging, report)
    if suspects:
        _orphans(db, stores, suspects, report)
    _staged_leftovers(staging, uploading, report)
    for image_id, status in report.reset.items():
        LOG.warning("event=image_reset_after_crash image_id=%s was=%s now=queued", image_id, status)
    for image_id in report.copies:
        LOG.warning("event=image_copy_cut_by_crash image_id=%s", image_id)
    for kind in ("partials", "orphans", "staged"):
        for item in getattr(report, kind):
            LOG.warning("event=image_data_removed_after_crash kind=%s data=%s", kind, item)
    if not report.empty:
        LOG.info(
            "event=image_sweep reset=%d partials=%d orphans=%d staged=%d copies=%d",
            len(report.reset),
            len(report.partials),
            len(report.orphans),
            len(report.staged),
            len(report.copies),
        )
    return report
