"""Issue 12's acceptance for snapshots with the unchanged `openstack` CLI against a real
`pocketstack up` (its API processes all see the restore): what the CLI made, then deleted,
is back after a restore, with the same ids and bytes."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import httpx
import pytest

from tests.clients.harness import ClientRunner

pytestmark = pytest.mark.clients
IMAGE = "pocketstack-tiny"


def _gone(cli: ClientRunner, kind: str, ident: str) -> None:
    deadline = time.monotonic() + 30
    while cli.run("openstack", "--os-cloud", "pocketstack", kind, "show", ident, check=False).returncode == 0:
        assert time.monotonic() < deadline, f"{kind} {ident} was not deleted"
        time.sleep(0.2)


def test_a_restore_brings_back_what_the_cli_deleted(cli: ClientRunner, tmp_path: Path) -> None:
    data = tmp_path / "disk.raw"
    data.write_bytes(b"snapshot me " * 5000)
    image = cli.openstack(
        "image", "create", "--disk-format", "raw", "--container-format", "bare", "--file", str(data), "mine"
    )
    server = cli.openstack(
        "server", "create", "--image", IMAGE, "--flavor", "m1.small", "--nic", "none", "--wait", "vm"
    )
    assert server["status"] == "ACTIVE"

    token = cli.openstack("token", "issue", cloud="pocketstack-system")["id"]
    operator = httpx.Client(
        base_url=f"{cli.server.url}/operator", headers={"X-Auth-Token": token}, timeout=60
    )
    snap = operator.post("/snapshots", json={"name": "cli"})
    assert snap.status_code == 201, snap.text

    cli.openstack("server", "delete", "--wait", "vm", fmt=False)
    cli.openstack("image", "delete", image["id"], fmt=False)
    _gone(cli, "server", server["id"])
    _gone(cli, "image", image["id"])

    restored = operator.post(f"/snapshots/{snap.json()['id']}/restore")
    assert restored.status_code == 200, restored.text

    # Several runs: `up` serves from more than one process, each must have dropped its caches.
    for _ in range(3):
        shown = cli.openstack("server", "show", server["id"])
        assert (shown["id"], shown["name"], shown["status"]) == (server["id"], "vm", "ACTIVE")
        again = cli.openstack("image", "show", image["id"])
        assert (again["id"], again["name"], again["status"]) == (image["id"], "mine", "active")
    saved = tmp_path / "back.raw"
    cli.openstack("image", "save", "--file", str(saved), image["id"], fmt=False)
    assert hashlib.sha256(saved.read_bytes()).digest() == hashlib.sha256(data.read_bytes()).digest()
    assert operator.delete(f"/snapshots/{snap.json()['id']}").status_code == 204
