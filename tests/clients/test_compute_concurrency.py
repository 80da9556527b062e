"""Issue 4's negative acceptance against a real pocketstack process: capacity under concurrent
boots, quota under concurrent creates, and recovery after the process is killed mid-build.
Driven over HTTP with httpx (no client library needed for what is checked here)."""

from __future__ import annotations

import signal
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.clients.conftest import stop_cleanly
from tests.clients.harness import ADMIN_PASSWORD, DEMO_PASSWORD, Server, start_server

pytestmark = pytest.mark.clients
TINY_MB = 512
V = {"OpenStack-API-Version": "compute 2.79"}


def token(url: str, user: str, password: str) -> str:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": user, "domain": {"name": "Default"}, "password": password}},
            },
            "scope": {"project": {"name": user, "domain": {"name": "Default"}}},
        }
    }
    resp = httpx.post(f"{url}/identity/v3/auth/tokens", json=body, timeout=30)
    resp.raise_for_status()
    return resp.headers["X-Subject-Token"]


class Api:
    def __init__(self, server: Server) -> None:
        self.url = server.url
        self.demo = {**V, "X-Auth-Token": token(server.url, "demo", DEMO_PASSWORD)}
        self.admin = {**V, "X-Auth-Token": token(server.url, "admin", ADMIN_PASSWORD)}
        self.http = httpx.Client(base_url=f"{server.url}/compute/v2.1", timeout=60)
        images = httpx.get(f"{server.url}/image/v2/images", headers=self.demo, timeout=30).json()["images"]
        self.image = next(i["id"] for i in images if i["name"] == "pocketstack-tiny")
        self.demo_project = httpx.get(
            f"{server.url}/identity/v3/auth/tokens",
            headers={"X-Auth-Token": self.demo["X-Auth-Token"], "X-Subject-Token": self.demo["X-Auth-Token"]},
        ).json()["token"]["project"]["id"]

    def boot(self, name: str, **extra: object) -> httpx.Response:
        server = {"name": name, "imageRef": self.image, "flavorRef": "1", "networks": "none", **extra}
        return self.http.post("/servers", json={"server": server}, headers=self.demo)

    def set_quota(self, **limits: int) -> None:
        resp = self.http.put(
            f"/os-quota-sets/{self.demo_project}", json={"quota_set": limits}, headers=self.admin
        )
        assert resp.status_code == 200, resp.text

    def servers(self) -> list[dict]:
        return self.http.get("/servers/detail", headers=self.demo).json()["servers"]

    def settle(self, timeout: float = 60) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            servers = self.servers()
            if all(s["status"] not in ("BUILD",) and s["OS-EXT-STS:task_state"] is None for s in servers):
                return servers
            assert time.monotonic() < deadline, [s["status"] for s in servers]
            time.sleep(0.3)


def allocations(data_dir: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(data_dir / "pocketstack.db") as db:
        rows = db.execute(
            "SELECT h.name, a.consumer_id, a.memory_mb, h.memory_mb, h.reserved_memory_mb "
            "FROM allocations a JOIN hosts h ON h.id = a.host_id"
        ).fetchall()
    out: dict[str, list[tuple]] = {}
    for host, consumer, mem, total, reserved in rows:
        out.setdefault(host, []).append((consumer, mem, total, reserved))
    return out


@pytest.fixture
def small_cloud(tmp_path: Path) -> Iterator[tuple[Server, Api]]:
    """Two hosts with room for 25 m1.tiny servers each (memory bound: 25 x 512 MiB + 512 reserved)."""
    server = start_server(tmp_path / "data", fake_hosts="2", fake_host_memory_mb=str(25 * TINY_MB + 512))
    api = Api(server)
    yield server, api
    stop_cleanly(server)


def test_hundred_concurrent_boots_on_room_for_fifty(small_cloud: tuple[Server, Api]) -> None:
    server, api = small_cloud
    api.set_quota(instances=200, cores=400, ram=200 * TINY_MB)
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda i: api.boot(f"c{i}").status_code, range(100)))
    assert answers == [202] * 100
    servers = api.settle()
    by_status = {}
    for s in servers:
        by_status[s["status"]] = by_status.get(s["status"], 0) + 1
    assert by_status == {"ACTIVE": 50, "ERROR": 50}
    errors = [s for s in servers if s["status"] == "ERROR"]
    assert all("No valid host was found" in s["fault"]["message"] for s in errors)
    placed = allocations(server.data_dir)
    active = {s["id"] for s in servers if s["status"] == "ACTIVE"}
    assert {c for rows in placed.values() for c, *_ in rows} == active
    for rows in placed.values():
        used, total, reserved = sum(r[1] for r in rows), rows[0][2], rows[0][3]
        assert used <= total - reserved


def test_fifty_parallel_creates_against_a_quota_of_ten(small_cloud: tuple[Server, Api]) -> None:
    _, api = small_cloud
    api.set_quota(instances=10)
    with ThreadPoolExecutor(max_workers=25) as pool:
        answers = list(pool.map(lambda i: api.boot(f"q{i}"), range(50)))
    accepted = [a for a in answers if a.status_code == 202]
    refused = [a for a in answers if a.status_code == 403]
    assert len(accepted) == 10 and len(refused) == 40
    assert all("Quota exceeded for instances" in r.json()["forbidden"]["message"] for r in refused)
    assert len(api.servers()) == 10


def test_kill_during_builds_then_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = start_server(data)
    api = Api(server)
    slow = [api.boot(f"slow{i}", metadata={"pocketstack:build_delay": "60"}) for i in range(4)]
    fast = [api.boot(f"fast{i}") for i in range(3)]
    assert all(r.status_code == 202 for r in slow + fast)
    deadline = time.monotonic() + 30
    while sum(s["status"] == "ACTIVE" for s in api.servers()) < 3:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(timeout=10)
    restarted = start_server(data, port=server.port)
    try:
        api = Api(restarted)
        servers = {s["name"]: s for s in api.servers()}
        assert {servers[f"fast{i}"]["status"] for i in range(3)} == {"ACTIVE"}
        assert {servers[f"slow{i}"]["status"] for i in range(4)} == {"ERROR"}
        assert all(s["OS-EXT-STS:task_state"] is None for s in servers.values())
        placed = {c for rows in allocations(data).values() for c, *_ in rows}
        assert placed == {s["id"] for s in servers.values() if s["status"] == "ACTIVE"}
        actions = api.http.get(
            f"/servers/{servers['slow0']['id']}/os-instance-actions", headers=api.demo
        ).json()
        assert actions["instanceActions"][0]["message"] == "Error"
    finally:
        stop_cleanly(restarted)
