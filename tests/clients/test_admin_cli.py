"""`pocketstack admin` as a client of the Operator API, run as a user runs it against a live cloud."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.clients.conftest import stop_cleanly
from tests.clients.harness import ADMIN_PASSWORD, Server, run_pocketstack, start_server

pytestmark = pytest.mark.clients

FAKE_HOSTS = 21  # with one registered, more than a page (20) of hosts


def admin(
    server: Server, *args: str, ok: bool = True, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return run_pocketstack(
        "admin", *args, "--data-dir", str(server.data_dir), env={}, ok=ok, stdin=stdin, timeout=120
    )


def admin_json(server: Server, *args: str) -> Any:
    return json.loads(admin(server, *args, "-f", "json").stdout)


def refused(server: Server, *args: str) -> str:
    proc = admin(server, *args, ok=False)
    assert proc.returncode == 1, proc.stdout
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(tmp_path_factory.mktemp("admin") / "data", fake_hosts=str(FAKE_HOSTS))
    yield srv
    stop_cleanly(srv)


def test_clouds_yaml_has_a_system_scoped_admin_cloud(server: Server) -> None:
    clouds = yaml.safe_load(server.clouds_yaml.read_text())["clouds"]
    system = clouds["pocketstack-system"]["auth"]
    assert system["system_scope"] == "all" and system["username"] == "admin"
    assert "project_name" not in system
    assert clouds["pocketstack-admin"]["auth"]["project_name"] == "admin"


def test_hosts_register_show_disable_delete_and_every_page_is_listed(server: Server) -> None:
    hosts = admin_json(server, "hosts", "list")["hosts"]
    assert len(hosts) == FAKE_HOSTS
    assert all("_links" not in h for h in hosts)
    sizes = ["--vcpus", "8", "--memory-mb", "8192", "--disk-gb", "100"]
    made = admin_json(server, "hosts", "register", "extra", *sizes)
    assert (made["name"], made["vcpus"], made["enabled"]) == ("extra", 8, True)
    listed = admin_json(server, "hosts", "list")["hosts"]
    assert len(listed) == FAKE_HOSTS + 1 and made["id"] in {h["id"] for h in listed}
    table = admin(server, "hosts", "list").stdout
    assert "extra" in table and "8/8" not in table and "0/8" in table
    shown = admin_json(server, "hosts", "show", made["id"])
    assert (shown["name"], shown["memory_mb"], shown["disk_gb"]) == ("extra", 8192, 100)
    admin(server, "hosts", "set", made["id"], "--disable", "--reason", "maint")
    shown = admin_json(server, "hosts", "show", made["id"])
    assert (shown["enabled"], shown["disabled_reason"]) == (False, "maint")
    assert admin_json(server, "hosts", "servers", made["id"]) == {"servers": []}
    assert "deleted host" in admin(server, "hosts", "delete", made["id"]).stdout
    missing = refused(server, "hosts", "show", made["id"])
    assert missing.endswith(")") and "(404 " in missing


def test_placements_refuse_a_cycle(server: Server) -> None:
    p1 = admin_json(server, "placements", "create", "p1")
    p2 = admin_json(server, "placements", "create", "p2", "--parent", p1["id"])
    assert p2["parent_ids"] == [p1["id"]]
    line = refused(server, "placements", "set", p1["id"], "--parent", p2["id"])
    assert "cycle" in line and line.endswith("(409 operator.placement.cycle)")
    assert admin_json(server, "placements", "show", p1["id"])["parent_ids"] == []
    admin(server, "placements", "tag", p1["id"], "hall-a")
    assert admin_json(server, "placements", "show", p1["id"])["tags"] == ["hall-a"]
    admin(server, "placements", "untag", p1["id"], "hall-a")
    names = {p["name"] for p in admin_json(server, "placements", "list")["placements"]}
    assert {"p1", "p2"} <= names
    admin(server, "placements", "delete", p2["id"])
    admin(server, "placements", "delete", p1["id"])
    names = {p["name"] for p in admin_json(server, "placements", "list")["placements"]}
    assert not {"p1", "p2"} & names


def test_faults_set_then_show(server: Server) -> None:
    admin(server, "faults", "set", "--fail-builds", "1")
    shown = admin_json(server, "faults", "show")
    assert shown == {"fail_builds": 1, "fail_actions": 0, "crash_builds": 0, "build_delay": 0.0}
    admin(server, "faults", "set", "--fail-builds", "0")
    assert "(400" in refused(server, "faults", "set", "--fail-builds", "-1")
    assert admin_json(server, "faults", "show")["fail_builds"] == 0


def test_keys_rotate_makes_a_new_primary(server: Server) -> None:
    before = admin_json(server, "keys", "list")["keys"]
    primary = next(k["id"] for k in before if k["stage"] == "primary")
    after = admin_json(server, "keys", "rotate")["keys"]
    assert next(k["id"] for k in after if k["stage"] == "primary") == str(int(primary) + 1)
    assert "primary" in admin(server, "keys", "list").stdout


def test_tasks_list_and_filters(server: Server) -> None:
    assert admin_json(server, "tasks", "list") == {"tasks": []}
    assert admin_json(server, "tasks", "list", "--state", "running", "--stuck") == {"tasks": []}
    line = refused(server, "tasks", "list", "--state", "sleeping")
    assert "Unknown task state" in line and "(400" in line


def test_a_project_scoped_user_is_refused(server: Server) -> None:
    for cloud in ("pocketstack", "pocketstack-admin"):
        line = refused(server, "hosts", "list", "--os-cloud", cloud)
        assert "(403 " in line, line


def test_an_unknown_cloud_and_a_stopped_cloud_are_one_line_errors(tmp_path: Path, server: Server) -> None:
    assert "no cloud 'nope'" in refused(server, "keys", "list", "--os-cloud", "nope")
    stopped = Server(tmp_path, server.port, server.proc, server.env)
    (tmp_path / "clouds.yaml").write_text(
        server.clouds_yaml.read_text().replace(server.url, "http://127.0.0.1:9")
    )
    assert "no cloud answers at http://127.0.0.1:9/identity" in refused(stopped, "hosts", "list")


def test_rotate_keys_uses_the_api_while_running_and_the_files_once_stopped(tmp_path: Path) -> None:
    srv = start_server(tmp_path / "data")
    try:
        out = admin(srv, "rotate-keys").stdout
        assert out.startswith(f"rotated through the Operator API at {srv.url}/operator:"), out
        assert "(primary 2)" in out
        assert [k["id"] for k in admin_json(srv, "keys", "list")["keys"]][0] == "2"
    finally:
        stop_cleanly(srv)
    out = admin(srv, "rotate-keys").stdout
    assert out.startswith("rotated the key files (no cloud answers at"), out
    assert "(primary 3)" in out
    assert sorted(p.name for p in (srv.data_dir / "fernet-keys").iterdir() if p.name.isdigit()) == [
        "0",
        "2",
        "3",
    ]


def _boot_on(srv: Server, host: str) -> str:
    """A server an admin forces onto ``host`` (zone ``nova:<host>``), once ACTIVE."""
    auth = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": "admin", "domain": {"id": "default"}, "password": ADMIN_PASSWORD}
                },
            },
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}},
        }
    }
    token = httpx.post(f"{srv.url}/identity/v3/auth/tokens", json=auth).headers["X-Subject-Token"]
    headers = {"X-Auth-Token": token}
    image = httpx.get(f"{srv.url}/image/v2/images", headers=headers).json()["images"][0]["id"]
    body = {
        "server": {
            "name": "drained",
            "imageRef": image,
            "flavorRef": "1",
            "networks": "none",
            "availability_zone": f"nova:{host}",
        }
    }
    resp = httpx.post(f"{srv.url}/compute/v2.1/servers", json=body, headers=headers)
    assert resp.status_code == 202, resp.text
    server_id = resp.json()["server"]["id"]
    deadline = time.monotonic() + 30
    while (
        httpx.get(f"{srv.url}/compute/v2.1/servers/{server_id}", headers=headers).json()["server"]["status"]
        != "ACTIVE"
    ):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    return server_id


def test_drain_shows_each_move_then_snapshots_restore_and_reset(tmp_path: Path) -> None:
    srv = start_server(tmp_path / "data")
    try:
        sizes = ["--vcpus", "8", "--memory-mb", "8192", "--disk-gb", "100"]
        host = admin_json(srv, "hosts", "register", "fifth", *sizes)
        server_id = _boot_on(srv, "fifth")
        drained = admin(srv, "hosts", "drain", host["id"]).stdout
        assert "SUCCEEDED" in drained.splitlines()[0] and server_id in drained, drained
        assert drained.splitlines()[-1].endswith(": SUCCEEDED"), drained
        assert admin_json(srv, "hosts", "servers", host["id"]) == {"servers": []}

        snap = admin_json(srv, "snapshots", "create", "with-fifth")
        assert snap["name"] == "with-fifth" and "tables" in admin_json(srv, "snapshots", "show", snap["id"])
        assert [s["id"] for s in admin_json(srv, "snapshots", "list")["snapshots"]] == [snap["id"]]
        admin(srv, "hosts", "delete", host["id"])
        assert "fifth" not in {h["name"] for h in admin_json(srv, "hosts", "list")["hosts"]}
        refusal = admin(srv, "snapshots", "restore", snap["id"], ok=False, stdin="n\n")
        assert refusal.returncode == 1
        assert "fifth" not in {h["name"] for h in admin_json(srv, "hosts", "list")["hosts"]}
        admin(srv, "snapshots", "restore", snap["id"], "--yes")
        assert "fifth" in {h["name"] for h in admin_json(srv, "hosts", "list")["hosts"]}

        assert "first-start state" in admin(srv, "reset", "--yes").stdout
        names = {h["name"] for h in admin_json(srv, "hosts", "list")["hosts"]}
        assert names == {f"fake-host-{i}" for i in range(1, 5)}
        assert "deleted snapshot" in admin(srv, "snapshots", "delete", snap["id"]).stdout
        assert admin_json(srv, "snapshots", "list") == {"snapshots": []}
    finally:
        stop_cleanly(srv)
