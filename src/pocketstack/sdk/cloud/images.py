"""'Upload this image': a record, its data with progress, and a checksum check."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pocketstack.sdk.exceptions import SDKError
from pocketstack.sdk.plan import Call, Digests

if TYPE_CHECKING:
    from pocketstack.sdk.cloud.plans import ServicesPlans
    from pocketstack.sdk.image.v2.resources import Image

DISK_FORMATS = {
    ".qcow2": "qcow2",
    ".img": "raw",
    ".raw": "raw",
    ".iso": "iso",
    ".vmdk": "vmdk",
    ".vdi": "vdi",
}


class ChecksumMismatch(SDKError):
    """The data the service stored does not hash as the local file does."""


def upload_image(
    s: ServicesPlans,
    /,
    path: Path | str,
    name: str | None = None,
    *,
    disk_format: str | None = None,
    container_format: str = "bare",
    progress: Callable[[int], None] | None = None,
    **attrs: Any,
) -> Call[Image]:
    """An active image holding the file: a record named after the file (or ``name``), the
    disk format guessed from the suffix (raw when unknown), the data sent with ``progress``
    called per chunk, then the stored checksums compared with those of the bytes sent. On a
    mismatch the image is deleted and ChecksumMismatch raised; if the upload fails the record is
    deleted."""
    path = Path(path)
    fmt = disk_format or DISK_FORMATS.get(path.suffix.lower(), "raw")
    image = yield from s.image.create_image(
        name=name or path.stem, disk_format=fmt, container_format=container_format, **attrs
    )
    try:
        sent = Digests()
        stored = yield from s.image.upload_data(image, path, progress=progress, digests=sent)
        md5, sha512 = sent.md5.hexdigest(), sent.sha512.hexdigest()
        if stored.checksum != md5 or (stored.hash_value and stored.hash_value != sha512):
            raise ChecksumMismatch(
                f"image {stored.id}: stored md5 {stored.checksum} and sha512 {stored.hash_value} differ from "
                f"the file's {md5} and {sha512}"
            )
    except BaseException:
        yield from s.image.delete_image(image)
        raise
    return stored
