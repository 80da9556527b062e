"""ISO 9660/UDF, raw disks that start with an MBR or a GPT protective MBR (``gpt``, as
oslo.utils' format_inspector names both), and VirtualBox's vdi."""

from __future__ import annotations

import struct

from pocketstack.core.image.formats.base import SECTOR, Inspection, Source

_ISO_DESCRIPTOR = 16 * 2048
_ISO_SIGNATURES = (b"CD001", b"NSR02", b"NSR03")
_MBR_ENTRIES = 446
_GPT_PROTECTIVE = 0xEE
_FAT_MEDIA_FIXED_DISK = 0xF8
_VDI_MAGIC = 0xBEDA107F


def iso(src: Source) -> Inspection | None:
    pvd = src.read(_ISO_DESCRIPTOR, 2048)
    if pvd[1:6] not in _ISO_SIGNATURES:
        return None
    if pvd[0] == 1 and len(pvd) >= 132:  # a primary volume descriptor gives the volume size
        blocks = struct.unpack("<I", pvd[80:84])[0]
        block_size = struct.unpack("<H", pvd[128:130])[0]
        return Inspection("iso", blocks * block_size)
    return Inspection("iso", src.size)


def gpt(src: Source) -> Inspection | None:
    mbr = src.read(0, SECTOR)
    if len(mbr) < SECTOR or mbr[510:512] != b"\x55\xaa":
        return None
    if mbr[0x10] == 2 and mbr[0x15] == _FAT_MEDIA_FIXED_DISK:
        return None  # a FAT file system's boot sector (two FATs, a fixed disk), not a partition table
    return Inspection("gpt", src.size, _partition_table_problem(mbr))


def _partition_table_problem(mbr: bytes) -> str | None:
    """format_inspector's checks of the four MBR entries, but for one: a boot sector with no
    partition at all is taken (COMPAT: format_inspector refuses it; ``pocketstack-tiny`` and
    other single-sector boot disks are such, and they point nowhere)."""
    used = []
    for i in range(4):
        entry = mbr[_MBR_ENTRIES + 16 * i : _MBR_ENTRIES + 16 * (i + 1)]
        if entry[0] not in (0x00, 0x80):
            return f"partition entry {i} of the MBR has an invalid boot flag"
        if entry[4]:
            used.append(i)
        if entry[4] == _GPT_PROTECTIVE:
            if entry[1:4] != b"\x00\x02\x00":
                return "the GPT protective MBR has an invalid start CHS"
            if struct.unpack("<I", entry[8:12])[0] != 1:
                return "the GPT protective MBR has an invalid start LBA"
    if any(mbr[_MBR_ENTRIES + 16 * i + 4] == _GPT_PROTECTIVE for i in used) and used != [0]:
        return "the GPT protective MBR defines other partitions"
    return None


def vdi(src: Source) -> Inspection | None:
    head = src.read(0, SECTOR)
    if len(head) < SECTOR or struct.unpack("<I", head[0x40:0x44])[0] != _VDI_MAGIC:
        return None
    return Inspection("vdi", struct.unpack("<Q", head[0x170:0x178])[0])
