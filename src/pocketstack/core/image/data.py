"""Image data, after Glance's image data calls: upload (``queued`` -> ``saving`` -> ``active``),
stage for import (``queued`` -> ``uploading``) and download.

Every status change is a conditional UPDATE (``... WHERE status = <expected>``), so of two
racing requests exactly one wins and the other gets 409. Data reaches a store under a
temporary name and is renamed into place only when complete, checked and inspected; when
anything fails, the data is removed and the image goes back to ``queued``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext
from pocketstack.core.errors import BadRequest, Conflict, Forbidden, PayloadTooLarge, PocketstackError
from pocketstack.core.identity.common import utcnow
from pocketstack.core.image import access
from pocketstack.core.image.pipeline import Hashes, StreamingTransfer
from pocketstack.core.image.transfer import HASH_ALGO, Limit, inspect_file
from pocketstack.imagestore.base import DataReader, ImageStore, StoreWriter
from pocketstack.store.db import Database
from pocketstack.store.image_models import Image, ImageLocation

LOG = logging.getLogger("pocketstack")


class Gone(PocketstackError):
    status = 410
    code = "image.gone"


def transition_conflict(current: str, new: str) -> Conflict:
    return Conflict(
        f"Image status transition from {current} to {new} is not allowed",
        code="image.status.invalid_transition",
    )


def set_status(session: Session, image_id: str, expected: str, new: str, **values: object) -> bool:
    """Move the image from ``expected`` to ``new`` (with ``values``); False when it was not in
    ``expected`` any more (or is gone)."""
    if new == "queued":  # Glance: a queued image has no size
        values = {"size": None, "virtual_size": None, **values}
    stmt = (
        update(Image)
        .where(Image.id == image_id, Image.status == expected)
        .values(status=new, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    return session.execute(stmt).rowcount == 1


def touch(session: Session, image_id: str) -> bool:
    """Lock the image's row for this transaction (False when it is gone)."""
    stmt = (
        update(Image)
        .where(Image.id == image_id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return session.execute(stmt).rowcount == 1


def project_usage(session: Session, project_id: str | None, excluding: str | None = None) -> int:
    """Bytes of image data (stored or staged) the images of ``project_id`` hold."""
    stmt = select(func.coalesce(func.sum(Image.size), 0)).where(Image.owner == project_id)
    if excluding is not None:
        stmt = stmt.where(Image.id != excluding)
    return int(session.scalar(stmt) or 0)


def per_image(
    session: Session, pairs: Select[tuple[str, str]], image_ids: Iterable[str]
) -> dict[str, list[str]]:
    """Run ``pairs`` (a select of ``(image_id, value)`` for the images of its ``image_ids``
    expanding parameter: see ``pairs_of``) and group the values by image, every image
    present. Through the session's connection: these run for every image listed."""
    ids = list(image_ids)
    found: dict[str, list[str]] = {i: [] for i in ids}
    if ids:
        for image_id, value in session.connection().execute(pairs, {"image_ids": ids}):
            found[image_id].append(value)
    return found


def pairs_of(image_column: Any, value_column: Any, *order: Any) -> Select[tuple[str, str]]:
    """The statement ``per_image`` runs, built once per use."""
    where = image_column.in_(bindparam("image_ids", expanding=True))
    return select(image_column, value_column).where(where).order_by(*order)


_STORE_IDS = pairs_of(ImageLocation.image_id, ImageLocation.store_id, ImageLocation.id)


def store_ids_of(session: Session, image_ids: Iterable[str]) -> dict[str, list[str]]:
    """The stores holding each image's data, in the order the copies were made (for the
    ``stores`` attribute of image views)."""
    return per_image(session, _STORE_IDS, image_ids)


# A prometheus Counter of image data bytes by direction ("in", "out"), once the API's metrics
# are set up (api/common/metrics.py); None until then, and in a process without them.
IMAGE_BYTES: Any = None


def _count_bytes(direction: str, amount: int) -> None:
    if IMAGE_BYTES is not None:
        IMAGE_BYTES.labels(direction).inc(amount)


@dataclass(frozen=True)
class Download:
    """The data of an image, already open (``reader``), and what a response needs to say."""

    reader: DataReader
    size: int
    checksum: str | None
    offset: int
    length: int


class ImageDataService:
    """Upload, stage, download and removal of image data (see the module docstring)."""

    def __init__(
        self,
        db: Database,
        stores: dict[str, ImageStore],
        staging: ImageStore,
        size_cap: int,
        quota: int = 0,
    ) -> None:
        self.db = db
        self.stores = stores
        self.staging = staging
        self.size_cap = size_cap
        self.quota = quota

    @property
    def default_store(self) -> str:
        return next(iter(self.stores))

    def store(self, store_id: str | None) -> ImageStore:
        """The store ``store_id`` (the default when None); BadRequest when there is none."""
        if store_id is None:
            return self.stores[self.default_store]
        if store_id not in self.stores:
            raise BadRequest(f"Unknown store: {store_id}", code="image.store.unknown")
        return self.stores[store_id]

    def get(self, ctx: RequestContext, image_id: str) -> Image:
        """The image if ``ctx`` may see it; NotFound otherwise."""
        with self.db.read() as s:
            return access.get_readable(s, ctx, image_id)

    # -- limits --------------------------------------------------------------------------

    def limit_for(self, owner: str | None, image_id: str, declared: int | None) -> Limit:
        """The byte limit of new data for ``image_id``: the size cap or the owner's quota left,
        whichever is smaller. PayloadTooLarge at once when ``declared`` is already over it."""
        limit = Limit(self.size_cap, f"The incoming image is too large: the limit is {self.size_cap} bytes.")
        if self.quota:
            with self.db.read() as s:
                left = self.quota - project_usage(s, owner, excluding=image_id)
            if left < limit.bytes:
                limit = Limit(
                    max(left, 0),
                    f"Image exceeds the storage quota: {max(left, 0)} of {self.quota} bytes are left.",
                )
        if declared is not None and declared > limit.bytes:
            raise PayloadTooLarge(limit.message, code="image.data.too_large")
        return limit

    def check_quota(self, session: Session, owner: str | None, image_id: str, size: int) -> None:
        """Inside the transaction that records data: still within the quota with it?"""
        if self.quota and project_usage(session, owner, excluding=image_id) + size > self.quota:
            raise PayloadTooLarge(
                f"Image exceeds the storage quota of {self.quota} bytes.", code="image.quota.exceeded"
            )

    # -- upload --------------------------------------------------------------------------

    def begin_upload(self, image: Image, store_id: str | None, declared: int | None) -> StreamingTransfer:
        """Take ``image`` from ``queued`` to ``saving`` and return the transfer that fills it.
        Raises BadRequest (unknown store, formats not set), Conflict (not ``queued``) and
        PayloadTooLarge (``declared`` over the size cap or the quota)."""
        store = self.store(store_id)
        missing = [k for k in ("disk_format", "container_format") if not getattr(image, k)]
        if missing:
            noun = "Property" if len(missing) == 1 else "Properties"
            raise BadRequest(f"{noun} {', '.join(missing)} must be set prior to saving data.")
        limit = self.limit_for(image.owner, image.id, declared)
        with self.db.transaction() as s:
            if not set_status(s, image.id, "queued", "saving"):
                raise transition_conflict(self._status(s, image.id), "saving")
        try:
            writer = store.writer(image.id)
        except BaseException:
            self._restore(image.id, "saving")
            raise

        def complete(w: StoreWriter, digest: Hashes) -> None:
            self._complete_upload(image, store, w, digest)

        return StreamingTransfer(writer, limit, declared, complete, lambda: self._restore(image.id, "saving"))

    def _complete_upload(self, image: Image, store: ImageStore, writer: StoreWriter, digest: Hashes) -> None:
        writer.flush()
        virtual_size = inspect_file(writer.temp_path, image.disk_format, image.container_format, writer.size)
        stored = writer.commit()
        try:
            with self.db.transaction() as s:
                self.check_quota(s, image.owner, image.id, stored.size)
                done = set_status(
                    s,
                    image.id,
                    "saving",
                    "active",
                    size=stored.size,
                    virtual_size=virtual_size,
                    checksum=digest.checksum,
                    os_hash_algo=HASH_ALGO,
                    os_hash_value=digest.os_hash_value,
                )
                if not done:
                    raise Gone(
                        f"Image {image.id} could not be found after upload. The image may have been "
                        "deleted during the upload, cleaning up the chunks uploaded."
                    )
                s.add(self.location(image.id, store.id, stored.path, stored.size))
        except BaseException:
            store.delete(stored.path)
            raise
        _count_bytes("in", stored.size)
        LOG.info("event=image_uploaded image_id=%s store=%s size=%d", image.id, store.id, stored.size)

    @staticmethod
    def location(image_id: str, store_id: str, path: str, size: int) -> ImageLocation:
        return ImageLocation(image_id=image_id, store_id=store_id, path=path, size=size, created_at=utcnow())

    def _status(self, s: Session, image_id: str) -> str:
        return s.scalar(select(Image.status).where(Image.id == image_id)) or "deleted"

    def _restore(self, image_id: str, expected: str) -> None:
        with self.db.transaction() as s:
            if set_status(s, image_id, expected, "queued"):
                LOG.info("event=image_data_restored image_id=%s from=%s", image_id, expected)

    # -- stage ---------------------------------------------------------------------------

    def begin_stage(self, image: Image, declared: int | None) -> StreamingTransfer:
        """Take ``image`` from ``queued`` to ``uploading`` and return the transfer that puts its
        data in the staging area (for a later glance-direct import)."""
        limit = self.limit_for(image.owner, image.id, declared)
        with self.db.transaction() as s:
            if not set_status(s, image.id, "queued", "uploading"):
                raise transition_conflict(self._status(s, image.id), "uploading")
        try:
            writer = self.staging.writer(image.id)
        except BaseException:
            self._restore(image.id, "uploading")
            raise

        def complete(w: StoreWriter, _digest: Hashes) -> None:
            stored = w.commit()
            try:
                with self.db.transaction() as s:
                    self.check_quota(s, image.owner, image.id, stored.size)
                    if not set_status(s, image.id, "uploading", "uploading", size=stored.size):
                        raise Gone(f"Image {image.id} was deleted while its data was staged.")
            except BaseException:
                self.staging.delete(stored.path)
                raise
            _count_bytes("in", stored.size)

        def restore() -> None:
            self._restore(image.id, "uploading")

        return StreamingTransfer(writer, limit, declared, complete, restore, hashing=False)

    def staged_path(self, image_id: str) -> str:
        return self.staging.data_path(image_id)

    # -- download ------------------------------------------------------------------------

    def download(
        self, ctx: RequestContext, image: Image, window: Callable[[int], tuple[int, int]] | None = None
    ) -> Download | None:
        """The image's data, already open; None when it has none. ``window(size)`` picks the
        (offset, length) to serve (and may raise). Forbidden for a deactivated image unless
        ``ctx`` is an admin."""
        if image.status == "deactivated" and not access.is_admin(ctx):
            raise Forbidden("The requested image has been deactivated. Image data download is forbidden.")
        download = self.open_data(image, window)
        if download is not None:
            _count_bytes("out", download.length)
        return download

    def open_data(
        self, image: Image, window: Callable[[int], tuple[int, int]] | None = None
    ) -> Download | None:
        """The first copy of ``image``'s data that can be opened (no access checks)."""
        for loc in self.locations(image.id):
            store = self.stores.get(loc.store_id)
            if store is None:
                continue
            offset, length = window(loc.size) if window else (0, loc.size)
            try:
                reader = store.read(loc.path, offset, length)
            except FileNotFoundError:
                LOG.warning("event=image_data_missing image_id=%s store=%s", image.id, loc.store_id)
                continue
            return Download(reader, loc.size, image.checksum, offset, length)
        return None

    def locations(self, image_id: str) -> list[ImageLocation]:
        with self.db.read() as s:
            return list(
                s.scalars(
                    select(ImageLocation).where(ImageLocation.image_id == image_id).order_by(ImageLocation.id)
                )
            )

    # -- removal -------------------------------------------------------------------------

    def remove_data(self, image_id: str, locations: Iterable[ImageLocation]) -> None:
        """Delete the data of a deleted image: each copy, and anything staged. Call after the
        transaction that deleted the image committed (collect ``locations`` before it)."""
        for loc in locations:
            store = self.stores.get(loc.store_id)
            if store is not None:
                self._quietly_delete(store, loc.path, image_id)
        self._quietly_delete(self.staging, self.staging.data_path(image_id), image_id)

    @staticmethod
    def _quietly_delete(store: ImageStore, path: str, image_id: str) -> None:
        try:
            store.delete(path)
        except OSError as exc:
            LOG.warning(
                "event=image_data_delete_failed image_id=%s store=%s error=%s", image_id, store.id, exc
            )
