"""Format inspection against images made by qemu-img (the tool users make them with) and
against the crafted images of ``tests/image_corpus.py``: every hostile case refused, every good
one accepted, through the same call the upload and import paths make."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest

from pocketstack.core.errors import UnsupportedMediaType
from pocketstack.core.image import transfer
from pocketstack.core.image.formats import check, inspect
from tests.image_corpus import ACCEPTED, REFUSED, Crafted, qcow2
from tests.marks import needs_qemu_img, qemu_img

MiB = 1024 * 1024


def inspect_file(path: Path):  # noqa: ANN201 - returns Inspection
    with path.open("rb") as fh:
        return inspect(fh)


def make(tmp_path: Path, fmt: str, *extra: str, size: str = "10M", name: str | None = None) -> Path:
    path = tmp_path / (name or f"disk.{fmt}")
    subprocess.run([qemu_img, "create", "-f", fmt, *extra, str(path), size], check=True, capture_output=True)
    return path


@needs_qemu_img
@pytest.mark.parametrize(
    ("qemu_fmt", "ours", "options"),
    [
        ("qcow2", "qcow2", ()),
        ("qcow2", "qcow2", ("-o", "compat=0.10")),
        ("qcow2", "qcow2", ("-o", "compression_type=zstd")),
        ("vmdk", "vmdk", ()),
        ("vmdk", "vmdk", ("-o", "subformat=streamOptimized")),
        ("vpc", "vhd", ()),
        ("vpc", "vhd", ("-o", "subformat=fixed")),
        ("vhdx", "vhdx", ()),
        ("vdi", "vdi", ()),
        ("vdi", "vdi", ("-o", "static=on")),
        ("raw", "raw", ()),
    ],
)
def test_formats_made_by_qemu_img_are_recognised(
    tmp_path: Path, qemu_fmt: str, ours: str, options: tuple[str, ...]
) -> None:
    found = inspect_file(make(tmp_path, qemu_fmt, *options))
    assert found.format == ours
    assert found.safe
    # vhd rounds the size to its CHS geometry; the others keep it exactly.
    assert abs(found.virtual_size - 10 * MiB) < MiB // 2 if ours == "vhd" else found.virtual_size == 10 * MiB
    assert check(ours, found) is None


@needs_qemu_img
def test_qcow2_with_a_backing_file_is_refused(tmp_path: Path) -> None:
    path = make(tmp_path, "qcow2", "-b", "/etc/passwd", "-F", "raw")
    found = inspect_file(path)
    assert found.format == "qcow2" and not found.safe
    assert "backing file" in (check("qcow2", found) or "")


@needs_qemu_img
def test_qcow2_with_an_external_data_file_is_refused(tmp_path: Path) -> None:
    path = make(tmp_path, "qcow2", "-o", f"data_file={tmp_path / 'data.raw'}")
    assert "external data file" in (check("qcow2", inspect_file(path)) or "")


@needs_qemu_img
def test_qcow2_with_extended_l2_entries_is_refused_as_format_inspector_does(tmp_path: Path) -> None:
    path = make(tmp_path, "qcow2", "-o", "extended_l2=on")
    assert "incompatible features" in (check("qcow2", inspect_file(path)) or "")


@needs_qemu_img
def test_qed_made_by_qemu_img_is_refused(tmp_path: Path) -> None:
    assert "not allowed" in (check("raw", inspect_file(make(tmp_path, "qed"))) or "")


@needs_qemu_img
def test_vmdk_whose_extents_live_in_other_files_is_refused(tmp_path: Path) -> None:
    path = make(tmp_path, "vmdk", "-o", "subformat=twoGbMaxExtentSparse")
    assert check("vmdk", inspect_file(path)) is not None


@needs_qemu_img
def test_qcow2_declared_raw_is_refused(tmp_path: Path) -> None:
    found = inspect_file(make(tmp_path, "qcow2"))
    assert "not the declared disk_format raw" in (check("raw", found) or "")


def test_hand_made_qcow2_headers(tmp_path: Path) -> None:
    header = bytearray(112)
    header[0:4] = b"QFI\xfb"
    struct.pack_into(">I", header, 4, 3)
    struct.pack_into(">Q", header, 24, 5 * MiB)
    struct.pack_into(">I", header, 100, 112)
    clean = tmp_path / "clean.qcow2"
    clean.write_bytes(bytes(header) + bytes(8))
    assert inspect_file(clean).virtual_size == 5 * MiB and inspect_file(clean).safe
    struct.pack_into(">Q", header, 8, 512)
    struct.pack_into(">I", header, 16, 11)
    backed = tmp_path / "backed.qcow2"
    backed.write_bytes(bytes(header) + b"/etc/passwd")
    assert not inspect_file(backed).safe


def test_raw_and_iso(tmp_path: Path) -> None:
    raw = tmp_path / "disk.raw"
    raw.write_bytes(b"\x00" * 4096)
    assert inspect_file(raw).format == "raw" and inspect_file(raw).virtual_size == 4096
    iso = bytearray(40 * 2048)
    iso[16 * 2048 : 16 * 2048 + 6] = b"\x01CD001"
    struct.pack_into("<I", iso, 16 * 2048 + 80, 40)
    struct.pack_into("<H", iso, 16 * 2048 + 128, 2048)
    path = tmp_path / "cd.iso"
    path.write_bytes(bytes(iso))
    found = inspect_file(path)
    assert (found.format, found.virtual_size) == ("iso", 40 * 2048)
    assert check("iso", found) is None and check("raw", found) is None
    assert check("qcow2", inspect_file(raw)) is not None


def test_vmdk_descriptor_file_alone_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "desc.vmdk"
    path.write_text(
        '# Disk DescriptorFile\nversion=1\ncreateType="monolithicFlat"\nRW 2048 FLAT "/etc/passwd" 0\n'
    )
    assert not inspect_file(path).safe


def _judge(tmp_path: Path, case: Crafted, container_format: str = "bare") -> int | None:
    path = tmp_path / case.name
    data = case.build()
    path.write_bytes(data)
    return transfer.inspect_file(str(path), case.disk_format, container_format, len(data))


@pytest.mark.parametrize("case", REFUSED, ids=lambda c: c.name)
def test_crafted_hostile_image_is_refused(tmp_path: Path, case: Crafted) -> None:
    with pytest.raises(UnsupportedMediaType) as refused:
        _judge(tmp_path, case)
    assert case.reason.lower() in refused.value.message.lower()


@pytest.mark.parametrize("case", ACCEPTED, ids=lambda c: c.name)
def test_crafted_good_image_is_accepted(tmp_path: Path, case: Crafted) -> None:
    assert _judge(tmp_path, case) == case.virtual_size


@pytest.mark.parametrize("case", [c for c in REFUSED if "declared" not in c.reason], ids=lambda c: c.name)
def test_hostile_headers_are_refused_in_any_container(tmp_path: Path, case: Crafted) -> None:
    with pytest.raises(UnsupportedMediaType):
        _judge(tmp_path, case, container_format="ova")


@pytest.mark.parametrize(
    ("case", "fmt"),
    [
        ("qcow2-v3", "qcow2"),
        ("vmdk-stream-optimized-with-footer", "vmdk"),
        ("vhd-fixed-partitioned", "vhd"),
        ("iso-hybrid", "iso"),
        ("raw-gpt", "gpt"),
        ("raw-fat-file-system", "raw"),
        ("vdi", "vdi"),
        ("aki-plain-data", "raw"),
    ],
)
def test_crafted_images_are_recognised(tmp_path: Path, case: str, fmt: str) -> None:
    path = tmp_path / case
    path.write_bytes(next(c for c in ACCEPTED if c.name == case).build())
    assert inspect_file(path).format == fmt


def test_inspection_reads_headers_not_the_whole_image(tmp_path: Path) -> None:
    path = tmp_path / "big.qcow2"
    with path.open("wb") as fh:
        fh.write(qcow2(size=64 * MiB))
        fh.truncate(64 * MiB)

    class Counting:
        def __init__(self, fh) -> None:  # noqa: ANN001
            self.fh, self.read_bytes = fh, 0

        def read(self, n: int = -1) -> bytes:
            data = self.fh.read(n)
            self.read_bytes += len(data)
            return data

        def __getattr__(self, name: str):  # noqa: ANN204
            return getattr(self.fh, name)

    with path.open("rb") as fh:
        counting = Counting(fh)
        assert inspect(counting).safe  # type: ignore[arg-type]
    assert counting.read_bytes < 2 * MiB
