"""Issue 13's acceptance for Swift's API with the unchanged clients: the `openstack` CLI's
container and object commands, python-swiftclient's `swift` (directory upload in SLO segments,
download, stat, a public container, TempURLs) and openstacksdk's object_store proxy."""

from __future__ import annotations

import filecmp
import hashlib
import os
import time
from pathlib import Path

import httpx
import pytest

from tests.clients.harness import DEMO_PASSWORD, ClientRunner, Server

pytestmark = pytest.mark.clients


def swift(cli: ClientRunner, *args: str, cwd: Path | None = None, check: bool = True) -> str:
    auth = [*cli.server.auth_args("demo", DEMO_PASSWORD), "--auth-version", "3"]
    return cli.run("swift", *auth, *args, check=check, cwd=cwd).stdout


def demo_account(cli: ClientRunner) -> str:
    """The demo project's storage URL, as `swift auth` prints it."""
    out = swift(cli, "auth")
    url = next(line.split("=", 1)[1] for line in out.splitlines() if "OS_STORAGE_URL" in line)
    return url.strip().strip("'\"")


def test_openstack_cli_container_and_object_life(cli: ClientRunner, tmp_path: Path) -> None:
    src = tmp_path / "notes.txt"
    src.write_bytes(b"pocketstack keeps objects\n" * 1000)
    created = cli.openstack("container", "create", "docs")
    assert created[0]["container"] == "docs"
    obj = cli.openstack("object", "create", "docs", str(src), "--name", "notes.txt")
    assert obj[0]["object"] == "notes.txt"
    assert obj[0]["etag"] == hashlib.md5(src.read_bytes()).hexdigest()
    listed = cli.openstack("object", "list", "docs")
    assert [row["Name"] for row in listed] == ["notes.txt"]
    saved = tmp_path / "saved.txt"
    cli.openstack("object", "save", "docs", "notes.txt", "--file", str(saved), fmt=False)
    assert saved.read_bytes() == src.read_bytes()
    cli.openstack("object", "set", "docs", "notes.txt", "--property", "colour=blue", fmt=False)
    shown = cli.openstack("object", "show", "docs", "notes.txt")
    assert {k.lower(): v for k, v in shown["properties"].items()} == {"colour": "blue"}
    container = cli.openstack("container", "show", "docs")
    assert int(container["object_count"]) == 1
    assert int(container["bytes_used"]) == src.stat().st_size
    cli.openstack("object", "delete", "docs", "notes.txt", fmt=False)
    assert cli.openstack("object", "list", "docs") == []
    cli.openstack("container", "delete", "docs", fmt=False)
    assert "docs" not in [row["Name"] for row in cli.openstack("container", "list")]


def test_a_container_that_holds_objects_is_not_deleted(cli: ClientRunner, tmp_path: Path) -> None:
    src = tmp_path / "keep.txt"
    src.write_text("still here")
    cli.openstack("container", "create", "busy")
    cli.openstack("object", "create", "busy", str(src), "--name", "keep.txt")
    failed = cli.openstack_fails("container", "delete", "busy")
    assert "409" in failed.stderr or "Conflict" in failed.stderr
    assert [row["Name"] for row in cli.openstack("object", "list", "busy")] == ["keep.txt"]


def test_swift_uploads_a_directory_in_slo_segments(cli: ClientRunner, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "big.bin").write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    (tree / "small.txt").write_text("small")
    (tree / "sub" / "deep.txt").write_text("deep")
    swift(cli, "upload", "--segment-size", "1048576", "--use-slo", "photos", "tree", cwd=tmp_path)
    stat = swift(cli, "stat", "photos", "tree/big.bin")
    assert "Manifest:" in stat or "X-Static-Large-Object" in stat or "Content Length: 3145745" in stat
    assert "3145745" in stat
    segments = swift(cli, "list", "photos_segments").split()
    assert len(segments) == 4  # 3 MiB + 17 bytes in 1 MiB segments
    out = tmp_path / "out"
    out.mkdir()
    swift(cli, "download", "photos", cwd=out)
    comparison = filecmp.dircmp(tree, out / "tree")
    assert not comparison.diff_files and not comparison.left_only and not comparison.right_only
    assert (out / "tree" / "big.bin").read_bytes() == (tree / "big.bin").read_bytes()
    assert (out / "tree" / "sub" / "deep.txt").read_text() == "deep"
    account = swift(cli, "stat")
    assert "Containers: 2" in account or "Containers:" in account


def test_a_public_container_is_read_without_a_token(cli: ClientRunner, tmp_path: Path) -> None:
    (tmp_path / "hello.txt").write_text("hello, world")
    swift(cli, "upload", "site", "hello.txt", cwd=tmp_path)
    url = f"{demo_account(cli)}/site/hello.txt"
    assert httpx.get(url).status_code == 401
    swift(cli, "post", "-r", ".r:*", "site")
    anonymous = httpx.get(url)
    assert anonymous.status_code == 200 and anonymous.text == "hello, world"
    assert httpx.put(url, content=b"vandal").status_code == 401  # read access only
    assert httpx.get(f"{demo_account(cli)}/site").status_code in (401, 403)  # no .rlistings


def test_a_temp_url_works_until_it_expires(cli: ClientRunner, tmp_path: Path) -> None:
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4 pretend")
    swift(cli, "upload", "private", "report.pdf", cwd=tmp_path)
    swift(cli, "post", "-m", "Temp-URL-Key:s3cret-key")
    account = demo_account(cli)
    path = "/" + account.split("/", 3)[3] + "/private/report.pdf"
    signed = swift(cli, "tempurl", "GET", "3", path, "s3cret-key").strip()
    base = account.split("/object-store")[0]
    first = httpx.get(base + signed)
    assert first.status_code == 200 and first.content == b"%PDF-1.4 pretend"
    assert httpx.get(base + signed.replace("temp_url_sig=", "temp_url_sig=0")).status_code == 401
    time.sleep(4.2)
    assert httpx.get(base + signed).status_code == 401


def test_openstacksdk_object_store_proxy(cli: ClientRunner) -> None:
    out = cli.python(
        "import openstack\n"
        "conn = openstack.connect(cloud='pocketstack')\n"
        "conn.object_store.create_container(name='sdk-box')\n"
        "conn.object_store.create_object(container='sdk-box', name='hello.txt', data=b'from the sdk')\n"
        "print([o.name for o in conn.object_store.objects('sdk-box')])\n"
        "print(conn.object_store.download_object('hello.txt', container='sdk-box').decode())\n"
    )
    assert out.splitlines() == ["['hello.txt']", "from the sdk"]


def test_another_project_cannot_read_the_demo_account(cli: ClientRunner, server: Server) -> None:
    cli.openstack("container", "create", "mine")
    account = demo_account(cli)
    admin_token = cli.openstack("token", "issue", cloud="pocketstack-admin")["id"]
    # The admin is a cloud administrator: Swift's reseller admin sees every account.
    assert httpx.get(account, headers={"X-Auth-Token": admin_token}).status_code in (200, 204)
    cli.openstack("project", "create", "other", "--domain", "default", cloud="pocketstack-admin")
    cli.openstack(
        "user", "create", "--project", "other", "--password", "other-pw", "other", cloud="pocketstack-admin"
    )
    cli.openstack(
        "role", "add", "--project", "other", "--user", "other", "member", fmt=False, cloud="pocketstack-admin"
    )
    user = {"name": "other", "domain": {"id": "default"}, "password": "other-pw"}
    auth = {
        "identity": {"methods": ["password"], "password": {"user": user}},
        "scope": {"project": {"name": "other", "domain": {"id": "default"}}},
    }
    issued = httpx.post(f"{server.url}/identity/v3/auth/tokens", json={"auth": auth})
    token = issued.headers["X-Subject-Token"]
    assert httpx.get(account, headers={"X-Auth-Token": token}).status_code == 403
    assert httpx.put(f"{account}/mine/x", headers={"X-Auth-Token": token}, content=b"x").status_code == 403
