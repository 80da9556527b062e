"""Image members: projects a ``shared`` image is offered to, who accept or reject it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pocketstack.core.context import RequestContext
from pocketstack.core.errors import BadRequest, Conflict, Forbidden, NotFound
from pocketstack.core.identity.common import utcnow
from pocketstack.core.image import access
from pocketstack.core.policy import Enforcer
from pocketstack.store.db import Database
from pocketstack.store.image_models import Image, ImageMember

STATUSES = ("pending", "accepted", "rejected")


def _not_a_member(image_id: str, member_id: str) -> NotFound:
    return NotFound("member", member_id, message=f"{member_id} is not a member of image {image_id}")


class MemberService:
    def __init__(self, db: Database, policy: Enforcer) -> None:
        self.db = db
        self.policy = policy

    def _shared(self, image: Image) -> None:
        if image.visibility != "shared":
            raise Forbidden(f"Only shared images have members; image {image.id} is {image.visibility}.")

    def add(self, ctx: RequestContext, image_id: str, member_id: str) -> ImageMember:
        """Offer the image to ``member_id`` (status pending). Forbidden unless owner and shared."""
        if not isinstance(member_id, str) or not member_id or len(member_id) > 64:
            raise BadRequest("'member' must be a project id.")
        exists = Conflict(f"Member {member_id} already exists for image {image_id}")
        try:
            with self.db.transaction() as s:
                image = access.get_readable(s, ctx, image_id)
                self.policy.enforce("image:members:create", ctx, access.target(image))
                self._shared(image)
                if s.get(ImageMember, (image.id, member_id)) is not None:
                    raise exists
                now = utcnow()
                member = ImageMember(
                    image_id=image.id, member_id=member_id, status="pending", created_at=now, updated_at=now
                )
                s.add(member)
        except IntegrityError:
            raise exists from None  # a concurrent request added the same member
        return member

    def list(self, ctx: RequestContext, image_id: str) -> list[ImageMember]:
        """The owner sees every member; a member sees only itself."""
        with self.db.read() as s:
            image = access.get_readable(s, ctx, image_id)
            self.policy.enforce("image:members:list", ctx, access.target(image))
            self._shared(image)
            stmt = select(ImageMember).where(ImageMember.image_id == image.id)
            if image.owner != ctx.project_id and not access.is_admin(ctx):
                stmt = stmt.where(ImageMember.member_id == ctx.project_id)
            return list(s.scalars(stmt.order_by(ImageMember.created_at)))

    def get(self, ctx: RequestContext, image_id: str, member_id: str) -> ImageMember:
        with self.db.read() as s:
            image = access.get_readable(s, ctx, image_id)
            self.policy.enforce("image:members:get", ctx, access.target(image))
            visible = image.owner == ctx.project_id or member_id == ctx.project_id or access.is_admin(ctx)
            member = s.get(ImageMember, (image.id, member_id)) if visible else None
            if member is None:
                raise _not_a_member(image_id, member_id)
            return member

    def set_status(self, ctx: RequestContext, image_id: str, member_id: str, status: str) -> ImageMember:
        """The member project accepts, rejects or resets its membership."""
        if status not in STATUSES:
            raise BadRequest(f"Invalid status {status!r}: one of {', '.join(STATUSES)}.")
        with self.db.transaction() as s:
            image = access.get_readable(s, ctx, image_id)
            member = s.get(ImageMember, (image.id, member_id))
            if member is None:
                raise _not_a_member(image_id, member_id)
            self.policy.enforce("image:members:update", ctx, {"member_id": member_id})
            member.status = status
            member.updated_at = utcnow()
            return member

    def remove(self, ctx: RequestContext, image_id: str, member_id: str) -> None:
        with self.db.transaction() as s:
            image = access.get_readable(s, ctx, image_id)
            self.policy.enforce("image:members:delete", ctx, access.target(image))
            member = s.get(ImageMember, (image.id, member_id))
            if member is None:
                raise _not_a_member(image_id, member_id)
            s.delete(member)
