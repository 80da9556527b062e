"""vhd and vhdx. Neither can point outside the image in a way qemu follows, so (as in
oslo.utils' format_inspector) they are only recognised, sized and checked to be well formed.

A vhd has a 512-byte big-endian footer (``conectix``, current size at 48) at the end, and a copy
at the start when it is dynamic; a fixed vhd is a raw disk with the footer appended. A vhdx
starts ``vhdxfile``; its region table at 192 KiB points to the metadata region, whose table
points to the virtual disk size.
"""

from __future__ import annotations

import struct
import uuid

from pocketstack.core.image.formats.base import SECTOR, Inspection, Source

VHD_COOKIE = b"conectix"
_VHDX_VIRTUAL_DISK_SIZE = uuid.UUID("2FA54224-CD1B-4876-B211-5DBED83BF4B8").bytes_le
_VHDX_METADATA_REGION = uuid.UUID("8B7CA206-4790-4B9A-B8FE-575F050F886E").bytes_le
_VHDX_REGION_TABLE = 192 * 1024
_VHDX_TABLE_SIZE = 64 * 1024
_VHDX_MAX_ENTRIES = 2047


def vhd(src: Source) -> Inspection | None:
    footer = src.read(0, SECTOR)
    if footer[:8] != VHD_COOKIE:
        footer = src.tail(SECTOR)
        if footer[:8] != VHD_COOKIE:
            return None
    if len(footer) < 56:
        return Inspection("vhd", 0, "the vhd footer is truncated")
    return Inspection("vhd", struct.unpack(">Q", footer[48:56])[0])


def is_fixed_vhd(src: Source) -> bool:
    """Only a footer at the end: the data before it is a raw disk."""
    return src.read(0, 8) != VHD_COOKIE


def vhdx(src: Source) -> Inspection | None:
    if src.read(0, 8) != b"vhdxfile":
        return None
    size, problem = _vhdx_virtual_size(src)
    return Inspection("vhdx", size, problem)


def _vhdx_virtual_size(src: Source) -> tuple[int, str | None]:
    region = src.read(_VHDX_REGION_TABLE, _VHDX_TABLE_SIZE).ljust(_VHDX_TABLE_SIZE, b"\0")
    if region[:4] != b"regi":
        return 0, "the vhdx region table is missing"
    count = struct.unpack("<I", region[8:12])[0]
    if count > _VHDX_MAX_ENTRIES:
        return 0, f"the vhdx region table has {count} entries (at most {_VHDX_MAX_ENTRIES})"
    meta_offset = next(
        (
            struct.unpack("<Q", region[32 + 32 * i : 40 + 32 * i])[0]
            for i in range(count)
            if region[16 + 32 * i : 32 + 32 * i] == _VHDX_METADATA_REGION
        ),
        None,
    )
    if meta_offset is None:
        return 0, "the vhdx metadata region is missing"
    table = src.read(meta_offset, _VHDX_TABLE_SIZE).ljust(_VHDX_TABLE_SIZE, b"\0")
    if table[:8] != b"metadata":
        return 0, "the vhdx metadata table is missing"
    entries = struct.unpack("<H", table[10:12])[0]
    if entries > _VHDX_MAX_ENTRIES:
        return 0, f"the vhdx metadata table has {entries} entries (at most {_VHDX_MAX_ENTRIES})"
    for i in range(entries):
        entry = table[32 + 32 * i : 64 + 32 * i]
        if entry[:16] == _VHDX_VIRTUAL_DISK_SIZE:
            value = src.read(meta_offset + struct.unpack("<I", entry[16:20])[0], 8)
            if len(value) < 8:
                return 0, "the vhdx virtual disk size is truncated"
            return struct.unpack("<Q", value)[0], None
    return 0, "the vhdx virtual disk size is missing"
