"""Disk image format inspection: what the data really is, how large a disk it describes, and
whether its headers are safe to hand to a hypervisor. It follows the safety checks of oslo.utils'
format_inspector (which Glance and Nova use): headers that point outside the image (a qcow2
backing or data file, vmdk extents in other files or a parent disk), features the checks do not
know, malformed structures, and data that looks like more than one format at once (a format
probe could take it for either). Inspection reads only headers, never the whole image.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from pocketstack.core.image.formats import disks, microsoft, qemu, vmdk
from pocketstack.core.image.formats.base import Detector, Inspection, Source

__all__ = ["INSPECTED_FORMATS", "Inspection", "check", "inspect"]

DETECTORS: tuple[Detector, ...] = (
    qemu.qcow2,
    qemu.qed,
    qemu.luks,
    vmdk.vmdk,
    microsoft.vhdx,
    microsoft.vhd,
    disks.vdi,
    disks.iso,
    disks.gpt,
)


def inspect(fh: BinaryIO) -> Inspection:
    """Identify the format of the data in ``fh`` (raw when nothing else matches)."""
    src = Source(fh)
    found = [seen for seen in (_detect(d, src) for d in DETECTORS) if seen is not None]
    return _settle(found, src)


def _detect(detector: Detector, src: Source) -> Inspection | None:
    try:
        return detector(src)
    except (struct.error, ValueError, IndexError):
        # A detector only parses past its magic, so this is its format, and malformed.
        name = detector.__name__
        return Inspection(name, 0, f"the {name} headers could not be read")


def _settle(found: list[Inspection], src: Source) -> Inspection:
    if not found:
        return Inspection("raw", src.size)
    if len(found) == 1:
        return found[0]
    by_format = {seen.format: seen for seen in found}
    if by_format.keys() == {"iso", "gpt"}:
        # COMPAT: as Glance and Nova do, a hybrid ISO (an MBR or GPT in the 32 KiB the ISO
        # leaves for booting) is an ISO; the partition table is not checked.
        return by_format["iso"]
    if by_format.keys() == {"vhd", "gpt"} and microsoft.is_fixed_vhd(src):
        # A fixed vhd is a raw disk plus a footer: the disk may be partitioned, and is checked.
        disk, table = by_format["vhd"], by_format["gpt"]
        return Inspection("vhd", disk.virtual_size, disk.refusal or table.refusal)
    names = sorted(by_format)
    return Inspection("+".join(names), 0, f"the data looks like several formats at once ({', '.join(names)})")


# What data each declared disk_format may hold. An ISO may be declared raw: it points nowhere;
# so may a raw disk with a partition table (``gpt``, with its checks passed).
_COMPATIBLE = {
    "raw": frozenset({"raw", "gpt", "iso"}),
    "iso": frozenset({"iso"}),
    "qcow2": frozenset({"qcow2"}),
    "vmdk": frozenset({"vmdk"}),
    "vhd": frozenset({"vhd"}),
    "vhdx": frozenset({"vhdx"}),
    "vdi": frozenset({"vdi"}),
}
INSPECTED_FORMATS = frozenset(_COMPATIBLE)
# ami, ari, aki, ploop: no inspector reads them. Their data must not be a format one does read,
# but it may start with a boot sector (a disk's, or a kernel's).
_NOT_INSPECTED = frozenset({"raw", "gpt"})


def check(declared: str | None, found: Inspection) -> str | None:
    """Why data of format ``found`` may not be stored as ``declared`` (None when it may)."""
    if not found.safe:
        return found.refusal
    if found.format not in _COMPATIBLE.get(declared or "", _NOT_INSPECTED):
        return f"the data is {found.format}, not the declared disk_format {declared}"
    return None
