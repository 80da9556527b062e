"""Issue 3's acceptance with the unchanged `openstack` CLI and python-glanceclient."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import httpx
import pytest

from tests.clients.harness import ClientRunner, Server

pytestmark = pytest.mark.clients
ADMIN = "pocketstack-admin"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def disk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("img") / "disk.raw"
    # A zeroed first sector: random bytes may look like a broken partition table.
    path.write_bytes(bytes(512) + os.urandom(3 * 1024 * 1024 + 17 - 512))
    return path


def test_create_list_show_set_save_delete(cli: ClientRunner, disk: Path, tmp_path: Path) -> None:
    img = cli.openstack(
        "image", "create", "--file", str(disk), "--disk-format", "raw", "--container-format", "bare", "img1"
    )
    assert img["status"] == "active" and img["size"] == disk.stat().st_size
    assert "img1" in [row["Name"] for row in cli.openstack("image", "list")]
    shown = cli.openstack("image", "show", "img1")
    assert shown["checksum"] == hashlib.md5(disk.read_bytes()).hexdigest()
    cli.openstack("image", "set", "--property", "k=v", "--tag", "t", "img1", fmt=False)
    shown = cli.openstack("image", "show", "img1")
    assert shown["properties"]["k"] == "v" and shown["tags"] == ["t"]
    out = tmp_path / "out.raw"
    cli.openstack("image", "save", "--file", str(out), "img1", fmt=False)
    assert sha256(out) == sha256(disk)
    cli.openstack("image", "delete", "img1", fmt=False)
    assert "img1" not in [row["Name"] for row in cli.openstack("image", "list")]


def test_share_with_another_project_which_accepts(cli: ClientRunner, server: Server, disk: Path) -> None:
    p2 = cli.openstack("project", "create", "p2", cloud=ADMIN)
    cli.openstack("role", "add", "--project", "p2", "--user", "admin", "member", cloud=ADMIN, fmt=False)
    img = cli.openstack(
        "image",
        "create",
        "--file",
        str(disk),
        "--disk-format",
        "raw",
        "--container-format",
        "bare",
        "--shared",
        "shared1",
    )
    # By id: a member may not look projects up by name (as with Keystone and Glance).
    cli.openstack("image", "add", "project", "shared1", p2["id"])
    as_p2 = ["--os-project-name", "p2"]
    cli.openstack(*as_p2, "image", "set", "--accept", img["id"], cloud=ADMIN, fmt=False)
    shown = cli.openstack(*as_p2, "image", "show", img["id"], cloud=ADMIN)
    assert shown["id"] == img["id"] and shown["visibility"] == "shared"
    assert "shared1" in [r["Name"] for r in cli.openstack(*as_p2, "image", "list", cloud=ADMIN)]


def test_import_path(cli: ClientRunner, disk: Path) -> None:
    img = cli.openstack(
        "image",
        "create",
        "--import",
        "--file",
        str(disk),
        "--disk-format",
        "raw",
        "--container-format",
        "bare",
        "imported1",
    )
    shown = cli.openstack("image", "show", img["id"])
    assert shown["status"] == "active" and shown["size"] == disk.stat().st_size


def test_glanceclient_create_with_progress_and_download(
    cli: ClientRunner, server: Server, disk: Path, tmp_path: Path
) -> None:
    env_args = [
        *server.auth_args(),
        "--os-image-api-version",
        "2",
    ]
    made = cli.run(
        "glance",
        *env_args,
        "image-create",
        "--name",
        "g1",
        "--disk-format",
        "raw",
        "--container-format",
        "bare",
        "--file",
        str(disk),
        "--progress",
    )
    image_id = next(line.split("|")[2].strip() for line in made.stdout.splitlines() if "| id " in line)
    out = tmp_path / "g1.raw"
    cli.run("glance", *env_args, "image-download", "--file", str(out), image_id)
    assert sha256(out) == sha256(disk)


def test_another_projects_private_image_is_invisible(cli: ClientRunner, server: Server, disk: Path) -> None:
    img = cli.openstack(
        "image",
        "create",
        "--file",
        str(disk),
        "--disk-format",
        "raw",
        "--container-format",
        "bare",
        "--private",
        "mine-only",
        cloud=ADMIN,
    )
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": "demo", "domain": {"id": "default"}, "password": "demo-client-pw"}
                },
            }
        }
    }
    token = httpx.post(f"{server.url}/identity/v3/auth/tokens", json=body).headers["X-Subject-Token"]
    h = {"X-Auth-Token": token}
    url = f"{server.url}/image/v2/images/{img['id']}"
    assert httpx.get(url, headers=h).status_code == 404
    assert httpx.get(f"{url}/file", headers=h).status_code == 404
    patch = {**h, "Content-Type": "application/openstack-images-v2.1-json-patch"}
    assert (
        httpx.patch(url, headers=patch, json=[{"op": "replace", "path": "/name", "value": "x"}]).status_code
        == 404
    )
    assert httpx.delete(url, headers=h).status_code == 404
    assert cli.openstack("image", "show", img["id"], cloud=ADMIN)["name"] == "mine-only"
