"""Image v2 bodies: Glance's image and member documents."""

from __future__ import annotations

from typing import Any

from pocketstack.api.common.responses import isotime
from pocketstack.store.image_models import Image, ImageMember

BASE_FIELDS = (
    "id",
    "name",
    "status",
    "visibility",
    "protected",
    "os_hidden",
    "owner",
    "container_format",
    "disk_format",
    "size",
    "virtual_size",
    "min_disk",
    "min_ram",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
)


def image(img: Image, tags: list[str], stores: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = dict(img.properties or {})
    body.update({field: getattr(img, field) for field in BASE_FIELDS})
    body.update(
        tags=tags,
        created_at=isotime(img.created_at, micros=False),
        updated_at=isotime(img.updated_at, micros=False),
        self=f"/v2/images/{img.id}",
        file=f"/v2/images/{img.id}/file",
        schema="/v2/schemas/image",
    )
    if stores:
        body["stores"] = ",".join(stores)
    return body


def member(m: ImageMember) -> dict[str, Any]:
    return {
        "image_id": m.image_id,
        "member_id": m.member_id,
        "status": m.status,
        "created_at": isotime(m.created_at, micros=False),
        "updated_at": isotime(m.updated_at, micros=False),
        "schema": "/v2/schemas/member",
    }
