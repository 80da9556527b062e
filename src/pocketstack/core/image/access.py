"""Who may see which image (Glance's visibility rules), in one place.

- owner's project and admins: every image;
- ``public`` and ``community``: everyone may read;
- ``shared``: the owner and member projects (any member status) may read;
- ``private``: the owner only.
The *default list* is narrower: community images only for their owner, shared images only
for members that accepted them (see ``ImageService.list``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BindParameter, ColumnElement, exists, or_, select
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.errors import NotFound
from pocketstack.store.image_models import Image, ImageMember


def readable_clause(project_id: str | None | BindParameter[Any]) -> ColumnElement[bool]:
    """SQL condition: images a caller of ``project_id`` may read."""
    member = exists().where(ImageMember.image_id == Image.id, ImageMember.member_id == project_id)
    return or_(
        Image.owner == project_id,
        Image.visibility.in_(("public", "community")),
        (Image.visibility == "shared") & member,
    )


def get_readable(session: Session, ctx: RequestContext, image_id: str) -> Image:
    """The image, or NotFound when it does not exist or ``ctx`` may not see it."""
    stmt = select(Image).where(Image.id == image_id)
    if not is_admin(ctx):
        stmt = stmt.where(readable_clause(ctx.project_id))
    image = session.scalar(stmt)
    if image is None:
        raise NotFound("image", image_id, message=f"No image found with ID {image_id}")
    return image


def target(image: Image) -> dict[str, str | None]:
    """The policy target of an image."""
    return {"project_id": image.owner, "image_id": image.id}
