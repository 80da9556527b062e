"""The corpus: hostile images inspection must refuse (with a fragment of the reason it must
give) and good ones it must accept (with the virtual size the API then records), each with the
``disk_format`` it is uploaded as."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.image_corpus.build import (
    COMPRESSION_TYPE,
    CORRUPT,
    DATA_FILE,
    DIRTY,
    EXTENDED_L2,
    GD_AT_END,
    MARKER_EOS,
    PROTECTIVE,
    QCOW2_DATA_FILE_EXTENSION,
    SECTOR,
    KiB,
    MiB,
    Partition,
    at,
    eos_marker,
    fat_boot_sector,
    iso,
    luks,
    mbr,
    qcow2,
    qed,
    vdi,
    vhd,
    vhd_footer,
    vhdx,
    vmdk_descriptor,
    vmdk_footer,
    vmdk_sparse,
    vmdk_stream,
)


@dataclass(frozen=True)
class Crafted:
    name: str
    disk_format: str
    build: Callable[[], bytes]
    reason: str = ""  # a fragment of the refusal (refused cases)
    virtual_size: int | None = None  # what inspection reports (accepted cases)


def _traversal_vmdk() -> bytes:
    return vmdk_sparse(vmdk_descriptor(extents=['RW 2048 SPARSE "../../../../etc/passwd"']))


def _two_extents() -> bytes:
    extents = ['RW 2048 SPARSE "disk.vmdk"', 'RW 2048 SPARSE "disk-s002.vmdk"']
    return vmdk_sparse(vmdk_descriptor(extents=extents))


_ISO_AT_32K = iso(20)[32 * KiB : 36 * KiB]

REFUSED: list[Crafted] = [
    # qcow2
    Crafted("qcow2-unknown-incompatible-bit", "qcow2", lambda: qcow2(incompatible=1 << 5), "incompatible"),
    Crafted("qcow2-highest-incompatible-bit", "qcow2", lambda: qcow2(incompatible=1 << 63), "incompatible"),
    Crafted("qcow2-extended-l2-bit", "qcow2", lambda: qcow2(incompatible=EXTENDED_L2), "incompatible"),
    Crafted("qcow2-data-file-bit", "qcow2", lambda: qcow2(incompatible=DATA_FILE), "external data file"),
    Crafted(
        "qcow2-data-file-extension",
        "qcow2",
        lambda: qcow2(extensions=[(QCOW2_DATA_FILE_EXTENSION, b"/etc/passwd")]),
        "external data file",
    ),
    Crafted("qcow2-backing-file", "qcow2", lambda: qcow2(backing=b"/etc/passwd"), "backing file"),
    Crafted(
        "qcow2-v2-backing-file", "qcow2", lambda: qcow2(version=2, backing=b"/etc/shadow"), "backing file"
    ),
    Crafted("qcow2-version-1", "qcow2", lambda: qcow2(version=1), "version 1"),
    Crafted("qcow2-version-4", "qcow2", lambda: qcow2(version=4), "version 4"),
    Crafted("qcow2-v3-truncated", "qcow2", lambda: qcow2(total=0)[:90], "truncated"),
    Crafted("qcow2-v3-short-header-length", "qcow2", lambda: qcow2(header_length=72), "header length"),
    # vmdk
    Crafted("vmdk-extent-path-traversal", "vmdk", _traversal_vmdk, "extent"),
    Crafted(
        "vmdk-extent-absolute-path",
        "vmdk",
        lambda: vmdk_sparse(vmdk_descriptor(extents=['RW 2048 SPARSE "/etc/passwd"'])),
        "extent",
    ),
    Crafted(
        "vmdk-extent-windows-path",
        "vmdk",
        lambda: vmdk_sparse(vmdk_descriptor(extents=['RW 2048 SPARSE "..\\\\secret.vmdk"'])),
        "extent",
    ),
    Crafted("vmdk-two-extents", "vmdk", _two_extents, "extent"),
    Crafted(
        "vmdk-flat-extent",
        "vmdk",
        lambda: vmdk_sparse(vmdk_descriptor(extents=['RW 2048 FLAT "disk-flat.vmdk" 0'])),
        "extent",
    ),
    Crafted("vmdk-no-extent", "vmdk", lambda: vmdk_sparse(vmdk_descriptor(extents=[])), "extent"),
    Crafted(
        "vmdk-create-type-monolithic-flat",
        "vmdk",
        lambda: vmdk_sparse(vmdk_descriptor("monolithicFlat")),
        "createType",
    ),
    Crafted(
        "vmdk-create-type-two-gb-sparse",
        "vmdk",
        lambda: vmdk_sparse(vmdk_descriptor("twoGbMaxExtentSparse")),
        "createType",
    ),
    Crafted("vmdk-create-type-missing", "vmdk", lambda: vmdk_sparse(vmdk_descriptor("")), "createType"),
    Crafted(
        "vmdk-parent-file-name-hint",
        "vmdk",
        lambda: vmdk_sparse(vmdk_descriptor(extra=['parentFileNameHint="/etc/passwd"'])),
        "parent",
    ),
    Crafted(
        "vmdk-descriptor-line-not-understood",
        "vmdk",
        lambda: vmdk_sparse(vmdk_descriptor(extra=["include /etc/passwd"])),
        "not understood",
    ),
    Crafted(
        "vmdk-descriptor-not-ascii",
        "vmdk",
        lambda: vmdk_sparse(vmdk_descriptor().encode() + 'ddb.comment = "\u00e9"\n'.encode()),
        "ASCII",
    ),
    Crafted("vmdk-descriptor-misplaced", "vmdk", lambda: vmdk_sparse(desc_sector=3), "descriptor"),
    Crafted(
        "vmdk-descriptor-absent", "vmdk", lambda: vmdk_sparse(desc_sector=0, desc_sectors=0), "descriptor"
    ),
    Crafted(
        "vmdk-descriptor-too-large", "vmdk", lambda: vmdk_sparse(desc_sectors=4096, total=0), "descriptor"
    ),
    Crafted("vmdk-version-4", "vmdk", lambda: vmdk_sparse(version=4), "version"),
    Crafted("vmdk-truncated-header", "vmdk", lambda: vmdk_sparse()[:40], "truncated"),
    Crafted("vmdk-stream-footer-missing", "vmdk", lambda: vmdk_stream(footer=b"", total=1024), "footer"),
    Crafted(
        "vmdk-stream-footer-bad-marker",
        "vmdk",
        lambda: vmdk_stream(footer=vmdk_footer(marker_type=MARKER_EOS)),
        "footer",
    ),
    Crafted(
        "vmdk-stream-footer-points-to-footer",
        "vmdk",
        lambda: vmdk_stream(footer=vmdk_footer(gd_offset=GD_AT_END)),
        "footer",
    ),
    Crafted(
        "vmdk-stream-footer-other-descriptor",
        "vmdk",
        lambda: vmdk_stream(footer=vmdk_footer(desc_sector=2)),
        "footer",
    ),
    Crafted(
        "vmdk-stream-end-of-stream-marker-bad",
        "vmdk",
        lambda: vmdk_stream(footer=vmdk_footer(eos=eos_marker(7))),
        "end-of-stream",
    ),
    Crafted(
        "vmdk-descriptor-file-alone",
        "vmdk",
        lambda: vmdk_descriptor("monolithicFlat", ['RW 2048 FLAT "/etc/passwd" 0']).encode(),
        "descriptor file",
    ),
    Crafted(
        "vmdk-descriptor-file-declared-raw",
        "raw",
        lambda: ("# just some text\n" + vmdk_descriptor(extents=['RW 8 SPARSE "x.vmdk"'])).encode(),
        "descriptor file",
    ),
    # vhdx
    Crafted("vhdx-too-many-regions", "vhdx", lambda: vhdx(region_count=2048), "region"),
    Crafted("vhdx-too-many-metadata-items", "vhdx", lambda: vhdx(metadata_count=2048), "metadata"),
    Crafted("vhdx-no-region-table", "vhdx", lambda: vhdx()[: 192 * KiB], "region"),
    # raw with a broken MBR / GPT protective MBR
    Crafted("mbr-invalid-boot-flag", "raw", lambda: mbr([Partition(0x83, boot=0x7F)]), "boot flag"),
    Crafted(
        "mbr-invalid-boot-flag-empty-entry",
        "raw",
        lambda: mbr([Partition(0x83), Partition(0, boot=1)]),
        "boot flag",
    ),
    Crafted("gpt-extra-partitions", "raw", lambda: mbr([PROTECTIVE, Partition(0x83)]), "protective MBR"),
    Crafted("gpt-protective-not-first", "raw", lambda: mbr([Partition(0x83), PROTECTIVE]), "protective MBR"),
    Crafted(
        "gpt-bad-start-lba", "raw", lambda: mbr([Partition(0xEE, 2, start_chs=b"\x00\x02\x00")]), "start LBA"
    ),
    Crafted(
        "gpt-bad-start-chs", "raw", lambda: mbr([Partition(0xEE, 1, start_chs=b"\x00\x03\x00")]), "start CHS"
    ),
    Crafted(
        "vhd-fixed-with-bad-mbr",
        "vhd",
        lambda: vhd(64 * KiB, fixed=True, disk=mbr([Partition(0x83, boot=0x42)], size=SECTOR)),
        "boot flag",
    ),
    # formats that are never allowed
    Crafted("qed", "raw", qed, "qed"),
    Crafted("luks-version-2", "raw", lambda: luks(2), "LUKS version 2"),
    # several formats at once
    Crafted("qcow2-and-iso", "qcow2", lambda: at(qcow2(total=40 * KiB), 32 * KiB, _ISO_AT_32K), "several"),
    Crafted("iso-and-qcow2", "iso", lambda: at(qcow2(total=40 * KiB), 32 * KiB, _ISO_AT_32K), "several"),
    Crafted("qcow2-and-mbr", "qcow2", lambda: at(qcow2(), 510, b"\x55\xaa"), "several"),
    Crafted("vmdk-and-iso", "vmdk", lambda: at(vmdk_sparse(), 32 * KiB, _ISO_AT_32K), "several"),
    Crafted("qcow2-in-fixed-vhd", "vhd", lambda: vhd(64 * KiB, fixed=True, disk=qcow2()), "several"),
    Crafted("vhdx-and-vhd-footer", "vhdx", lambda: vhdx() + vhd_footer(MiB, fixed=True), "several"),
    Crafted("vdi-and-mbr", "vdi", lambda: at(vdi(), 510, b"\x55\xaa"), "several"),
    Crafted("iso-and-vhd-footer", "iso", lambda: iso(20) + vhd_footer(40 * KiB, fixed=True), "several"),
    # data that is not what the image declares
    Crafted("vdi-declared-raw", "raw", vdi, "not the declared disk_format raw"),
    Crafted("luks-declared-raw", "raw", luks, "not the declared disk_format raw"),
    Crafted("raw-declared-vdi", "vdi", lambda: bytes(64 * KiB), "not the declared disk_format vdi"),
    Crafted("vhd-declared-vdi", "vdi", lambda: vhd(), "not the declared disk_format vdi"),
    Crafted(
        "mbr-declared-qcow2", "qcow2", lambda: mbr([Partition(0x83)]), "not the declared disk_format qcow2"
    ),
    Crafted("vdi-declared-ami", "ami", vdi, "not the declared disk_format ami"),
    Crafted("vmdk-declared-ploop", "ploop", vmdk_sparse, "not the declared disk_format ploop"),
]

ACCEPTED: list[Crafted] = [
    Crafted("qcow2-v3", "qcow2", qcow2, virtual_size=MiB),
    Crafted("qcow2-v2", "qcow2", lambda: qcow2(version=2), virtual_size=MiB),
    Crafted(
        "qcow2-known-bits",
        "qcow2",
        lambda: qcow2(incompatible=DIRTY | CORRUPT | COMPRESSION_TYPE),
        virtual_size=MiB,
    ),
    Crafted("vmdk-monolithic-sparse", "vmdk", vmdk_sparse, virtual_size=MiB),
    Crafted(
        "vmdk-stream-optimized",
        "vmdk",
        lambda: vmdk_sparse(vmdk_descriptor("streamOptimized"), version=3),
        virtual_size=MiB,
    ),
    Crafted("vmdk-stream-optimized-with-footer", "vmdk", vmdk_stream, virtual_size=MiB),
    Crafted("vhd-dynamic", "vhd", vhd, virtual_size=MiB),
    Crafted("vhd-fixed", "vhd", lambda: vhd(64 * KiB, fixed=True), virtual_size=64 * KiB),
    Crafted(
        "vhd-fixed-partitioned",
        "vhd",
        lambda: vhd(64 * KiB, fixed=True, disk=mbr([Partition(0x83, boot=0x80)], size=SECTOR)),
        virtual_size=64 * KiB,
    ),
    Crafted("vhdx", "vhdx", vhdx, virtual_size=8 * MiB),
    Crafted("iso", "iso", iso, virtual_size=40 * 2048),
    Crafted("iso-declared-raw", "raw", iso, virtual_size=40 * 2048),
    Crafted("udf", "iso", lambda: iso(signature=b"NSR02"), virtual_size=40 * 2048),
    Crafted(
        "iso-hybrid",
        "iso",
        lambda: iso(system_area=mbr([PROTECTIVE, Partition(0x83)], size=SECTOR)),
        virtual_size=40 * 2048,
    ),
    Crafted("raw-zeros", "raw", lambda: bytes(64 * KiB), virtual_size=64 * KiB),
    Crafted(
        "raw-mbr", "raw", lambda: mbr([Partition(0x83, boot=0x80), Partition(0x82)]), virtual_size=64 * KiB
    ),
    Crafted("raw-gpt", "raw", lambda: mbr([PROTECTIVE]), virtual_size=64 * KiB),
    Crafted("raw-boot-sector-without-partitions", "raw", lambda: mbr([]), virtual_size=64 * KiB),
    Crafted("raw-fat-file-system", "raw", fat_boot_sector, virtual_size=64 * KiB),
    Crafted("vdi", "vdi", vdi, virtual_size=4 * MiB),
    Crafted("ami-with-mbr", "ami", lambda: mbr([Partition(0x83, boot=0x80)]), virtual_size=None),
    Crafted("aki-plain-data", "aki", lambda: b"\x4d\x5a" + bytes(8 * KiB), virtual_size=None),
    Crafted("ploop-plain-data", "ploop", lambda: b"WithouFreSpacExt" + bytes(8 * KiB), virtual_size=None),
]
