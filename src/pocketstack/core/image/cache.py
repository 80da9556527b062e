"""The image cache API (Glance 2.14-2.16), for a cloud whose image data is already local:
queueing an image makes it cached at once (there is nothing to fetch from afar), so the cache
is a record of which images an admin asked to keep warm. Kept in memory, as a cache is: a
restart empties it."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from pocketstack.core.errors import BadRequest, NotFound


@dataclass
class CachedImage:
    image_id: str
    size: int
    last_accessed: float
    last_modified: float
    hits: int = 0


class ImageCache:
    def __init__(self) -> None:
        self._cached: dict[str, CachedImage] = {}
        self._queued: list[str] = []
        self._lock = threading.Lock()

    def listing(self) -> tuple[list[CachedImage], list[str]]:
        with self._lock:
            return list(self._cached.values()), list(self._queued)

    def queue(self, image_id: str, status: str, size: int | None) -> None:
        """Cache an active image (400 for any other status, as Glance)."""
        if status != "active":
            raise BadRequest(f"Image {image_id} is not active: only active images can be cached.")
        now = time.time()
        with self._lock:
            if image_id not in self._cached:
                self._cached[image_id] = CachedImage(image_id, size or 0, now, now)

    def delete(self, image_id: str) -> None:
        with self._lock:
            if self._cached.pop(image_id, None) is None and image_id not in self._queued:
                raise NotFound("cached image", image_id, message=f"Image {image_id} is not cached.")
            if image_id in self._queued:
                self._queued.remove(image_id)

    def clear(self, target: str | None) -> None:
        """``target``: ``cache``, ``queue`` or None for both (anything else is a 400)."""
        if target not in (None, "", "cache", "queue"):
            raise BadRequest(
                "Header 'x-image-cache-clear-target', when given, must be 'cache' or 'queue', "
                f"not {target!r}."
            )
        with self._lock:
            if target in (None, "", "cache"):
                self._cached.clear()
            if target in (None, "", "queue"):
                self._queued.clear()

    def hit(self, image_id: str) -> None:
        with self._lock:
            entry = self._cached.get(image_id)
            if entry is not None:
                entry.hits += 1
                entry.last_accessed = time.time()
