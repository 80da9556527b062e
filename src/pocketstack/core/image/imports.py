"""Interoperable image import, after Glance: ``glance-direct`` (staged data -> stores, the image
``uploading`` -> ``importing`` -> ``active``), ``web-download`` (the same from a URL, the image
``queued`` -> ``importing`` -> ``active``; web_download.py filters the URL) and ``copy-image``
(an active image's data copied to more stores). Each import is recorded as an image task
(``api_image_import``, see tasks.py). The work runs on a small thread pool; the request that
starts it waits a few seconds for it, so small imports are done when the 202 is answered.

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
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext
from pocketstack.core.errors import BadRequest, Conflict
from pocketstack.core.image.copy import CopyFailed, StoreCopy
from pocketstack.core.image.data import Gone, ImageDataService, set_status, touch
from pocketstack.core.image.transfer import HASH_ALGO, inspect_file
from pocketstack.imagestore.base import StoredData
from pocketstack.store.image_models import Image, ImageLocation

if TYPE_CHECKING:
    from pocketstack.core.image.web_download import UriFilter

LOG = logging.getLogger("pocketstack")
METHODS = ("glance-direct", "web-download", "copy-image")
# Announced by Glance, not served here: downloading from another region's Glance.
UNSERVED_METHODS = ("glance-download",)
IMPORTING = "os_glance_importing_to_stores"
FAILED = "os_glance_failed_import"


@dataclass(frozen=True)
class ImportRequest:
    method: str
    stores: list[str] | None = None
    all_stores: bool = False
    all_stores_must_succeed: bool = True
    header_store: str | None = None
    uri: str | None = None  # web-download's


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
    # Both stay once an import began, empty when done, as in Glance (Tempest's waiters wait
    # for an empty os_glance_importing_to_stores).
    for key, values in ((IMPORTING, importing), (FAILED, failed_now)):
        props[key] = ",".join(sorted(values))
    image.properties = props


class ImportService:
    def __init__(
        self,
        data: ImageDataService,
        wait: float = 10.0,
        workers: int = 2,
        uri_filter: UriFilter | None = None,
    ) -> None:
        # Imported here, not at the top: the start's sweep imports this module for its helpers.
        from pocketstack.core.image.tasks import ImageTaskService
        from pocketstack.core.image.web_download import UriFilter

        self.data = data
        self.db = data.db
        self.tasks = ImageTaskService(data.db)
        self.uri_filter = uri_filter or UriFilter()
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
        if image.status != "queued" and method == "web-download":
            raise Conflict(f"Image needs to be in 'queued' state to use '{method}' method")
        if image.status != "active" and method == "copy-image":
            raise Conflict("Only images with status active can be targeted for copying")
        if image.status != "uploading" and method == "glance-direct":
            raise Conflict("Image needs to be staged before 'glance-direct' method can be used")
        for attr in ("container_format", "disk_format"):
            if not getattr(image, attr):
                raise Conflict(f"'{attr}' needs to be set before import")

    # -- start ---------------------------------------------------------------------------

    def start(
        self, image: Image, req: ImportRequest, ctx: RequestContext | None = None, body: dict | None = None
    ) -> str | None:
        """Check ``req`` against ``image`` and start the import; returns the id of the task that
        records it (None when there was nothing to copy). Raises BadRequest and Conflict as
        Glance does (policy is the caller's)."""
        self.check_status(image, req.method)
        stores = self.resolve_stores(req)
        if req.method == "web-download":
            self.uri_filter.check(req.uri)
        if req.method == "copy-image":
            stores = self._copy_targets(image, stores, req.all_stores)
            if not stores:  # every store has it: done at once, as Glance reports it
                with self.db.transaction() as s:
                    if touch(s, image.id):
                        edit_store_lists(s, image.id, set(), set())
                return None
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
            before = "queued" if req.method == "web-download" else "uploading"
            with self.db.transaction() as s:
                if not set_status(s, image.id, before, "importing"):
                    raise Conflict(
                        f"Image is no longer '{before}': it cannot be imported with '{req.method}'"
                    )
                edit_store_lists(s, image.id, set(stores), set())
            job = partial(self._direct, image, stores, req.all_stores_must_succeed)
            if req.method == "web-download":
                job = partial(self._web_download, image, req.uri or "", job)
        task_input = {
            "image_id": image.id,
            "import_req": body or {"method": {"name": req.method}},
            "backend": stores,
        }
        task_id = self.tasks.create(
            ctx or RequestContext(project_id=image.owner), "api_image_import", task_input, image.id
        )
        self.tasks.start(task_id)
        LOG.info("event=image_import_started image_id=%s method=%s stores=%s", image.id, req.method, stores)
        wait_for([self._pool.submit(self._guarded, job, image.id, task_id)], timeout=self.wait)
        return task_id

    def _web_download(self, image: Image, uri: str, then: Callable[[], bool]) -> bool:
        """Fetch ``uri`` into the staging area, then import it as glance-direct would."""
        from pocketstack.core.image.web_download import fetch

        writer = self.data.staging.writer(image.id)
        try:
            limit = self.data.limit_for(image.owner, image.id, None)
            fetch(uri, self.uri_filter, writer.write, limit.bytes)
            writer.commit()
        except Exception as exc:
            writer.abort()
            with self.db.transaction() as s:
                if set_status(s, image.id, "importing", "queued"):
                    edit_store_lists(s, image.id, set(), set(csv_list(self._importing(s, image.id))))
            LOG.warning("event=image_web_download_failed image_id=%s reason=%s", image.id, _reason(exc))
            raise
        return then()

    def legacy_import(self, task_id: str, create_image: Callable[[], str], uri: str) -> None:
        """Run an ``import`` task (``POST /v2/tasks``): make the image, then web-download its
        data into the default store. The task records how it went."""

        def job() -> None:
            image_id: str | None = None
            ok, message = False, ""
            try:
                self.tasks.start(task_id)
                image_id = create_image()
                self.tasks.start(task_id, image_id=image_id)
                with self.db.read() as s:
                    image = s.get(Image, image_id)
                if image is None:
                    raise Gone(f"Image {image_id} was deleted during the task.")
                self.start_web_download(image)
                stores = [self.data.default_store]
                ok = self._web_download(image, uri, partial(self._direct, image, stores, True))
                message = "" if ok else "The image data could not be stored."
            except Exception as exc:
                message = f"Import task failed: {_reason(exc)}"
                LOG.warning("event=image_task_failed task_id=%s reason=%s", task_id, message)
            finally:
                self.tasks.finish(task_id, ok, message, {"image_id": image_id} if ok else None)

        self._pool.submit(job)

    def start_web_download(self, image: Image) -> None:
        self.check_status(image, "web-download")
        with self.db.transaction() as s:
            if not set_status(s, image.id, "queued", "importing"):
                raise Conflict("Image is no longer 'queued'")
            edit_store_lists(s, image.id, {self.data.default_store}, set())

    @staticmethod
    def _importing(s: Session, image_id: str) -> str:
        image = s.get(Image, image_id)
        return "" if image is None else str((image.properties or {}).get(IMPORTING, ""))

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

    def _guarded(self, job: Callable[[], bool], image_id: str, task_id: str) -> None:
        ok, message = False, "Import failed."
        try:
            ok = job()
            message = "" if ok else "Import failed: see os_glance_failed_import."
        except Exception as exc:
            message = f"Import failed: {_reason(exc)}"
            LOG.exception("event=image_import_crashed image_id=%s", image_id)
        finally:
            self._release(image_id)
            self.tasks.finish(task_id, ok, message, {"image_id": image_id} if ok else None)

    # -- the work ------------------------------------------------------------------------

    def _direct(self, image: Image, stores: list[str], must_all: bool) -> bool:
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
            return False
        finally:
            self.data.staging.delete(staged)
        return True

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

    def _copy(self, image: Image, stores: list[str], must_all: bool) -> bool:
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
            return False
        return True

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
