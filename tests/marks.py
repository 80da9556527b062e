"""Markers for tests that need a host tool. Outside CI a missing tool skips them, with the
reason; under CI (which installs the tools) they run and fail loudly if the tool is missing."""

from __future__ import annotations

import os
import shutil

import pytest

qemu_img = shutil.which("qemu-img")
_ci = bool(os.environ.get("CI"))

needs_qemu_img = pytest.mark.skipif(
    qemu_img is None and not _ci, reason="qemu-img is not installed (qemu-utils)"
)
needs_objdump = pytest.mark.skipif(
    shutil.which("objdump") is None and not _ci, reason="objdump is not installed (binutils)"
)
