"""The first start registers one small public image, ``pocketstack-tiny``, so a new user can boot
a server at once. It is a 1 MiB raw disk whose boot sector (x86, BIOS) prints a line on the
screen and on the first serial port, then halts. Later starts never add it again, even when it
was deleted: ``meta`` remembers it was made."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import select

from pocketstack.core.identity.bootstrap import DEFAULT_DOMAIN_ID
from pocketstack.core.identity.common import utcnow
from pocketstack.store.db import Database
from pocketstack.store.image_models import Image
from pocketstack.store.models import Meta, Project

if TYPE_CHECKING:
    from pocketstack.core.image.data import ImageDataService

LOG = logging.getLogger("pocketstack")
NAME = "pocketstack-tiny"
SEEDED_KEY = "first_image_id"
DISK_SIZE = 1024 * 1024
MESSAGE = b"pocketstack-tiny: booted, halting.\r\n"

# Real-mode code loaded at 0x7c00: print MESSAGE through COM1 (port 0x3f8) and the BIOS
# teletype (int 0x10), then halt forever.
_CODE = bytes.fromhex(
    "31c0"  # xor ax, ax
    "8ed8"  # mov ds, ax
    "be1e7c"  # mov si, 0x7c1e (MESSAGE)
    "fc"  # cld
    "ac"  # next: lodsb
    "08c0"  # or al, al
    "740d"  # jz halt
    "baf803"  # mov dx, 0x3f8
    "ee"  # out dx, al
    "b40e"  # mov ah, 0x0e
    "bb0700"  # mov bx, 0x0007
    "cd10"  # int 0x10
    "ebee"  # jmp next
    "fa"  # halt: cli
    "f4"  # hlt
    "ebfd"  # jmp hlt
)


def tiny_disk() -> bytes:
    """The disk: boot sector (code, message, 0x55aa signature), then zeros."""
    sector = bytearray(512)
    sector[: len(_CODE)] = _CODE
    sector[len(_CODE) : len(_CODE) + len(MESSAGE) + 1] = MESSAGE + b"\0"
    sector[510:512] = b"\x55\xaa"
    return bytes(sector) + bytes(DISK_SIZE - 512)


def _reserve(db: Database) -> Image | None:
    """The image row to fill: new on the very first start, the same one again when a crash cut
    the first fill short (None when there is nothing to do)."""
    now = utcnow()
    with db.transaction() as s:
        seeded = s.get(Meta, SEEDED_KEY)
        if seeded is not None:
            image = s.get(Image, seeded.value)
            return image if image is not None and image.status == "queued" else None
        owner = s.scalar(
            select(Project.id).where(Project.name == "admin", Project.domain_id == DEFAULT_DOMAIN_ID)
        )
        image = Image(
            id=str(uuid.uuid4()),
            name=NAME,
            status="queued",
            visibility="public",
            protected=False,
            os_hidden=False,
            owner=owner,
            container_format="bare",
            disk_format="raw",
            min_disk=0,
            min_ram=0,
            properties={"description": "A 1 MiB disk that prints one line and halts."},
            created_at=now,
            updated_at=now,
        )
        s.add(image)
        s.add(Meta(key=SEEDED_KEY, value=image.id))
        return image


def seed_first_image(db: Database, data: ImageDataService | Callable[[], ImageDataService]) -> str | None:
    """Register ``pocketstack-tiny`` (owned by the ``admin`` project) on the first start;
    returns its id, or None when it was made before. ``data`` may be a function giving the
    image data service, called only when there is data to write."""
    image = _reserve(db)
    if image is None:
        return None
    if callable(data):
        data = data()
    transfer = data.begin_upload(image, None, DISK_SIZE)
    try:
        transfer.write(tiny_disk())
        transfer.finish()
    except BaseException:
        transfer.abort()
        raise
    LOG.info("event=first_image_registered image_id=%s name=%s", image.id, NAME)
    return image.id
