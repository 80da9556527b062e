"""qcow2 (and the two formats only ever refused: qed and LUKS other than version 1).

qcow2 header, big-endian: magic ``QFI\\xfb``, version (4), backing file offset (8) and size (4)
at 8, the virtual size at 24; from version 3 the incompatible feature bits at 72 and the header
length at 100, followed by header extensions (type, length, data padded to 8 bytes).
"""

from __future__ import annotations

import struct

from pocketstack.core.image.formats.base import Inspection, Source

QCOW2_MAGIC = b"QFI\xfb"
_V3_HEADER = 104
# Incompatible feature bits: 0 dirty, 1 corrupt, 2 external data file, 3 compression type. Like
# oslo.utils' format_inspector, no other bit is allowed, the known extended-L2 bit (4) included.
_DATA_FILE = 1 << 2
_ALLOWED_INCOMPATIBLE = 0b1111
_DATA_FILE_EXTENSION = 0x44415441  # "DATA": the name of the external data file
_MAX_EXTENSIONS = 64


def qcow2(src: Source) -> Inspection | None:
    head = src.read(0, 512)
    if head[:4] != QCOW2_MAGIC:
        return None
    if len(head) < 72:
        return Inspection("qcow2", 0, "the qcow2 header is truncated")
    version, backing_offset, backing_size = struct.unpack(">IQI", head[4:20])
    virtual = struct.unpack(">Q", head[24:32])[0]
    return Inspection("qcow2", virtual, _qcow2_problem(src, head, version, backing_offset or backing_size))


def _qcow2_problem(src: Source, head: bytes, version: int, backing: int) -> str | None:
    if backing:
        return "the qcow2 image names a backing file"
    if version == 2:
        return None  # version 2 has no feature bits and no header extensions
    if version != 3:
        return f"qcow2 version {version} is not supported"
    if len(head) < _V3_HEADER:
        return "the qcow2 header is truncated"
    incompatible = struct.unpack(">Q", head[72:80])[0]
    if incompatible & _DATA_FILE:
        return "the qcow2 image uses an external data file"
    if incompatible & ~_ALLOWED_INCOMPATIBLE:
        return f"the qcow2 image uses incompatible features that are not allowed ({incompatible:#x})"
    header_length = struct.unpack(">I", head[100:104])[0]
    if header_length < _V3_HEADER:
        return f"the qcow2 header length {header_length} is too small"
    if _has_extension(src, header_length, _DATA_FILE_EXTENSION):
        return "the qcow2 image names an external data file"
    return None


def _has_extension(src: Source, offset: int, wanted: int) -> bool:
    for _ in range(_MAX_EXTENSIONS):
        ext = src.read(offset, 8)
        if len(ext) < 8:
            return False
        ext_type, ext_len = struct.unpack(">II", ext)
        if ext_type == wanted:
            return True
        if ext_type == 0:
            return False
        offset += 8 + ((ext_len + 7) & ~7)
    return False


def qed(src: Source) -> Inspection | None:
    if src.read(0, 4) != b"QED\x00":
        return None
    return Inspection("qed", 0, "qed images are not allowed")


def luks(src: Source) -> Inspection | None:
    head = src.read(0, 108)
    if head[:6] != b"LUKS\xba\xbe":
        return None
    if len(head) < 108:
        return Inspection("luks", 0, "the LUKS header is truncated")
    version = struct.unpack(">H", head[6:8])[0]
    payload = struct.unpack(">I", head[104:108])[0] * 512
    refusal = None if version == 1 else f"LUKS version {version} is not supported"
    return Inspection("luks", max(src.size - payload, 0), refusal)
