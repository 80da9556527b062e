"""Interoperable image import, after Glance: ``glance-direct`` (staged data -> stores, the image
``uploading`` -> ``importing`` -> ``active``) and ``copy-image`` (an active image's data copied
to more stores). The work runs on a small thread pool; the request that starts it waits a few
seconds for it, so small imports are done when the 202 is answered.

Progress shows in two reserved properties, as in Glance: ``os_glance_importing_to_stores``
(stores still being written) and ``os_glance_failed_import`` (stores that failed).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest, Conflict
from pocketstack.core.image.copy import CopyFailed, StoreCopy
from pocketstack.core.image.data import Gone, ImageDataService, set_status, touch
from pocketstack.core.image.transfer import HASH_ALGO, inspect_file
from pocketstack.imagestore.base import StoredData
from pocketstack.store.image_models import Image, ImageLocation

LOG = logging.getLogger("pocketstack")
METHODS = ("glance-direct", "copy-image")
IMPORTING = "os_glance_importing_to_stores"
FAILED = "os_glance_failed_import"


@dataclass(frozen=True)
class ImportRequest:
    method: str
    stores: list[str] | None = None
    all_stores: bool = False
    all_stores_must_succeed: bool = True
    header_store: str | None = None


def csv_list(value: object) -> list[str]:
    return [v for v in str(value or "").split(",") if v]


def edit_store_lists(session: Session, image_id: str, importing: set[str], failed: set[str]) -> None:
    """Replace the stores listed as importing; add ``failed`` to the failed ones (removing
    whatever is importing again). The row must already be write-locked by this transaction."""
    image = session.get(Image, image_id, populate_existing=True)
    if image is None:
        return
    props = dict(image.properties or {})
    failed_now = (set(csv_list(props.get(FAILED))) - importing) | failed
    for key, values in ((IMPORTING, importing), (FAILED, failed_now)):
        if values:
            props[key] = ",".join(sorted(values))
        else:
            props.pop(key, None)
    image.properties = props


class ImportService:
    def __init__(self, data: ImageDataService, wait: float = 10.0, workers: int = 2) -> None:
        self.data = data
        self.db = data.db
        self.wait = wait
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="image-import")
        self._busy: set[str] = set()
        self._lock = threading.Lock()

    # -- request checks ------------------------------------------------------------------

    def resolve_stores(self, req: ImportRequest) -> list[str]:
        """The target stores (Glance's rules for ``stores``, ``all_stores`` and the
        ``X-Image-Meta-Store`` header); Conflict for a store that does not exist."""
        if req.all_stores:
            if req.stores is not None or req.header_store is not None:
                raise BadRequest(
                    "All_stores parameter can't be used with x-image-meta-store header or stores parameter"
                )
            return list(self.data.stores)
        if req.stores is not None and req.header_store is not None:
            raise BadRequest("Stores parameter and x-image-meta-store header can't be both specified")
        stores = req.stores if req.stores is not None else [req.header_store or self.data.default_store]
        if not stores:
            raise BadRequest("The stores list is empty.")
        for store_id in stores:
            if store_id not in self.data.stores:
                raise Conflict(f"Unknown store: {store_id}", code="image.store.unknown")
        return list(dict.fromkeys(stores))

    @staticmethod
    def check_status(image: Image, method: str) -> None:
        if method not in METHODS:
            raise BadRequest(f"Unknown import method name '{method}'.")
        if image.status == "active" and method != "copy-image":
            raise Conflict("Image with status active cannot be target for import")
        if image.status != "active" and method == "copy-image":
            raise Conflict("Only images with status active can be targeted for copying")
        if image.status != "uploading" and method == "glance-direct":
            raise Conflict("Image needs to be staged before 'glance-direct' method can be used")
        for attr in ("container_format", "disk_format"):
            if not getattr(image, attr):
                raise Conflict(f"'{attr}' needs to be set before import")

    # -- start ---------------------------------------------------------------------------

    def start(self, image: Image, req: ImportRequest) -> None:
        """Check ``req`` against ``image`` and start the import. Raises BadRequest and Conflict
        as Glance does (policy is the caller's)."""
        self.check_status(image, req.method)
        stores = self.resolve_stores(req)
        if req.method == "copy-image":
            stores = self._copy_targets(image, stores, req.all_stores)
            if not stores:
                return
            self._claim(image.id)
            try:
                with self.db.transaction() as s:
                    if not touch(s, image.id):
                        raise Gone(f"Image {image.id} was deleted.")
                    edit_store_lists(s, image.id, set(stores), set())
            except BaseException:
                self._release(image.id)
                raise
            job = partial(self._copy, image, stores, req.all_stores_must_succeed)
        else:
            with self.db.transaction() as s:
                if not set_status(s, image.id, "uploading", "importing"):
                    raise Conflict("Image needs to be staged before 'glance-direct' method can be used")
                edit_store_lists(s, image.id, set(stores), set())
            job = partial(self._direct, image, stores, req.all_stores_must_succeed)
        LOG.info("event=image_import_started image_id=%s method=%s stores=%s", image.id, req.method, stores)
        wait_for([self._pool.submit(self._guarded, job, image.id)], timeout=self.wait)

    def _copy_targets(self, image: Image, stores: list[str], all_stores: bool) -> list[str]:
        present = {loc.store_id for loc in self.data.locations(image.id)}
        if all_stores:
            return [s for s in stores if s not in present]
        for store_id in stores:
            if store_id in present:
                raise BadRequest(f"Image is already present at store '{store_id}'")
        return stores

    def _claim(self, image_id: str) -> None:
        with self._lock:
            if image_id in self._busy:
                raise Conflict(
                    f"New operation on image '{image_id}' is not permitted as prior operation "
                    "is still in progress"
                )
            self._busy.add(image_id)

    def _release(self, image_id: str) -> None:
        with self._lock:
            self._busy.discard(image_id)

    def _guarded(self, job: Callable[[], None], image_id: str) -> None:
        try:
            job()
        except Exception:
            LOG.exception("event=image_import_crashed image_id=%s", image_id)
        finally:
            self._release(image_id)

    # -- the work ------------------------------------------------------------------------

    def _direct(self, image: Image, stores: list[str], must_all: bool) -> None:
        staged = self.data.staging.data_path(image.id)
        copy = StoreCopy({sid: self.data.stores[sid] for sid in stores}, image.id, must_all)
        try:
            copy.run(self.data.staging.read(staged))
            virtual_size = self._inspect(image, copy)
            stored = copy.commit()
            try:
                self._record_direct(image, stored, copy, virtual_size)
            except BaseException:
                copy.delete_committed()
                raise
        except Exception as exc:
            copy.abort()
            with self.db.transaction() as s:
                if set_status(s, image.id, "importing", "queued"):
                    edit_store_lists(s, image.id, set(), set(stores))
            LOG.warning("event=image_import_failed image_id=%s reason=%s", image.id, _reason(exc))
        finally:
            self.data.staging.delete(staged)

    def _record_direct(
        self, image: Image, stored: dict[str, StoredData], copy: StoreCopy, vsize: int | None
    ) -> None:
        with self.db.transaction() as s:
            size = copy.size
            self.data.check_quota(s, image.owner, image.id, size)
            values = dict(
                size=size, virtual_size=vsize, checksum=copy.digest.checksum, os_hash_algo=HASH_ALGO
            )
            if not set_status(
                s, image.id, "importing", "active", os_hash_value=copy.digest.os_hash_value, **values
            ):
                raise Gone(f"Image {image.id} was deleted during its import.")
            self._add_locations(s, image.id, stored)
            edit_store_lists(s, image.id, set(), copy.failed)
        LOG.info("event=image_imported image_id=%s stores=%s failed=%s", image.id, list(stored), copy.failed)

    def _copy(self, image: Image, stores: list[str], must_all: bool) -> None:
        copy = StoreCopy({sid: self.data.stores[sid] for sid in stores}, image.id, must_all)
        try:
            download = self.data.open_data(image)
            if download is None:
                raise CopyFailed("the image's data is missing from every store")
            copy.run(download.reader)
            if image.os_hash_value and copy.digest.os_hash_value != image.os_hash_value:
                raise CopyFailed("the data read back does not match the image's os_hash_value")
            # Checked again: data stored before a safety check existed is not spread further.
            self._inspect(image, copy)
            stored = copy.commit()
            try:
                with self.db.transaction() as s:
                    if not touch(s, image.id):
                        raise Gone(f"Image {image.id} was deleted during the copy.")
                    self._add_locations(s, image.id, stored)
                    edit_store_lists(s, image.id, set(), copy.failed)
            except BaseException:
                copy.delete_committed()
                raise
            LOG.info(
                "event=image_copied image_id=%s stores=%s failed=%s", image.id, list(stored), copy.failed
            )
        except Exception as exc:
            copy.abort()
            with self.db.transaction() as s:
                if touch(s, image.id):
                    edit_store_lists(s, image.id, set(), set(stores))
            LOG.warning("event=image_copy_failed image_id=%s reason=%s", image.id, _reason(exc))

    @staticmethod
    def _inspect(image: Image, copy: StoreCopy) -> int | None:
        """The virtual size of the copied data (every writer holds the same bytes), before it is
        committed; UnsupportedMediaType when inspection refuses it."""
        first = next(iter(copy.writers.values()))
        return inspect_file(first.temp_path, image.disk_format, image.container_format, copy.size)

    @staticmethod
    def _add_locations(s: Session, image_id: str, stored: dict[str, StoredData]) -> None:
        present = set(s.scalars(select(ImageLocation.store_id).where(ImageLocation.image_id == image_id)))
        for store_id, data in stored.items():
            if store_id not in present:
                s.add(ImageDataService.location(image_id, store_id, data.path, data.size))


def _reason(exc: BaseException) -> str:
    return getattr(exc, "message", None) or str(exc) or type(exc).__name__
