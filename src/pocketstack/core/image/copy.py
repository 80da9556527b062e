"""One source of image data written to several stores at once, read and hashed once. Used by
imports (staged data -> stores) and copy-image (one store -> others)."""

from __future__ import annotations

import logging

from pocketstack.core.image.transfer import Digest
from pocketstack.imagestore.base import DataReader, ImageStore, StoredData, StoreWriter

LOG = logging.getLogger("pocketstack")


class CopyFailed(Exception):
    """The copy cannot succeed (every store failed, or one did and all had to succeed)."""

    @property
    def message(self) -> str:
        return str(self)


class StoreCopy:
    """Writers for ``stores``; with ``must_all`` false, a store that fails is dropped (and
    listed in ``failed``) as long as another one is still being written."""

    def __init__(self, stores: dict[str, ImageStore], image_id: str, must_all: bool) -> None:
        self.stores = stores
        self.must_all = must_all
        self.digest = Digest()
        self.size = 0
        self.failed: set[str] = set()
        self.writers: dict[str, StoreWriter] = {}
        self._committed: dict[str, StoredData] = {}
        self._image_id = image_id

    def _open(self) -> None:
        for store_id, store in self.stores.items():
            try:
                self.writers[store_id] = store.writer(self._image_id)
            except OSError as exc:
                self._fail(store_id, exc)

    def _fail(self, store_id: str, exc: BaseException) -> None:
        LOG.warning("event=image_store_write_failed store=%s error=%s", store_id, exc)
        writer = self.writers.pop(store_id, None)
        if writer is not None:
            writer.abort()
        self.failed.add(store_id)
        if self.must_all:
            raise CopyFailed(f"writing to store {store_id} failed: {exc}")
        if not self.writers:
            raise CopyFailed("writing to every store failed")

    def run(self, reader: DataReader) -> None:
        """Copy everything ``reader`` yields into a new writer for each store."""
        try:
            self._open()
            for chunk in reader:
                self.digest.update(chunk)
                self.size += len(chunk)
                for store_id, writer in list(self.writers.items()):
                    try:
                        writer.write(chunk)
                    except OSError as exc:
                        self._fail(store_id, exc)
        finally:
            reader.close()
        for store_id, writer in list(self.writers.items()):
            try:
                writer.flush()
            except OSError as exc:
                self._fail(store_id, exc)

    def commit(self) -> dict[str, StoredData]:
        """Make every copy durable and visible; returns them by store."""
        for store_id, writer in list(self.writers.items()):
            try:
                self._committed[store_id] = writer.commit()
            except OSError as exc:
                self._fail(store_id, exc)
        return dict(self._committed)

    def delete_committed(self) -> None:
        for store_id, data in self._committed.items():
            try:
                self.stores[store_id].delete(data.path)
            except OSError as exc:
                LOG.warning("event=image_data_delete_failed store=%s error=%s", store_id, exc)
        self._committed.clear()

    def abort(self) -> None:
        """Nothing of this copy is left in any store."""
        for writer in self.writers.values():
            writer.abort()
        self.delete_committed()
