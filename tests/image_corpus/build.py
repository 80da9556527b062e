"""Builders of crafted disk images, as bytes: just enough of each format's headers for an
inspector to read, with a knob for every way a hostile image can bend them."""

from __future__ import annotations

import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

KiB = 1024
MiB = 1024 * KiB
SECTOR = 512

# -- qcow2 -------------------------------------------------------------------------------------

DIRTY, CORRUPT, DATA_FILE, COMPRESSION_TYPE, EXTENDED_L2 = (1 << n for n in range(5))
QCOW2_DATA_FILE_EXTENSION = 0x44415441


def qcow2(
    *,
    version: int = 3,
    size: int = MiB,
    incompatible: int = 0,
    backing: bytes = b"",
    extensions: Sequence[tuple[int, bytes]] = (),
    header_length: int = 112,
    total: int = 4 * KiB,
) -> bytes:
    """A qcow2 header (no clusters allocated) with optional header extensions and backing name."""
    head = bytearray(struct.pack(">4sIQIIQIIQQIIQ", b"QFI\xfb", version, 0, 0, 16, size, 0, 0, 0, 0, 0, 0, 0))
    if version >= 3:
        head += struct.pack(">QQQII", incompatible, 0, 0, 4, header_length)
        head += bytes(max(header_length - len(head), 0))
    for ext_type, payload in extensions:
        head += struct.pack(">II", ext_type, len(payload)) + payload + bytes(-len(payload) % 8)
    if version >= 3:
        head += bytes(8)  # end of the header extensions
    if backing:
        struct.pack_into(">QI", head, 8, len(head), len(backing))
        head += backing
    return bytes(head) + bytes(max(total - len(head), 0))


# -- vmdk --------------------------------------------------------------------------------------

GD_AT_END = 0xFFFFFFFFFFFFFFFF
MARKER_EOS, MARKER_FOOTER = 0, 3


def vmdk_descriptor(
    create_type: str = "monolithicSparse",
    extents: Sequence[str] = ('RW 2048 SPARSE "disk.vmdk"',),
    extra: Sequence[str] = (),
) -> str:
    """A descriptor as qemu-img writes it; ``extra`` lines go after the header fields."""
    lines = [
        "# Disk DescriptorFile",
        "version=1",
        "CID=3c5d2b1a",
        "parentCID=ffffffff",
        f'createType="{create_type}"' if create_type else "",
        *extra,
        "",
        "# Extent description",
        *extents,
        "",
        "# The Disk Data Base",
        "#DDB",
        "",
        'ddb.virtualHWVersion = "4"',
        'ddb.geometry.cylinders = "2"',
        'ddb.adapterType = "ide"',
    ]
    return "\n".join(lines) + "\n"


def _vmdk_header(version: int, capacity: int, desc_sector: int, desc_sectors: int, gd_offset: int) -> bytes:
    fields = struct.pack(
        "<4sIIQQQQIQQQ?4sH",
        b"KDMV",
        version,
        3,
        capacity,
        128,
        desc_sector,
        desc_sectors,
        512,
        21,
        gd_offset,
        128,
        False,
        b"\n \r\n",
        1 if version == 3 else 0,
    )
    return fields + bytes(SECTOR - len(fields))


def _marker(value: int, marker_type: int, pad: bytes = bytes(496)) -> bytes:
    return struct.pack("<QII", value, 0, marker_type) + pad


def vmdk_sparse(
    descriptor: str | bytes | None = None,
    *,
    version: int = 1,
    capacity: int = 2048,
    desc_sector: int = 1,
    desc_sectors: int = 20,
    gd_at_end: bool = False,
    footer: bytes | None = None,
    total: int = 64 * KiB,
) -> bytes:
    """A hosted sparse extent with its descriptor embedded; with ``gd_at_end`` the grain
    directory is given in a footer (as VMware's stream-optimized files have), which is
    ``footer`` (by default a valid one: footer marker, header copy, end-of-stream marker)."""
    text = descriptor if descriptor is not None else vmdk_descriptor()
    desc = text.encode() if isinstance(text, str) else text
    header = _vmdk_header(version, capacity, desc_sector, desc_sectors, GD_AT_END if gd_at_end else 21)
    body = header + bytes(SECTOR * max(desc_sector - 1, 0)) + desc
    body += bytes(max(total - len(body), 0))
    if gd_at_end:
        if footer is None:
            footer = vmdk_footer(version, capacity, desc_sector, desc_sectors)
        body += footer
    return body


def vmdk_footer(
    version: int = 3,
    capacity: int = 2048,
    desc_sector: int = 1,
    desc_sectors: int = 20,
    *,
    gd_offset: int = 21,
    marker_type: int = MARKER_FOOTER,
    eos: bytes | None = None,
) -> bytes:
    header = _vmdk_header(version, capacity, desc_sector, desc_sectors, gd_offset)
    return _marker(1, marker_type) + header + (eos if eos is not None else _marker(0, MARKER_EOS))


def vmdk_stream(descriptor_create_type: str = "streamOptimized", **kwargs: object) -> bytes:
    desc = vmdk_descriptor(descriptor_create_type)
    return vmdk_sparse(desc, version=3, gd_at_end=True, **kwargs)  # type: ignore[arg-type]


# -- vhd, vhdx ---------------------------------------------------------------------------------


def vhd_footer(size: int, *, fixed: bool) -> bytes:
    footer = bytearray(SECTOR)
    data_offset = GD_AT_END if fixed else SECTOR
    struct.pack_into(">8sIIQ", footer, 0, b"conectix", 2, 0x10000, data_offset)
    struct.pack_into(">QQ", footer, 40, size, size)
    struct.pack_into(">I", footer, 60, 2 if fixed else 3)
    footer[68:84] = uuid.uuid4().bytes
    struct.pack_into(">I", footer, 64, ~sum(footer) & 0xFFFFFFFF)
    return bytes(footer)


def vhd(size: int = MiB, *, fixed: bool = False, disk: bytes = b"") -> bytes:
    """A dynamic vhd (footer copy, sparse header, footer) or a fixed one (``disk`` padded to
    ``size``, then the footer)."""
    footer = vhd_footer(size, fixed=fixed)
    if fixed:
        return disk + bytes(size - len(disk)) + footer
    sparse = bytearray(1024)
    struct.pack_into(">8sQQII", sparse, 0, b"cxsparse", GD_AT_END, 1536, 0x10000, size // (2 * MiB) + 1)
    return footer + bytes(sparse) + bytes(SECTOR) + footer


VHDX_METADATA_REGION = uuid.UUID("8B7CA206-4790-4B9A-B8FE-575F050F886E").bytes_le
VHDX_VIRTUAL_DISK_SIZE = uuid.UUID("2FA54224-CD1B-4876-B211-5DBED83BF4B8").bytes_le


def vhdx(size: int = 8 * MiB, *, region_count: int = 1, metadata_count: int = 1) -> bytes:
    """Identity, one region table (the metadata region at 256 KiB) and the virtual disk size."""
    data = bytearray(384 * KiB)
    data[0:8] = b"vhdxfile"
    table = 192 * KiB
    struct.pack_into("<4sIII", data, table, b"regi", 0, region_count, 0)
    meta = 256 * KiB
    struct.pack_into("<16sQII", data, table + 16, VHDX_METADATA_REGION, meta, MiB, 1)
    struct.pack_into("<8sHH", data, meta, b"metadata", 0, metadata_count)
    struct.pack_into("<16sIII", data, meta + 32, VHDX_VIRTUAL_DISK_SIZE, 64 * KiB, 8, 2)
    struct.pack_into("<Q", data, meta + 64 * KiB, size)
    return bytes(data)


# -- iso, mbr/gpt, vdi, qed, luks ------------------------------------------------------------


def iso(blocks: int = 40, *, signature: bytes = b"CD001", system_area: bytes = b"") -> bytes:
    """An ISO 9660 image: ``system_area`` (e.g. a hybrid boot MBR), the primary volume descriptor
    and the set terminator."""
    data = bytearray(max(blocks, 18) * 2048)
    data[: len(system_area)] = system_area
    pvd = 16 * 2048
    data[pvd : pvd + 7] = b"\x01" + signature + b"\x01"
    struct.pack_into("<I", data, pvd + 80, blocks)
    struct.pack_into(">I", data, pvd + 84, blocks)
    struct.pack_into("<HH", data, pvd + 128, 2048, 0)
    data[pvd + 2048 : pvd + 2048 + 7] = b"\xff" + signature + b"\x01"
    return bytes(data)


@dataclass(frozen=True)
class Partition:
    type: int
    start_lba: int = 2048
    sectors: int = 4096
    boot: int = 0x00
    start_chs: bytes = b"\x00\x21\x00"


PROTECTIVE = Partition(0xEE, start_lba=1, sectors=0xFFFFFFFF, start_chs=b"\x00\x02\x00")


def mbr(partitions: Sequence[Partition], *, size: int = 64 * KiB, code: bytes = b"\xfa\xf4") -> bytes:
    """A disk whose first sector is an MBR with ``partitions`` (GPT header not included)."""
    sector = bytearray(SECTOR)
    sector[: len(code)] = code
    for i, p in enumerate(partitions):
        entry = struct.pack("<B3sB3sII", p.boot, p.start_chs, p.type, b"\xfe\xff\xff", p.start_lba, p.sectors)
        sector[446 + 16 * i : 462 + 16 * i] = entry
    sector[510:512] = b"\x55\xaa"
    if partitions and partitions[0].type == 0xEE:
        sector += b"EFI PART" + bytes(SECTOR - 8)
    return bytes(sector) + bytes(max(size - len(sector), 0))


def fat_boot_sector(size: int = 64 * KiB) -> bytes:
    """A FAT file system's boot sector: signed like an MBR, but not a partition table."""
    sector = bytearray(SECTOR)
    sector[0:3] = b"\xeb\x3c\x90"
    sector[3:11] = b"MSDOS5.0"
    struct.pack_into("<HBHB", sector, 11, 512, 4, 1, 2)  # bytes/sector .. number of FATs (0x10)
    sector[0x15] = 0xF8
    sector[446:510] = b"\x37" * 64  # boot code where a partition table would be
    sector[510:512] = b"\x55\xaa"
    return bytes(sector) + bytes(size - SECTOR)


def vdi(size: int = 4 * MiB) -> bytes:
    header = bytearray(SECTOR * 2)
    header[0:40] = b"<<< Oracle VM VirtualBox Disk Image >>>\n"
    struct.pack_into("<IIII", header, 0x40, 0xBEDA107F, 0x00010001, 0x190, 1)
    struct.pack_into("<Q", header, 0x170, size)
    return bytes(header)


def qed() -> bytes:
    return b"QED\x00" + struct.pack("<III", 64 * KiB, 16, 1) + bytes(4 * KiB - 16)


def luks(version: int = 1) -> bytes:
    header = bytearray(4 * KiB)
    struct.pack_into(
        ">6sH32s32s32sII", header, 0, b"LUKS\xba\xbe", version, b"aes", b"xts-plain64", b"sha256", 4, 64
    )
    return bytes(header)


def at(base: bytes, offset: int, patch: bytes) -> bytes:
    """``base`` with ``patch`` written at ``offset`` (grown as needed)."""
    data = bytearray(base) + bytes(max(offset + len(patch) - len(base), 0))
    data[offset : offset + len(patch)] = patch
    return bytes(data)


def eos_marker(value: int = 0) -> bytes:
    """A stream-optimized vmdk's end-of-stream marker (valid only with ``value`` 0)."""
    return _marker(value, MARKER_EOS)
