"""The openrc files ``pocketstack up`` writes, sourced as a user would before ``nova`` or ``glance``."""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
from pathlib import Path

import pytest

from pocketstack.core.image.seed import NAME as FIRST_IMAGE
from tests.clients.conftest import stop_cleanly
from tests.clients.harness import clients_venv, start_server

pytestmark = pytest.mark.clients


def sourced(rc: Path, program: Path, *args: str) -> str:
    """Run ``source RC && PROGRAM ARGS`` in bash, with no OS_* variable but the file's; its stdout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    command = shlex.join([str(program), *args])
    proc = subprocess.run(
        ["bash", "-c", f"source {shlex.quote(str(rc))} && {command}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"{command} failed ({proc.returncode}):\n{proc.stderr}\n{proc.stdout}"
    return proc.stdout


def test_sourced_openrc_files_drive_nova_and_glance(tmp_path: Path) -> None:
    bin_dir = clients_venv() / "bin"
    srv = start_server(tmp_path / "data")
    try:
        demo, admin = srv.data_dir / "openrc-demo", srv.data_dir / "openrc-admin"
        assert stat.S_IMODE(demo.stat().st_mode) == 0o600
        assert stat.S_IMODE(admin.stat().st_mode) == 0o600
        sourced(demo, bin_dir / "nova", "list")
        assert FIRST_IMAGE in sourced(demo, bin_dir / "glance", "image-list")
        sourced(admin, bin_dir / "nova", "list", "--all-tenants")
    finally:
        stop_cleanly(srv)
