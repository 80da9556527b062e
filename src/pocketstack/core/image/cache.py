"""The image cache API (Glance 2.14-2.16), for a cloud whose image data is already local:
queueing an image makes it cached at once (there is nothing to fetch from afar), so the cache
is a record of which images an admin asked to keep warm, kept in the database so that every
API process shows the same one."""

from __future__ import annotations

import time

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from pocketstack.core.errors import BadRequest, NotFound
from pocketstack.store.db import Database
from pocketstack.store.image_models import CachedImageRow


class ImageCache:
    def __init__(self, db: Database) -> None:
        self.db = db

    def listing(self) -> tuple[list[CachedImageRow], list[str]]:
        """The cached images and the queued ones (none stay queued: see the module doc)."""
        with self.db.read() as s:
            return list(s.scalars(select(CachedImageRow).order_by(CachedImageRow.image_id))), []

    def queue(self, image_id: str, status: str, size: int | None) -> None:
        """Cache an active image (400 for any other status, as Glance)."""
        if status != "active":
            raise BadRequest(f"Image {image_id} is not active: only active images can be cached.")
        now = time.time()
        try:
            with self.db.transaction() as s:
                if s.get(CachedImageRow, image_id) is None:
                    s.add(
                        CachedImageRow(
                            image_id=image_id, size=size or 0, hits=0, last_accessed=now, last_modified=now
                        )
                    )
        except IntegrityError:
            pass  # another process cached it at the same moment

    def delete(self, image_id: str) -> None:
        with self.db.transaction() as s:
            row = s.get(CachedImageRow, image_id)
            if row is None:
                raise NotFound("cached image", image_id, message=f"Image {image_id} is not cached.")
            s.delete(row)

    def clear(self, target: str | None) -> None:
        """``target``: ``cache``, ``queue`` or None for both (anything else is a 400)."""
        if target not in (None, "", "cache", "queue"):
            raise BadRequest(
                "Header 'x-image-cache-clear-target', when given, must be 'cache' or 'queue', "
                f"not {target!r}."
            )
        if target in (None, "", "cache"):
            with self.db.transaction() as s:
                s.execute(delete(CachedImageRow))
