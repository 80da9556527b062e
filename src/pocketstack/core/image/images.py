"""Image records, after Glance's images API: create, read, list, change, delete, deactivate.

Image *data* lives in ``data.py``; this module owns the metadata and who may touch it. Names of
attributes are Glance's, which are also the canonical ones.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext
from pocketstack.core.errors import BadRequest, Conflict, Forbidden, NotFound
from pocketstack.core.identity.common import utcnow
from pocketstack.core.image import access
from pocketstack.core.image.data import ImageDataService, pairs_of, per_image
from pocketstack.core.policy import Enforcer
from pocketstack.store.db import Database
from pocketstack.store.image_models import Image, ImageLocation, ImageMember, ImageTag

DISK_FORMATS = ("ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop")
CONTAINER_FORMATS = ("ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed")
VISIBILITIES = ("public", "private", "shared", "community")
READ_ONLY = frozenset(
    {
        "status",
        "size",
        "virtual_size",
        "checksum",
        "os_hash_algo",
        "os_hash_value",
        "created_at",
        "updated_at",
        "self",
        "file",
        "schema",
        "direct_url",
        "stores",
    }
)
RESERVED = frozenset({"deleted", "deleted_at", "location", "locations"})
# Base attributes a user may set, with the type each must have.
SETTABLE: dict[str, type | tuple[type, ...]] = {
    "name": (str, type(None)),
    "visibility": str,
    "protected": bool,
    "os_hidden": bool,
    "container_format": (str, type(None)),
    "disk_format": (str, type(None)),
    "min_disk": int,
    "min_ram": int,
    "owner": (str, type(None)),
}
FORMAT_KEYS = ("container_format", "disk_format")
MAX_TAGS = 128
MAX_INT32 = 2**31 - 1  # min_disk and min_ram are INTEGER columns
# COMPAT: Glance keeps property values in a TEXT column (64 KiB on MySQL) and checks no length
# in its API; a value past that is a database error there. Bounded here with a clear 400.
MAX_PROPERTY_VALUE = 65_535


def is_reserved(key: str) -> bool:
    return key in RESERVED or key.startswith("os_glance")


def check_settable(key: str) -> None:
    """403 for attributes nobody may set, as Glance answers."""
    if key in READ_ONLY or key == "id":
        raise Forbidden(f"Attribute '{key}' is read-only.")
    if is_reserved(key):
        raise Forbidden(f"Attribute '{key}' is reserved.")


def _check_value(key: str, value: Any) -> None:
    if key in SETTABLE:
        wanted = SETTABLE[key]
        if isinstance(value, bool) and wanted is int or not isinstance(value, wanted):
            raise BadRequest(f"Invalid value for '{key}': {value!r}.")
        if key in ("min_disk", "min_ram") and not 0 <= value <= MAX_INT32:
            raise BadRequest(f"Invalid value for '{key}': it must be between 0 and {MAX_INT32}.")
        if key == "name" and value is not None and len(value) > 255:
            raise BadRequest("Invalid value for 'name': longer than 255 characters.")
        if key == "visibility" and value not in VISIBILITIES:
            raise BadRequest(f"Invalid visibility value: {value}")
        if key == "disk_format" and value is not None and value not in DISK_FORMATS:
            raise BadRequest(f"Invalid value '{value}' for 'disk_format'.")
        if key == "container_format" and value is not None and value not in CONTAINER_FORMATS:
            raise BadRequest(f"Invalid value '{value}' for 'container_format'.")
    else:
        if len(key) > 255:
            raise BadRequest("Property keys are limited to 255 characters.")
        if not isinstance(value, str):
            raise BadRequest(f"Invalid value for property '{key}': it must be a string.")
        if len(value) > MAX_PROPERTY_VALUE:
            raise BadRequest(
                f"Invalid value for property '{key}': longer than {MAX_PROPERTY_VALUE} characters."
            )


def check_tag(tag: Any) -> str:
    if not isinstance(tag, str) or not tag or len(tag) > 255:
        raise BadRequest(f"Invalid tag {tag!r}: a tag is a string of 1 to 255 characters.")
    return tag


@dataclass
class ImageListQuery:
    """Filters and paging of GET /v2/images, already parsed."""

    filters: Mapping[str, Any]
    tags: list[str]
    properties: Mapping[str, str] | None = None
    member_status: str = "accepted"
    visibility: str | None = None
    sort: list[tuple[str, str]] | None = None
    limit: int = 25
    marker: str | None = None


@functools.cache
def _visible_statement(admin: bool, vis: str | None, member_status: str) -> Select[Any]:
    """The images a list shows before its filters, built once per shape (parameter
    ``project_id``, the caller's project)."""
    project_id = bindparam("project_id")
    stmt = select(Image)
    member = select(ImageMember.image_id).where(ImageMember.member_id == project_id)
    if member_status != "all":
        member = member.where(ImageMember.status == member_status)
    if vis == "all":
        if not admin:
            stmt = stmt.where(access.readable_clause(project_id))
    elif vis in ("public", "community"):
        stmt = stmt.where(Image.visibility == vis)
    elif vis == "private":
        stmt = stmt.where(Image.visibility == "private")
        if not admin:
            stmt = stmt.where(Image.owner == project_id)
    elif vis == "shared":
        stmt = stmt.where(Image.visibility == "shared")
        if not admin:
            stmt = stmt.where((Image.owner == project_id) | Image.id.in_(member))
    elif admin:
        stmt = stmt.where(Image.visibility != "community")
    else:
        stmt = stmt.where(
            (Image.owner == project_id)
            | (Image.visibility == "public")
            | ((Image.visibility == "shared") & Image.id.in_(member))
        )
    return stmt


_TAGS = pairs_of(ImageTag.image_id, ImageTag.tag, ImageTag.tag)


class ImageService:
    def __init__(self, db: Database, policy: Enforcer, data: ImageDataService) -> None:
        self.db = db
        self.policy = policy
        self.data = data

    # -- helpers ------------------------------------------------------------------------
    def _writable(self, s: Session, ctx: RequestContext, image_id: str, rule: str) -> Image:
        image = access.get_readable(s, ctx, image_id)
        self.policy.enforce(rule, ctx, access.target(image))
        return image

    def _check_visibility(self, ctx: RequestContext, image: Image | None, visibility: str) -> None:
        owner = {"project_id": image.owner if image else ctx.project_id}
        if visibility == "public":
            self.policy.enforce("image:images:publicize", ctx, owner)
        elif visibility == "community":
            self.policy.enforce("image:images:communitize", ctx, owner)

    @staticmethod
    def tags_of(s: Session, image_ids: Iterable[str]) -> dict[str, list[str]]:
        return per_image(s, _TAGS, image_ids)

    # -- create / read ------------------------------------------------------------------
    def create(self, ctx: RequestContext, attrs: Mapping[str, Any]) -> str:
        """Create a queued image; returns its id. Forbidden for read-only or reserved
        attributes and for visibilities the caller may not give; Conflict for a taken id."""
        attrs = dict(attrs)
        image_id = attrs.pop("id", None) or str(uuid.uuid4())
        try:
            image_id = str(uuid.UUID(str(image_id)))
        except ValueError:
            raise BadRequest(f"Invalid image id {image_id!r}: it must be a UUID.") from None
        tags = attrs.pop("tags", [])
        if not isinstance(tags, list) or len(tags) > MAX_TAGS:
            raise BadRequest(f"'tags' must be a list of at most {MAX_TAGS} strings.")
        for key, value in attrs.items():
            check_settable(key)
            _check_value(key, value)
        owner = attrs.pop("owner", ctx.project_id)
        if owner != ctx.project_id and not access.is_admin(ctx):
            raise Forbidden("You are not permitted to create images owned by another project.")
        visibility = attrs.pop("visibility", "shared")
        self._check_visibility(ctx, None, visibility)
        base = {k: attrs.pop(k) for k in list(attrs) if k in SETTABLE}
        now = utcnow()
        image = Image(
            id=image_id,
            name=base.get("name"),
            status="queued",
            visibility=visibility,
            protected=base.get("protected", False),
            os_hidden=base.get("os_hidden", False),
            owner=owner,
            container_format=base.get("container_format"),
            disk_format=base.get("disk_format"),
            min_disk=base.get("min_disk", 0),
            min_ram=base.get("min_ram", 0),
            properties=attrs,
            created_at=now,
            updated_at=now,
        )
        with self.db.transaction() as s:
            if s.get(Image, image_id) is not None:
                raise Conflict(f"An image with identifier {image_id} already exists")
            s.add(image)
            for tag in dict.fromkeys(check_tag(t) for t in tags):
                s.add(ImageTag(image_id=image_id, tag=tag))
        return image_id

    def get(self, ctx: RequestContext, image_id: str) -> Image:
        with self.db.read() as s:
            return access.get_readable(s, ctx, image_id)

    def list(self, ctx: RequestContext, q: ImageListQuery) -> list[Any]:
        """Glance's default list (rows with an Image's attributes): own images, public ones,
        and shared ones whose membership has the asked status; community only when asked;
        hidden only when asked."""
        admin = access.is_admin(ctx)
        stmt = _visible_statement(admin, q.visibility, q.member_status)
        for key, value in q.filters.items():
            stmt = stmt.where(value(getattr(Image, key)) if callable(value) else getattr(Image, key) == value)
        if "os_hidden" not in q.filters:
            stmt = stmt.where(Image.os_hidden.is_(False))
        for tag in q.tags:
            stmt = stmt.where(Image.id.in_(select(ImageTag.image_id).where(ImageTag.tag == tag)))
        sort = q.sort or [("created_at", "desc")]
        params = {"project_id": ctx.project_id}
        if all(key != "id" for key, _ in sort):
            sort = [*sort, ("id", sort[-1][1])]
        images = [
            i
            for i in self.db.rows(stmt, params)
            if all((i.properties or {}).get(k) == v for k, v in (q.properties or {}).items())
        ]
        images = _sorted(images, sort)
        if q.marker is not None:
            ids = [i.id for i in images]
            if q.marker not in ids:
                raise BadRequest(f"Invalid marker. Image {q.marker} could not be found.")
            images = images[ids.index(q.marker) + 1 :]
        return images[: q.limit]

    # -- change -------------------------------------------------------------------------
    def update(self, ctx: RequestContext, image_id: str, changes: list[tuple[str, str, Any]]) -> None:
        """Apply (op, attribute, value) changes, ops ``add``/``replace``/``remove``; attribute
        ``tags`` replaces the tag list."""
        with self.db.transaction() as s:
            image = self._writable(s, ctx, image_id, "image:images:update")
            props = dict(image.properties or {})
            for op, key, value in changes:
                if key == "tags":
                    self._replace_tags(s, image, [] if op == "remove" else value)
                    continue
                check_settable(key)
                if key in SETTABLE:
                    if op == "remove":
                        raise Forbidden(f"Attribute '{key}' cannot be removed.")
                    _check_value(key, value)
                    if key in FORMAT_KEYS and image.status != "queued":
                        raise Forbidden(f"Attribute {key} can be only replaced for a queued image.")
                    if key == "visibility":
                        self._check_visibility(ctx, image, value)
                    if key == "owner" and not access.is_admin(ctx):
                        raise Forbidden("Only an administrator may change the owner of an image.")
                    setattr(image, key, value)
                elif op == "remove":
                    if key not in props:
                        raise Conflict(f"Property {key} does not exist.")
                    del props[key]
                else:
                    if op == "replace" and key not in props:
                        raise Conflict(f"Property {key} does not exist.")
                    _check_value(key, value)
                    props[key] = value
            image.properties = props
            image.updated_at = utcnow()

    def _replace_tags(self, s: Session, image: Image, tags: Any) -> None:
        if not isinstance(tags, list) or len(tags) > MAX_TAGS:
            raise BadRequest(f"'tags' must be a list of at most {MAX_TAGS} strings.")
        wanted = list(dict.fromkeys(check_tag(t) for t in tags))
        for row in s.scalars(select(ImageTag).where(ImageTag.image_id == image.id)):
            s.delete(row)
        s.flush()
        for tag in wanted:
            s.add(ImageTag(image_id=image.id, tag=tag))

    def add_tag(self, ctx: RequestContext, image_id: str, tag: str) -> None:
        try:
            with self.db.transaction() as s:
                image = self._writable(s, ctx, image_id, "image:tags:update")
                if s.get(ImageTag, (image.id, check_tag(tag))) is None:
                    if len(self.tags_of(s, [image.id])[image.id]) >= MAX_TAGS:
                        raise PayloadLimit(f"An image may carry at most {MAX_TAGS} tags.")
                    s.add(ImageTag(image_id=image.id, tag=tag))
                    image.updated_at = utcnow()
        except IntegrityError:
            pass  # a concurrent request added the same tag; adding a tag is idempotent

    def remove_tag(self, ctx: RequestContext, image_id: str, tag: str) -> None:
        with self.db.transaction() as s:
            image = self._writable(s, ctx, image_id, "image:tags:update")
            row = s.get(ImageTag, (image.id, tag))
            if row is None:
                raise NotFound("tag", tag, message=f"Tag {tag} not found.")
            s.delete(row)
            image.updated_at = utcnow()

    def delete(self, ctx: RequestContext, image_id: str) -> None:
        """Delete the record, then the data in every store. Forbidden while protected."""
        with self.db.transaction() as s:
            image = self._writable(s, ctx, image_id, "image:images:delete")
            if image.protected:
                raise Forbidden(f"Image {image_id} is protected and cannot be deleted.")
            locations = list(s.scalars(select(ImageLocation).where(ImageLocation.image_id == image.id)))
            s.delete(image)
        self.data.remove_data(image_id, locations)

    def set_active(self, ctx: RequestContext, image_id: str, active: bool) -> None:
        """Deactivate (active -> deactivated) or reactivate (the reverse); a no-op when the
        image is already there, as Glance."""
        rule = "image:images:reactivate" if active else "image:images:deactivate"
        source, goal = ("deactivated", "active") if active else ("active", "deactivated")
        with self.db.transaction() as s:
            image = self._writable(s, ctx, image_id, rule)
            if image.status == goal:
                return
            if image.status != source:
                verb = "reactivate" if active else "deactivate"
                raise Forbidden(f"Not allowed to {verb} image in status '{image.status}'")
            image.status = goal
            image.updated_at = utcnow()


class PayloadLimit(Forbidden):
    status = 413
    code = "image.tags.too_many"


def _sorted(images: list[Image], sort: list[tuple[str, str]]) -> list[Image]:
    """Stable multi-key sort in Python (lists are per project and small); None sorts first
    ascending, as in SQL NULLS FIRST."""
    for key, direction in reversed(sort):
        images.sort(
            key=lambda i, k=key: (
                getattr(i, k) is not None,
                getattr(i, k) if getattr(i, k) is not None else 0,
            ),
            reverse=direction == "desc",
        )
    return images
