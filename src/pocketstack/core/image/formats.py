"""Disk image format inspection: what the data really is, how large a disk it describes, and
whether its headers point outside the image (a qcow2 backing file or external data file, vmdk
extents in other files). Inspection reads only headers, never the whole image.
"""

from __future__ import annotations

import struct
import uuid
from dataclasses import dataclass
from typing import BinaryIO

SECTOR = 512


@dataclass(frozen=True)
class Inspection:
    format: str
    virtual_size: int
    refusal: str | None = None

    @property
    def safe(self) -> bool:
        return self.refusal is None


def _read(fh: BinaryIO, offset: int, length: int) -> bytes:
    fh.seek(offset)
    return fh.read(length)


def _size(fh: BinaryIO) -> int:
    fh.seek(0, 2)
    return fh.tell()


def _qcow2(fh: BinaryIO) -> Inspection:
    head = _read(fh, 0, 112)
    if len(head) < 72:
        return Inspection("qcow2", 0, "the qcow2 header is truncated")
    version, backing_offset, backing_size = struct.unpack(">IQI", head[4:20])
    virtual = struct.unpack(">Q", head[24:32])[0]
    if backing_offset or backing_size:
        return Inspection("qcow2", virtual, "the qcow2 image names a backing file")
    if version >= 3 and len(head) >= 104:
        incompatible = struct.unpack(">Q", head[72:80])[0]
        if incompatible & 0b100:
            return Inspection("qcow2", virtual, "the qcow2 image uses an external data file")
        header_length = struct.unpack(">I", head[100:104])[0]
        offset = header_length
        for _ in range(64):
            ext = _read(fh, offset, 8)
            if len(ext) < 8:
                break
            ext_type, ext_len = struct.unpack(">II", ext)
            if ext_type == 0:
                break
            if ext_type == 0x44415441:  # "DATA": external data file name
                return Inspection("qcow2", virtual, "the qcow2 image names an external data file")
            offset += 8 + ((ext_len + 7) & ~7)
    elif version not in (2, 3):
        return Inspection("qcow2", virtual, f"qcow2 version {version} is not supported")
    return Inspection("qcow2", virtual)


def _vmdk(fh: BinaryIO) -> Inspection:
    head = _read(fh, 0, 64)
    if len(head) < 44:
        return Inspection("vmdk", 0, "the vmdk header is truncated")
    capacity, _grain, desc_offset, desc_size = struct.unpack("<QQQQ", head[12:44])
    virtual = capacity * SECTOR
    if not desc_offset or desc_size > 2048:
        return Inspection("vmdk", virtual, "the vmdk image has no usable embedded descriptor")
    text = _read(fh, desc_offset * SECTOR, desc_size * SECTOR).split(b"\0", 1)[0]
    descriptor = text.decode("ascii", errors="replace")
    create_type = ""
    extents = []
    for line in descriptor.splitlines():
        line = line.strip()
        if line.startswith("createType="):
            create_type = line.split("=", 1)[1].strip().strip('"')
        elif line[:3] in ("RW ", "RDO") or line.startswith("NOACCESS"):
            extents.append(line)
    if create_type not in ("monolithicSparse", "streamOptimized"):
        return Inspection("vmdk", virtual, f"vmdk createType {create_type!r} refers to other files")
    if len(extents) != 1:
        return Inspection("vmdk", virtual, "the vmdk image names extents in other files")
    return Inspection("vmdk", virtual)


def _vhd_footer(block: bytes) -> int | None:
    if block[:8] != b"conectix":
        return None
    return struct.unpack(">Q", block[48:56])[0]


_VHDX_VIRTUAL_DISK_SIZE = uuid.UUID("2FA54224-CD1B-4876-B211-5DBED83BF4B8").bytes_le
_VHDX_METADATA_REGION = uuid.UUID("8B7CA206-4790-4B9A-B8FE-575F050F886E").bytes_le


def _vhdx(fh: BinaryIO) -> Inspection:
    region = _read(fh, 192 * 1024, 64 * 1024)
    if region[:4] != b"regi":
        return Inspection("vhdx", 0, "the vhdx region table is missing")
    count = struct.unpack("<I", region[8:12])[0]
    meta_offset = None
    for i in range(min(count, 2047)):
        entry = region[16 + 32 * i : 48 + 32 * i]
        if entry[:16] == _VHDX_METADATA_REGION:
            meta_offset = struct.unpack("<Q", entry[16:24])[0]
    if meta_offset is None:
        return Inspection("vhdx", 0, "the vhdx metadata region is missing")
    table = _read(fh, meta_offset, 64 * 1024)
    if table[:8] != b"metadata":
        return Inspection("vhdx", 0, "the vhdx metadata table is missing")
    entries = struct.unpack("<H", table[10:12])[0]
    for i in range(min(entries, 2047)):
        entry = table[32 + 32 * i : 64 + 32 * i]
        if entry[:16] == _VHDX_VIRTUAL_DISK_SIZE:
            item_offset = struct.unpack("<I", entry[16:20])[0]
            value = _read(fh, meta_offset + item_offset, 8)
            return Inspection("vhdx", struct.unpack("<Q", value)[0])
    return Inspection("vhdx", 0, "the vhdx virtual disk size is missing")


def _iso(fh: BinaryIO) -> Inspection | None:
    pvd = _read(fh, 16 * 2048, 2048)
    if pvd[1:6] != b"CD001":
        return None
    blocks = struct.unpack("<I", pvd[80:84])[0]
    block_size = struct.unpack("<H", pvd[128:130])[0]
    return Inspection("iso", blocks * block_size)


def inspect(fh: BinaryIO) -> Inspection:
    """Identify the format of the data in ``fh`` (raw when nothing else matches)."""
    magic = _read(fh, 0, 8)
    if magic[:4] == b"QFI\xfb":
        return _qcow2(fh)
    if magic[:4] == b"KDMV":
        return _vmdk(fh)
    if magic.startswith(b"# Disk D"):
        return Inspection("vmdk", 0, "a vmdk descriptor file refers to extents in other files")
    if magic == b"vhdxfile":
        return _vhdx(fh)
    total = _size(fh)
    virtual = _vhd_footer(_read(fh, 0, SECTOR))
    if virtual is None and total >= SECTOR:
        virtual = _vhd_footer(_read(fh, total - SECTOR, SECTOR))
    if virtual is not None:
        return Inspection("vhd", virtual)
    iso = _iso(fh)
    if iso is not None:
        return iso
    return Inspection("raw", total)


# What data each declared disk_format may hold. An ISO may be declared raw: it points nowhere.
_COMPATIBLE = {
    "raw": {"raw", "iso"},
    "iso": {"iso"},
    "qcow2": {"qcow2"},
    "vmdk": {"vmdk"},
    "vhd": {"vhd"},
    "vhdx": {"vhdx"},
}
INSPECTED_FORMATS = frozenset(_COMPATIBLE)


def check(declared: str | None, found: Inspection) -> str | None:
    """Why data of format ``found`` may not be stored as ``declared`` (None when it may)."""
    if not found.safe:
        return found.refusal
    if declared in INSPECTED_FORMATS and found.format not in _COMPATIBLE[declared]:
        return f"the data is {found.format}, not the declared disk_format {declared}"
    if declared not in INSPECTED_FORMATS and found.format != "raw":
        return f"the data is {found.format}, not the declared disk_format {declared}"
    return None
