"""Nova's image proxy (``/images`` below microversion 2.36, ``/images/{id}/metadata`` below
2.39) over the image service: the caller's own rights, as Nova's calls to Glance with the
caller's token. Image *properties* are what Nova calls an image's metadata.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pocketstack.core.compute.quotas import QuotaService
from pocketstack.core.context import RequestContext
from pocketstack.core.errors import BadRequest, Forbidden, NotFound
from pocketstack.core.image.images import ImageListQuery, ImageService, is_reserved
from pocketstack.store.image_models import Image

# COMPAT: Nova's words for a missing image and a missing metadata key.
IMAGE_NOT_FOUND = "Image not found."
KEY_NOT_FOUND = "Invalid metadata key"


@dataclass
class ImageFilters:
    """``GET /images`` filters, after Nova's mapping onto Glance's."""

    name: str | None = None
    status: str | None = None  # Glance's status (lower case)
    changes_since: datetime | None = None
    min_ram: int | None = None
    min_disk: int | None = None
    properties: dict[str, str] = field(default_factory=dict)
    limit: int = 1000
    marker: str | None = None


class ImageProxy:
    """Read, delete and change the properties of images as a compute API caller."""

    def __init__(self, images: ImageService, quotas: QuotaService) -> None:
        self.images = images
        self.quotas = quotas

    def list(self, ctx: RequestContext, f: ImageFilters) -> list[Image]:
        """The images the caller sees in Glance's default list, filtered."""
        filters: dict[str, Any] = {}
        if f.name is not None:
            filters["name"] = f.name
        if f.status is not None:
            filters["status"] = f.status
        since, ram, disk = f.changes_since, f.min_ram, f.min_disk
        if since is not None:
            filters["updated_at"] = _at_least(since)
        if ram is not None:
            filters["min_ram"] = _at_least(ram)
        if disk is not None:
            filters["min_disk"] = _at_least(disk)
        query = ImageListQuery(
            filters=filters, tags=[], properties=f.properties, limit=f.limit, marker=f.marker
        )
        try:
            return self.images.list(ctx, query)
        except BadRequest:
            if f.marker is None:
                raise
            raise BadRequest(f"marker [{f.marker}] not found") from None

    def get(self, ctx: RequestContext, image_id: str) -> Image:
        try:
            return self.images.get(ctx, image_id)
        except NotFound:
            raise NotFound("image", image_id, message=IMAGE_NOT_FOUND) from None

    def delete(self, ctx: RequestContext, image_id: str) -> None:
        self.get(ctx, image_id)
        try:
            self.images.delete(ctx, image_id)
        except Forbidden:
            raise Forbidden("You are not allowed to delete the image.") from None

    # -- metadata (the image's properties) ---------------------------------------------------
    def metadata(self, ctx: RequestContext, image_id: str) -> dict[str, Any]:
        return dict(self.get(ctx, image_id).properties or {})

    def metadata_item(self, ctx: RequestContext, image_id: str, key: str) -> Any:
        props = self.metadata(ctx, image_id)
        if key not in props:
            raise NotFound("metadata", key, message=KEY_NOT_FOUND)
        return props[key]

    def merge_metadata(self, ctx: RequestContext, image_id: str, values: Mapping[str, str]) -> dict[str, Any]:
        """Add or change properties; returns all of them afterwards."""
        props = self.metadata(ctx, image_id)
        wanted = {**props, **values}
        self._write(ctx, image_id, props, wanted)
        return wanted

    def replace_metadata(self, ctx: RequestContext, image_id: str, values: Mapping[str, str]) -> None:
        """Make ``values`` the image's properties (those the image service reserves stay)."""
        props = self.metadata(ctx, image_id)
        kept = {k: v for k, v in props.items() if is_reserved(k)}
        self._write(ctx, image_id, props, {**kept, **values})

    def delete_metadata_item(self, ctx: RequestContext, image_id: str, key: str) -> None:
        props = self.metadata(ctx, image_id)
        if key not in props:
            raise NotFound("metadata", key, message=KEY_NOT_FOUND)
        self.images.update(ctx, image_id, [("remove", key, None)])

    def _write(
        self, ctx: RequestContext, image_id: str, before: Mapping[str, Any], after: Mapping[str, Any]
    ) -> None:
        """Apply the difference; 403 past the project's ``metadata_items`` limit, as Nova."""
        limit = self.quotas.limits(ctx.project_id)["metadata_items"]
        if 0 <= limit < len(after):
            raise Forbidden("Image metadata limit exceeded")
        changes: list[tuple[str, str, Any]] = [("remove", k, None) for k in before if k not in after]
        changes += [
            ("replace" if k in before else "add", k, v) for k, v in after.items() if before.get(k) != v
        ]
        if changes:
            self.images.update(ctx, image_id, changes)


def _at_least(bound: Any) -> Callable[[Any], Any]:
    return lambda column: column >= bound
