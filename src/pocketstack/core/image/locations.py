"""The copies of an image's data, one per store: removing one (``DELETE /v2/stores/{store}/
{image}``, Glance 2.10) and listing them (the locations API, 2.17)."""

from __future__ import annotations

from sqlalchemy import delete, select

from pocketstack.core.errors import BadRequest, Conflict, Forbidden, NotFound
from pocketstack.core.image.data import ImageDataService, touch
from pocketstack.store.image_models import Image, ImageLocation


def delete_from_store(data: ImageDataService, image: Image, store_id: str) -> None:
    """Remove the copy in ``store_id``: 409 unless the image is active, 403 for its last copy,
    404 when that store holds none (Glance's answers)."""
    if store_id not in data.stores:
        raise BadRequest(f"Unknown store {store_id}.")
    if image.status != "active":
        raise Conflict("It's not allowed to remove image data from store if image status is not 'active'")
    with data.db.transaction() as s:
        if not touch(s, image.id):
            raise NotFound("image", image.id, message=f"No image found with ID {image.id}")
        rows = list(s.scalars(select(ImageLocation).where(ImageLocation.image_id == image.id)))
        mine = [loc for loc in rows if loc.store_id == store_id]
        if not mine:
            raise NotFound(
                "location", store_id, message=f"Image {image.id} is not present in store {store_id}."
            )
        if len(rows) == len(mine):
            raise Forbidden("Cannot delete image data from the only store containing it.")
        s.execute(delete(ImageLocation).where(ImageLocation.id.in_([loc.id for loc in mine])))
    data.remove_data(image.id, mine)  # (nothing is staged for an active image)
