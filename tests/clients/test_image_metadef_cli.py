"""Glance's metadata definitions, image tasks, web-download and the cache API with the unchanged
`openstack` CLI (and openstacksdk for what the CLI has no command for: ``POST /v2/tasks``).

The cloud of this module lets web-download fetch from a small HTTP server on the loopback
address, as an operator would allow an internal mirror (Glance's defaults allow ports 80 and
443 only).
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import pty
import subprocess
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from tests.clients.conftest import stop_cleanly
from tests.clients.harness import ClientRunner, Server, start_server

pytestmark = pytest.mark.clients
ADMIN = "pocketstack-admin"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
        pass


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server holding ``disk.raw``; yields (base URL, the file)."""
    root = tmp_path_factory.mktemp("mirror")
    disk = root / "disk.raw"
    disk.write_bytes(bytes(512) + os.urandom(256 * 1024))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", disk
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, mirror: tuple[str, Path]) -> Iterator[Server]:
    port = mirror[0].rsplit(":", 1)[1]
    srv = start_server(
        tmp_path_factory.mktemp("pocketstack"),
        image_import_allowed_hosts="127.0.0.1",
        image_import_allowed_ports=port,
    )
    yield srv
    stop_cleanly(srv)


def names(rows: object) -> list[str]:
    assert isinstance(rows, list)
    return [row["namespace"] for row in rows]


def create_queued(cli: ClientRunner, name: str) -> dict:
    """``openstack image create`` with no data, typed at a terminal: with stdin not a terminal
    the CLI would upload whatever stdin holds (and a closed stdin breaks it)."""
    args = ["--os-cloud", ADMIN, "image", "create", "--disk-format", "raw", "--container-format", "bare"]
    terminal, tty = pty.openpty()
    try:
        proc = subprocess.run(
            [str(cli.venv / "bin" / "openstack"), *args, "-f", "json", name],
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
                "OS_CLIENT_CONFIG_FILE": str(cli.clouds_yaml),
            },
            stdin=tty,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        os.close(tty)
        os.close(terminal)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_default_namespaces_are_listed_to_everyone(cli: ClientRunner) -> None:
    listed = names(cli.openstack("image", "metadef", "namespace", "list"))
    for default in ("OS::Compute::Hypervisor", "OS::Compute::Libvirt", "OS::Glance::CommonImageProperties"):
        assert default in listed
    shown = cli.openstack("image", "metadef", "namespace", "show", "OS::Compute::Hypervisor")
    assert shown["visibility"] == "public" and shown["protected"] is True
    assert shown["display_name"] == "Hypervisor Selection"
    props = cli.openstack("image", "metadef", "property", "list", "OS::Compute::Hypervisor")
    assert "hypervisor_type" in [p["name"] for p in props]
    types = [r["Name"] for r in cli.openstack("image", "metadef", "resource", "type", "list")]
    assert "OS::Glance::Image" in types and "OS::Nova::Flavor" in types
    for_flavors = names(
        cli.openstack("image", "metadef", "namespace", "list", "--resource-types", "OS::Nova::Flavor")
    )
    assert "OS::Compute::Hypervisor" not in for_flavors  # associated with images only
    assert "OS::Compute::Quota" in for_flavors


def test_private_namespace_create_show_set_delete(cli: ClientRunner) -> None:
    made = cli.openstack(
        "image",
        "metadef",
        "namespace",
        "create",
        "--private",
        "--display-name",
        "Mine",
        "--description",
        "first",
        "MyCorp::Hardware",
        cloud=ADMIN,
    )
    assert made["namespace"] == "MyCorp::Hardware" and made["visibility"] == "private"
    assert made["protected"] is False and made["display_name"] == "Mine"
    cli.openstack(
        "image",
        "metadef",
        "namespace",
        "set",
        "--description",
        "second",
        "MyCorp::Hardware",
        fmt=False,
        cloud=ADMIN,
    )
    shown = cli.openstack("image", "metadef", "namespace", "show", "MyCorp::Hardware", cloud=ADMIN)
    assert shown["description"] == "second"
    # Glance's update is a PUT: what the command leaves out (here the display name) is unset.
    assert shown.get("display_name") is None
    prop = cli.openstack(
        "image",
        "metadef",
        "property",
        "create",
        "--name",
        "rack",
        "--title",
        "Rack",
        "--type",
        "string",
        "--schema",
        json.dumps({"maxLength": 8}),
        "MyCorp::Hardware",
        cloud=ADMIN,
    )
    assert prop["name"] == "rack" and prop["type"] == "string"
    assert "MyCorp::Hardware" in names(cli.openstack("image", "metadef", "namespace", "list", cloud=ADMIN))
    # Private to the admin project: another project neither lists nor shows it.
    assert "MyCorp::Hardware" not in names(cli.openstack("image", "metadef", "namespace", "list"))
    cli.openstack_fails("image", "metadef", "namespace", "show", "MyCorp::Hardware")
    # Writing metadefs is for admins (Glance's defaults since Wallaby).
    denied = cli.openstack_fails("image", "metadef", "namespace", "create", "Demo::Own")
    assert "403" in denied.stderr or "Forbidden" in denied.stderr
    cli.openstack("image", "metadef", "namespace", "delete", "MyCorp::Hardware", fmt=False, cloud=ADMIN)
    assert "MyCorp::Hardware" not in names(
        cli.openstack("image", "metadef", "namespace", "list", cloud=ADMIN)
    )
    cli.openstack_fails("image", "metadef", "namespace", "show", "MyCorp::Hardware", cloud=ADMIN)


def test_protected_default_namespace_cannot_be_deleted(cli: ClientRunner) -> None:
    proc = cli.openstack_fails(
        "image", "metadef", "namespace", "delete", "OS::Compute::Hypervisor", cloud=ADMIN
    )
    assert "protected" in (proc.stderr + proc.stdout).lower()
    assert "OS::Compute::Hypervisor" in names(cli.openstack("image", "metadef", "namespace", "list"))


def test_web_download_import_and_its_task(cli: ClientRunner, mirror: tuple[str, Path]) -> None:
    base, disk = mirror
    img = create_queued(cli, "fetched")
    assert img["status"] == "queued"
    cli.openstack(
        "image",
        "import",
        "--method",
        "web-download",
        "--uri",
        f"{base}/disk.raw",
        "--wait",
        img["id"],
        cloud=ADMIN,
    )
    shown = cli.openstack("image", "show", img["id"], cloud=ADMIN)
    assert shown["status"] == "active" and shown["size"] == disk.stat().st_size
    assert shown["checksum"] == hashlib.md5(disk.read_bytes()).hexdigest()

    tasks = cli.openstack("image", "task", "list", cloud=ADMIN)
    assert isinstance(tasks, list) and tasks
    assert {"ID", "Type", "Status", "Owner"} <= set(tasks[0])
    ours = [t for t in tasks if t["Type"] == "api_image_import"]
    assert ours and all(t["Status"] == "success" for t in ours)
    task = next(
        t
        for t in (cli.openstack("image", "task", "show", row["ID"], cloud=ADMIN) for row in ours)
        if t["input"]["image_id"] == img["id"]
    )
    assert task["status"] == "success" and task["type"] == "api_image_import"
    assert task["input"]["import_req"]["method"] == {"name": "web-download", "uri": f"{base}/disk.raw"}
    assert task["expires_at"]
    assert [t["ID"] for t in cli.openstack("image", "task", "list", "--status", "failure", cloud=ADMIN)] == []
    # The tasks API is for admins (Glance's tasks_api_access).
    cli.openstack_fails("image", "task", "list")


def test_web_download_from_a_refused_url_fails_up_front(cli: ClientRunner, server: Server) -> None:
    img = create_queued(cli, "refused")
    refused = "http://127.0.0.1:1/disk.raw"  # a port the cloud does not allow
    # python-glanceclient reports the 400 (the openstack CLI's `image import` ignores the answer).
    auth = server.auth_args()
    args = ["image-import", "--import-method", "web-download", "--uri", refused, img["id"]]
    proc = cli.run("glance", *auth, *args, check=False)
    assert proc.returncode != 0
    assert "does not pass filtering" in proc.stderr + proc.stdout
    assert cli.openstack("image", "show", img["id"], cloud=ADMIN)["status"] == "queued"


SDK_TASK = """
import json, sys
import openstack

conn = openstack.connect(cloud="pocketstack-admin")
task = conn.image.create_task(
    type="import",
    input={
        "import_from": sys.argv[1],
        "import_from_format": "raw",
        "image_properties": {"name": "by-task", "disk_format": "raw", "container_format": "bare"},
    },
)
task = conn.image.wait_for_task(task, status="success", failures=["failure"], wait=60)
image = conn.image.get_image(task.result["image_id"])
print(json.dumps({"task": task.id, "image": image.id, "status": image.status, "size": image.size}))
"""


def test_legacy_import_task_with_openstacksdk(cli: ClientRunner, mirror: tuple[str, Path]) -> None:
    base, disk = mirror
    out = cli.run("python", "-c", SDK_TASK, f"{base}/disk.raw").stdout
    made = json.loads(out.strip().splitlines()[-1])
    assert made["status"] == "active" and made["size"] == disk.stat().st_size
    shown = cli.openstack("image", "task", "show", made["task"], cloud=ADMIN)
    assert shown["type"] == "import" and shown["status"] == "success"
    assert shown["result"] == {"image_id": made["image"]}
    assert "by-task" in [r["Name"] for r in cli.openstack("image", "list", cloud=ADMIN)]


def test_cached_image_queue_list_clear(cli: ClientRunner, mirror: tuple[str, Path]) -> None:
    base, disk = mirror
    img = cli.openstack(
        "image",
        "create",
        "--file",
        str(disk),
        "--disk-format",
        "raw",
        "--container-format",
        "bare",
        "hot",
        cloud=ADMIN,
    )
    cli.openstack("cached", "image", "queue", img["id"], fmt=False, cloud=ADMIN)
    listed = cli.openstack("cached", "image", "list", cloud=ADMIN)
    assert img["id"] in [row["ID"] for row in listed]
    cli.openstack("cached", "image", "clear", fmt=False, cloud=ADMIN)
    assert cli.openstack("cached", "image", "list", cloud=ADMIN) == []
    # The cache API is for admins (Glance's manage_image_cache).
    cli.openstack_fails("cached", "image", "list")
