"""vmdk: only a single-file ``monolithicSparse`` or ``streamOptimized`` image is taken, its one
extent the file itself, its embedded descriptor parsed strictly (a line not understood refuses
the image). A descriptor on its own (a text file) always names other files and is refused.

Hosted sparse extent header, little-endian: magic ``KDMV``, version (4), flags (4), capacity in
sectors (8) at 12, grain (8), descriptor offset and size in sectors (8 + 8) at 28, grain table
entries (4), redundant and primary grain directory offsets (8 + 8) at 48. A primary offset of
all ones means the real header is in a footer at the end (stream-optimized files made by VMware):
footer marker, header copy, end-of-stream marker, one sector each.
"""

from __future__ import annotations

import re
import struct

from pocketstack.core.image.formats.base import SECTOR, Inspection, Source

VMDK_MAGIC = b"KDMV"
_GD_AT_END = 0xFFFF_FFFF_FFFF_FFFF
_DESCRIPTOR_SECTOR = 1  # where qemu (and format_inspector) require the embedded descriptor
_MAX_DESCRIPTOR = 1 << 20  # bytes, qemu's limit
_SAFE_TYPES = ("monolithicsparse", "streamoptimized")
_MARKER_EOS, _MARKER_FOOTER = 0, 3
_MARKER_PAD = bytes(SECTOR - 16)

_FIELD = re.compile(r'([A-Za-z][\w.]*)\s*=\s*("[^"]*"|[^\s"]*)')
_EXTENT = re.compile(r'(RW|RDONLY|NOACCESS)\s+(\d+)\s+([A-Za-z]+)(?:\s+"([^"]*)"(?:\s+(\d+))?)?', re.I)
_TEXT = frozenset(range(32, 127)) | frozenset(b"\t\n\r\x0b\x0c")


def vmdk(src: Source) -> Inspection | None:
    head = src.read(0, SECTOR)
    if head[:4] == VMDK_MAGIC:
        return _sparse(src, head)
    if _is_descriptor_file(src, head):
        return Inspection("vmdk", 0, "a vmdk descriptor file refers to extents in other files")
    return None


def _sparse(src: Source, head: bytes) -> Inspection:
    if len(head) < 64:
        return Inspection("vmdk", 0, "the vmdk header is truncated")
    version, _flags, capacity, _grain, desc_sector, desc_sectors, _gtes, _rgd, gd_offset = struct.unpack(
        "<IIQQQQIQQ", head[4:64]
    )
    problem = _header_problem(version, desc_sector, desc_sectors)
    if problem is None:
        problem = _descriptor_problem(src.read(desc_sector * SECTOR, desc_sectors * SECTOR))
    if problem is None and gd_offset == _GD_AT_END:
        problem = _footer_problem(src, head)
    return Inspection("vmdk", capacity * SECTOR, problem)


def _header_problem(version: int, desc_sector: int, desc_sectors: int) -> str | None:
    if version not in (1, 2, 3):
        return f"vmdk version {version} is not supported"
    if desc_sector != _DESCRIPTOR_SECTOR or not desc_sectors:
        return "the vmdk image has no embedded descriptor where one must be"
    if desc_sectors * SECTOR > _MAX_DESCRIPTOR:
        return "the vmdk descriptor is larger than 1 MiB"
    return None


def _descriptor_problem(raw: bytes) -> str | None:
    try:
        text = raw.split(b"\0", 1)[0].decode("ascii")
    except UnicodeDecodeError:
        return "the vmdk descriptor is not ASCII text"
    lowered = text.lower()
    # qemu finds these keys by searching the whole text, comments included.
    if "parentfilenamehint" in lowered:
        return "the vmdk image names a parent disk"
    if lowered.count("createtype") > 1:
        return "the vmdk descriptor gives createType more than once"
    try:
        fields, extents = parse_descriptor(text)
    except ValueError as exc:
        return str(exc)
    create_type = fields.get("createtype", "")
    if create_type.lower() not in _SAFE_TYPES:
        return f"vmdk createType {create_type[:40]!r} is not monolithicSparse or streamOptimized"
    return _extent_problem(extents)


def parse_descriptor(text: str) -> tuple[dict[str, str], list[tuple[str, str | None]]]:
    """The header fields (keys lowered, ``ddb.*`` left out) and the extents (type, file name)
    of a descriptor; ValueError for any line that is neither, a comment nor blank."""
    fields: dict[str, str] = {}
    extents: list[tuple[str, str | None]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if extent := _EXTENT.fullmatch(line):
            extents.append((extent[3].upper(), extent[4]))
        elif field := _FIELD.fullmatch(line):
            if not field[1].lower().startswith("ddb."):
                fields[field[1].lower()] = field[2].strip('"')
        else:
            raise ValueError(f"line {number} of the vmdk descriptor is not understood")
    return fields, extents


def _extent_problem(extents: list[tuple[str, str | None]]) -> str | None:
    if len(extents) != 1:
        return f"the vmdk image must have exactly one extent, in the file itself (it has {len(extents)})"
    kind, name = extents[0]
    if kind != "SPARSE":
        return f"the vmdk extent is not in the file itself (a {kind[:16]} extent)"
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        return "the vmdk extent names a file elsewhere, not the image itself"
    return None


def _footer_problem(src: Source, head: bytes) -> str | None:
    if src.size < 4 * SECTOR:
        return "the stream-optimized vmdk image has no footer"
    tail = src.tail(3 * SECTOR)
    marker, copy, eos = tail[:SECTOR], tail[SECTOR : 2 * SECTOR], tail[2 * SECTOR :]
    if copy[:8] != head[:8] or copy[28:44] != head[28:44]:
        return "the vmdk footer does not match the header (magic, version or descriptor)"
    if struct.unpack("<Q", copy[56:64])[0] == _GD_AT_END:
        return "the vmdk footer points to another footer"
    _value, size, kind = struct.unpack("<QII", marker[:16])
    if size != 0 or kind != _MARKER_FOOTER or marker[16:] != _MARKER_PAD:
        return "the vmdk footer marker is invalid"
    if eos != struct.pack("<QII", 0, 0, _MARKER_EOS) + _MARKER_PAD:
        return "the vmdk end-of-stream marker is invalid"
    return None


def _is_descriptor_file(src: Source, head: bytes) -> bool:
    """Text that qemu (or format_inspector) would take for a vmdk descriptor."""
    if not head or not _TEXT.issuperset(head):
        return False
    if head.startswith(b"# Disk DescriptorFile"):
        return True
    first = next((ln.strip() for ln in head.splitlines() if ln.strip() and not ln.startswith(b"#")), b"")
    if re.fullmatch(rb"version=[123]", first):
        return True
    return b'createtype="' in src.read(0, _MAX_DESCRIPTOR).split(b"\0", 1)[0].lower()
