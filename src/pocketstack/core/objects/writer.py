"""An object on its way in (the ObjectWriter of service.py): data into a fresh blob, then the
row in one transaction; until then nothing of it is visible."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pocketstack.core.errors import BadRequest
from pocketstack.core.objects.changes import NewObject
from pocketstack.core.objects.errors import Unprocessable
from pocketstack.core.objects.model import ObjectInfo
from pocketstack.objectstore.blobs import BlobStore

Place = Callable[[str, str, NewObject], ObjectInfo]  # (project_id, container, row) -> the stored object


@dataclass(frozen=True)
class PutRequest:
    project_id: str
    container: str
    name: str
    content_type: str
    meta: dict[str, str]
    headers: dict[str, str]
    delete_at: int | None = None
    expected_size: int | None = None
    expected_etag: str | None = None
    slo_manifest: list[dict[str, Any]] | None = None
    etag_override: str | None = None
    size_override: int | None = None


class PendingObject:
    def __init__(self, blobs: BlobStore, request: PutRequest, place: Place) -> None:
        self._blobs = blobs
        self._request = request
        self._place = place
        self._blob = blobs.writer()
        self._lock = threading.Lock()
        self._state = "open"

    @property
    def size(self) -> int:
        return self._blob.size

    @property
    def md5(self) -> str:
        """The hex md5 of what was written so far."""
        return self._blob.md5

    def write(self, chunk: bytes | memoryview) -> None:
        # Under the lock: an abort from another thread must not close the file mid-write.
        with self._lock:
            if self._state != "open":
                raise ValueError(f"this upload is {self._state}")
            self._blob.write(chunk)

    def finish(self) -> ObjectInfo:
        with self._lock:
            if self._state != "open":
                raise ValueError(f"this upload is {self._state}")
            self._state = "finished"
        try:
            self._check()
            path = self._blob.commit()
        except BaseException:
            self._blob.abort()
            raise
        req = self._request
        new = NewObject(
            name=req.name,
            size=req.size_override if req.size_override is not None else self._blob.size,
            etag=req.etag_override or self._blob.md5,
            content_type=req.content_type,
            meta=dict(req.meta),
            headers=dict(req.headers),
            last_modified=time.time(),
            delete_at=req.delete_at,
            data_path=path,
            slo_manifest=req.slo_manifest,
        )
        try:
            return self._place(req.project_id, req.container, new)
        except BaseException:
            self._blobs.delete(path)
            raise

    def _check(self) -> None:
        req = self._request
        if req.expected_size is not None and self._blob.size != req.expected_size:
            raise BadRequest(
                f"Got {self._blob.size} bytes of the {req.expected_size} announced.",
                code="objects.object.incomplete",
            )
        if req.expected_etag is not None and req.expected_etag.strip('"').lower() != self._blob.md5:
            raise Unprocessable()

    def abort(self) -> None:
        with self._lock:
            if self._state == "open":
                self._state = "aborted"
                self._blob.abort()
