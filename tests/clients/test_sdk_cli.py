"""`pocketstack server|image|object`, the commands built on pocketstack.sdk, run as a user runs
them against a live cloud (a real `pocketstack up`), with the clouds.yaml it wrote."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.clients.harness import Server, run_pocketstack

pytestmark = pytest.mark.clients


def run(server: Server, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {"OS_CLIENT_CONFIG_FILE": str(server.clouds_yaml), "OS_CLOUD": "pocketstack"}
    return run_pocketstack(*args, env=env, ok=ok)


def as_json(server: Server, *args: str) -> Any:
    return json.loads(run(server, *args, "-f", "json").stdout)


def refused(server: Server, *args: str) -> str:
    """The one line a failing command prints (exit 1, nothing on stdout, no traceback)."""
    proc = run(server, *args, ok=False)
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


def test_image_upload_shows_progress_and_lists_it_active(server: Server, tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    disk = tmp_path / "cli-disk.img"
    disk.write_bytes(data)
    proc = run(server, "image", "upload", str(disk), "--name", "cli-image", "-f", "json")
    made = json.loads(proc.stdout)
    assert (made["name"], made["status"], made["size"], made["disk_format"]) == (
        "cli-image",
        "active",
        len(data),
        "raw",
    )
    assert "uploading cli-disk.img" in proc.stderr  # the progress bar, on stderr
    listed = {i["name"]: i for i in as_json(server, "image", "list")}
    assert listed["cli-image"]["status"] == "active" and listed["cli-image"]["size"] == len(data)
    assert listed["cli-image"]["id"] == made["id"] and "pocketstack-tiny" in listed
    assert "cli-image" in run(server, "image", "list").stdout  # the table


def admin_faults(server: Server, *args: str) -> None:
    run(
        server,
        "admin",
        "faults",
        "set",
        *args,
        "--data-dir",
        str(server.data_dir),
        "--os-cloud",
        "pocketstack-system",
    )


def test_v21_server_with_floating_ip_list_show_tasks_delete(server: Server) -> None:
    admin_faults(server, "--build-delay", "3")  # a build slow enough to be watched, even on a busy machine
    try:
        proc = run(server, "server", "create", "cli-vm", "--image", "pocketstack-tiny", "--flavor", "m1.tiny")
    finally:
        admin_faults(server, "--build-delay", "0")
    assert "cli-vm" in proc.stdout and "ACTIVE" in proc.stdout  # the table
    # the live status, one line per change off a tty: building, then active
    status = proc.stderr.splitlines()
    assert status[0] == "creating server cli-vm ...", proc.stderr
    assert ": BUILD, task" in proc.stderr and status[-1].endswith(": ACTIVE, task -, 100%"), proc.stderr
    made = as_json(server, "server", "show", "cli-vm")
    assert made["status"] == "ACTIVE"
    kinds = {a["OS-EXT-IPS:type"] for net in made["addresses"].values() for a in net}
    assert kinds == {"fixed", "floating"}, made["addresses"]
    assert "(floating)" in made["addresses_text"]

    listed = as_json(server, "server", "list")
    assert [s["status"] for s in listed if s["name"] == "cli-vm"] == ["ACTIVE"]
    shown = yaml.safe_load(run(server, "server", "show", made["id"], "-f", "yaml").stdout)
    assert (shown["id"], shown["name"], shown["status"]) == (made["id"], "cli-vm", "ACTIVE")
    actions = as_json(server, "server", "tasks", "cli-vm")
    assert [a["action"] for a in actions] == ["create"]
    # vNext reads the same server, and its CREATE task
    tasks = as_json(server, "server", "tasks", made["id"], "--api", "vnext")
    assert [(t["action"], t["state"]) for t in tasks] == [("CREATE", "SUCCEEDED")]

    gone = as_json(server, "server", "delete", "cli-vm", "--wait", "--delete-ips")
    assert gone["deleted"] is True and len(gone["deleted_ips"]) == 1
    assert "cli-vm" not in {s["name"] for s in as_json(server, "server", "list")}
    line = refused(server, "server", "show", "cli-vm")
    assert "404" in line and "cli-vm" in line, line


def test_vnext_server_create_tasks_delete(server: Server) -> None:
    args = ["--image", "pocketstack-tiny", "--flavor", "m1.tiny", "--api", "vnext", "--no-floating-ip"]
    made = as_json(server, "server", "create", "cli-next", *args)
    assert (made["hostname"], made["virt_state"], made["task"]) == ("cli-next", "ACTIVE", None)
    assert made["addresses_text"]  # on the project's network ("auto")
    listed = as_json(server, "server", "list", "--api", "vnext")
    assert [s["virt_state"] for s in listed if s["hostname"] == "cli-next"] == ["ACTIVE"]
    table = run(server, "server", "tasks", "cli-next", "--api", "vnext").stdout
    assert "CREATE" in table and "SUCCEEDED" in table
    done = as_json(server, "server", "delete", "cli-next", "--api", "vnext", "--wait")
    assert done["deleted"] is True and done["task_id"]
    line = refused(server, "server", "show", made["id"], "--api", "vnext")
    assert "404" in line


def test_object_directory_round_trip_byte_for_byte(server: Server, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    files = {
        "a.txt": b"hello\n",
        "empty": b"",
        "sub/deeper/blob.bin": os.urandom(2 * 1024 * 1024 + 5),
        "sub/b c.txt": "ünïcode name\n".encode(),
    }
    for rel, data in files.items():
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_bytes(data)
    proc = run(server, "object", "upload", "cli-bucket", str(tree), "-f", "json")
    uploaded = json.loads(proc.stdout)
    assert sorted(o["name"] for o in uploaded) == sorted(files)
    assert "uploading tree" in proc.stderr
    single = as_json(server, "object", "upload", "cli-bucket", str(tree / "a.txt"), "--name", "extra/a.txt")
    assert [o["name"] for o in single] == ["extra/a.txt"]

    out = tmp_path / "out"
    run(server, "object", "download", "cli-bucket", str(out))
    got = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert got == {**files, "extra/a.txt": files["a.txt"]}
    line = refused(server, "object", "download", "no-such-bucket", str(tmp_path / "none"))
    assert "404" in line
