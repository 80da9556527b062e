"""`pocketstack up --workers N`: several API processes on one port and one database answer as
one cloud. Each check writes through one worker and reads through another at once, on SQLite
and on PostgreSQL; which worker served a request is read off the access log (``pid=``)."""

from __future__ import annotations

import http.client
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clients.conftest import stop_cleanly
from tests.clients.harness import ADMIN_PASSWORD, DEMO_PASSWORD, Server, start_server

pytestmark = pytest.mark.clients


class Conn:
    """One keep-alive connection, so every request on it reaches the same worker."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.http = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)

    def call(
        self, method: str, path: str, token: str | None = None, body: object = None, **extra: str
    ) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json", **extra}
        if token:
            headers["X-Auth-Token"] = token
        data = None if body is None else json.dumps(body)
        self.http.request(method, path, body=data, headers=headers)
        resp = self.http.getresponse()
        raw = resp.read()
        self.last_headers = dict(resp.getheaders())
        return resp.status, (json.loads(raw) if raw else {})

    def worker(self, token: str) -> int:
        """The pid of the worker serving this connection, from the access log."""
        self.call("GET", "/compute/v2.1/flavors", token)
        request_id = self.last_headers["x-openstack-request-id"]
        deadline = time.monotonic() + 10  # the log line reaches us through a pipe, a moment later
        while time.monotonic() < deadline:
            for line in reversed(self.server.output):
                if f"request_id={request_id}" in line:
                    match = re.search(r"\bpid=(\d+)", line)
                    assert match, line
                    return int(match.group(1))
            time.sleep(0.05)
        raise AssertionError(f"no access-log line for {request_id}")


def login(conn: Conn, user: str, password: str) -> str:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": user, "domain": {"id": "default"}, "password": password}},
            },
            "scope": {"project": {"name": user, "domain": {"id": "default"}}},
        }
    }
    status, _ = conn.call("POST", "/identity/v3/auth/tokens", body=body)
    assert status == 201
    return conn.last_headers["x-subject-token"]


@pytest.fixture
def two_workers(tmp_path: Path, database_url: str) -> Iterator[tuple[Server, Conn, Conn]]:
    """A cloud of two workers, and two connections that reach different ones."""
    server = start_server(tmp_path / "data", workers="2", database_url=database_url)
    try:
        assert "(2 workers)" in server.text()
        token = login(Conn(server), "demo", DEMO_PASSWORD)
        conns: dict[int, Conn] = {}
        for _ in range(64):  # the kernel hands each new connection to whichever worker accepts
            conn = Conn(server)
            conns.setdefault(conn.worker(token), conn)
            if len(conns) == 2:
                break
        assert len(conns) == 2, "every connection reached the same worker"
        first, second = conns.values()
        yield server, first, second
    finally:
        stop_cleanly(server)


def test_a_write_through_one_worker_is_read_through_the_other_at_once(
    two_workers: tuple[Server, Conn, Conn],
) -> None:
    server, a, b = two_workers
    token = login(a, "demo", DEMO_PASSWORD)
    status, made = a.call("POST", "/compute/v2.1/os-keypairs", token, {"keypair": {"name": "across"}})
    assert status == 200
    status, seen = b.call("GET", "/compute/v2.1/os-keypairs/across", token)
    assert status == 200
    assert seen["keypair"]["fingerprint"] == made["keypair"]["fingerprint"]
    status, net = b.call("POST", "/network/v2.0/networks", token, {"network": {"name": "across"}})
    assert status == 201
    listed = [conn.call("GET", "/network/v2.0/networks", token)[1] for conn in (a, b)]
    assert listed[0] == listed[1]
    assert a.call("GET", f"/network/v2.0/networks/{net['network']['id']}", token)[0] == 200
    admin = login(a, "admin", ADMIN_PASSWORD)
    assert b.call("GET", "/image/v2/cache", admin)[1] == a.call("GET", "/image/v2/cache", admin)[1]
    assert server.server_errors() == []


def test_a_revoked_token_and_a_removed_role_are_refused_by_every_worker_at_once(
    two_workers: tuple[Server, Conn, Conn],
) -> None:
    _, a, b = two_workers
    token = login(a, "demo", DEMO_PASSWORD)
    assert b.call("GET", "/compute/v2.1/flavors", token)[0] == 200  # b has validated (and cached) it
    assert a.call("DELETE", "/identity/v3/auth/tokens", token, **{"X-Subject-Token": token})[0] == 204
    assert b.call("GET", "/compute/v2.1/flavors", token)[0] == 401

    admin = login(a, "admin", ADMIN_PASSWORD)
    token = login(b, "demo", DEMO_PASSWORD)
    assert b.call("GET", "/network/v2.0/networks", token)[0] == 200
    status, projects = a.call("GET", "/identity/v3/projects?name=demo", admin)
    project = projects["projects"][0]["id"]
    status, users = a.call("GET", "/identity/v3/users?name=demo", admin)
    user = users["users"][0]["id"]
    status, roles = a.call("GET", "/identity/v3/roles?name=member", admin)
    role = roles["roles"][0]["id"]
    status, _ = a.call("DELETE", f"/identity/v3/projects/{project}/users/{user}/roles/{role}", admin)
    assert status == 204
    assert b.call("GET", "/network/v2.0/networks", token)[0] == 401
