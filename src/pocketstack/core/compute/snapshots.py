"""Server snapshots as real images: the image is registered (queued) when the API accepts
createImage, createBackup or shelve, and filled by the task with the server's disk. The fake
driver's disk is the image the server was built from, so that is what is copied."""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import Any

from sqlalchemy import select

from pocketstack.core.context import RequestContext
from pocketstack.core.errors import PocketstackError
from pocketstack.store.compute_models import Server
from pocketstack.store.db import Database
from pocketstack.store.image_models import Image

CHUNK = 1024 * 1024
log = logging.getLogger("pocketstack.conductor")


class Snapshots:
    def __init__(self, db: Database, images: Any, image_data: Any) -> None:
        self.db = db
        self.images = images
        self.image_data = image_data

    def register(self, ctx: RequestContext, server: Server, name: str, extra: dict[str, Any]) -> str:
        """A queued private image for ``server``'s snapshot; returns its id."""
        with self.db.read() as s:
            base = s.get(Image, server.image_id) if server.image_id else None
        attrs: dict[str, Any] = {
            "name": name,
            "visibility": "private",
            "disk_format": base.disk_format if base and base.disk_format else "raw",
            "container_format": base.container_format if base and base.container_format else "bare",
            "min_disk": server.flavor["disk"],
            "min_ram": base.min_ram if base else 0,
            "image_type": "snapshot",
            "instance_uuid": server.id,
            "base_image_ref": server.image_id or "",
            "user_id": ctx.user_id,
            **{k: str(v) for k, v in extra.items()},
        }
        return self.images.create(ctx, attrs)

    def __call__(self, server: Server, image_id: str) -> None:
        """Fill the snapshot image with the server's disk."""
        with self.db.read() as s:
            target = s.get(Image, image_id)
            base = s.get(Image, server.image_id) if server.image_id else None
        if target is None or target.status != "queued":
            return  # deleted (or filled) meanwhile: nothing to write
        source = self.image_data.open_data(base) if base is not None else None
        try:
            self._write(target, source)
        except PocketstackError:
            if self._deleted(image_id):
                # As Nova: a snapshot deleted while it was being saved is not the server's fault.
                log.warning("event=snapshot_deleted_while_saving image_id=%s server=%s", image_id, server.id)
                return
            raise
        finally:
            if source is not None and hasattr(source.reader, "close"):
                source.reader.close()

    def _write(self, target: Image, source: Any) -> None:
        transfer = self.image_data.begin_upload(target, None, source.length if source else 0)
        try:
            if source is not None:
                for chunk in source.reader:
                    transfer.write(chunk)
            transfer.finish()
        except BaseException:
            transfer.abort()
            raise

    def _deleted(self, image_id: str) -> bool:
        with self.db.read() as s:
            image = s.get(Image, image_id)
        return image is None or image.status in ("deleted", "pending_delete")

    @staticmethod
    def _owner(server: Server) -> RequestContext:
        return RequestContext(
            user_id=server.user_id, project_id=server.project_id, roles=frozenset({"member", "reader"})
        )

    def delete_as_owner(self, server: Server, image_id: str) -> None:
        """Delete a snapshot the cloud made for the server (its shelve image, at unshelve);
        one already gone is no matter."""
        with suppress(PocketstackError):
            self.images.delete(self._owner(server), image_id)

    def rotate_as_owner(self, server: Server, backup_type: str, rotation: int) -> None:
        """Keep the newest ``rotation`` backups of this type for the server (createBackup)."""
        ctx = self._owner(server)
        server_id = server.id
        with self.db.read() as s:
            rows = s.scalars(select(Image).where(Image.status != "deleted").order_by(Image.created_at.desc()))
            backups = [
                i.id
                for i in rows
                if (i.properties or {}).get("instance_uuid") == server_id
                and (i.properties or {}).get("backup_type") == backup_type
            ]
        for image_id in backups[rotation:]:
            self.images.delete(ctx, image_id)
