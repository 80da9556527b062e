"""``/healthcheck`` and ``/metrics`` of a running ``pocketstack up``: the health check follows
PostgreSQL going away and coming back; the metrics of several workers add up, by route
template, with no user data in any label."""

from __future__ import annotations

import http.client
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.clients.conftest import stop_cleanly
from tests.clients.harness import ADMIN_PASSWORD, DEMO_PASSWORD, Server, start_server
from tests.pg import PostgresServer, find_bindir

pytestmark = pytest.mark.clients
DECISIONS = "pocketstack_scheduler_decisions"


def call(
    server: Server, method: str, path: str, token: str | None = None, body: object = None, **extra: str
) -> tuple[int, dict[str, str], str]:
    """One request on a connection of its own (so requests spread over the workers)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    headers = {"Content-Type": "application/json", **extra}
    if token:
        headers["X-Auth-Token"] = token
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read().decode("latin-1")
    finally:
        conn.close()


def login(server: Server, user: str, password: str) -> tuple[str, str]:
    """A project-scoped token, and its project's id."""
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": user, "domain": {"id": "default"}, "password": password}},
            },
            "scope": {"project": {"name": user, "domain": {"id": "default"}}},
        }
    }
    status, headers, text = call(server, "POST", "/identity/v3/auth/tokens", body=body)
    assert status == 201, text
    return headers["x-subject-token"], json.loads(text)["token"]["project"]["id"]


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL of this test's own: it is stopped and started again."""
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries are missing; .ci/run must install postgresql")
        pytest.skip("PostgreSQL is not installed here (apt-get install postgresql)")
    pg = PostgresServer(bindir)
    pg.start()
    yield pg
    pg.stop()


def wait_for_health(server: Server, status: int, seconds: float) -> tuple[int, str, float]:
    """Poll /healthcheck until it answers ``status``; the last answer and the slowest call."""
    deadline = time.monotonic() + seconds
    slowest = 0.0
    while True:
        started = time.monotonic()
        got, _, text = call(server, "GET", "/healthcheck")
        slowest = max(slowest, time.monotonic() - started)
        if got == status or time.monotonic() > deadline:
            return got, text, slowest
        time.sleep(0.2)


def test_healthcheck_follows_postgresql_stopping_and_starting(
    own_postgres: PostgresServer, tmp_path: Path
) -> None:
    server = start_server(tmp_path / "data", workers="1", database_url=own_postgres.create_database())
    try:
        assert call(server, "GET", "/healthcheck")[::2] == (200, "OK")
        own_postgres.halt()
        status, text, slowest = wait_for_health(server, 503, 10)
        assert status == 503, text
        assert "database" in text
        assert "postgres" not in text.lower() and str(own_postgres.port) not in text
        assert slowest < 3, f"a health check took {slowest:.1f} s while PostgreSQL was down"
        own_postgres.resume()
        status, text, _ = wait_for_health(server, 200, 10)
        assert (status, text) == (200, "OK")
    finally:
        code = server.stop()
    assert code == 0, server.text()


@pytest.fixture
def two_workers(tmp_path: Path, database_url: str) -> Iterator[Server]:
    server = start_server(tmp_path / "data", workers="2", database_url=database_url)
    try:
        assert "(2 workers)" in server.text()
        yield server
    finally:
        stop_cleanly(server)


def scrape(server: Server) -> dict[str, list]:
    status, headers, text = call(server, "GET", "/metrics")
    assert status == 200, text
    assert headers["content-type"].startswith("text/plain; version=0.0.4")
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def requests_of(families: dict[str, list], route: str, status: str, method: str = "GET") -> float:
    """The request count of one route template and status, summed over its services."""
    return sum(
        s.value
        for s in families["pocketstack_http_requests"]
        if s.name == "pocketstack_http_requests_total"
        and s.labels["route"] == route
        and s.labels["status"] == status
        and s.labels["method"] == method
    )


def test_metrics_of_two_workers_add_up_by_route_template(two_workers: Server) -> None:
    server = two_workers
    token, project_id = login(server, "demo", DEMO_PASSWORD)
    image_id = json.loads(call(server, "GET", "/image/v2/images", token)[2])["images"][0]["id"]
    call(server, "GET", "/compute/v2.1/flavors", token)  # the route is counted from here on
    before = scrape(server)
    flavors = 12
    for _ in range(flavors):
        assert call(server, "GET", "/compute/v2.1/flavors", token)[0] == 200
    assert call(server, "GET", "/compute/v2.1/no-such-thing", token)[0] == 404
    missing = "0d7a1c52-4c1e-4b39-9d59-3f1b1bde3e15"
    assert call(server, "GET", f"/compute/v2.1/servers/{missing}", token)[0] == 404
    status, _, data = call(server, "GET", f"/image/v2/images/{image_id}/file", token)
    assert status == 200
    flavor = json.loads(call(server, "GET", "/compute/v2.1/flavors", token)[2])["flavors"][0]["id"]
    flavors += 1
    body = {"server": {"name": "metered", "flavorRef": flavor, "imageRef": image_id, "networks": "none"}}
    version = {"X-OpenStack-Nova-API-Version": "2.37"}
    status, _, text = call(server, "POST", "/compute/v2.1/servers", token, body, **version)
    assert status == 202, text
    server_id = json.loads(text)["server"]["id"]

    for _ in range(4):  # each scrape reaches either worker: every one sums both
        after = scrape(server)
        moved = requests_of(after, "/flavors", "200") - requests_of(before, "/flavors", "200")
        assert moved == flavors
        assert requests_of(after, "unmatched", "404") >= 1
        assert requests_of(after, "/servers/{server_id}", "404") >= 1
    assert requests_of(after, "/v3/auth/tokens", "201", "POST") >= 1
    durations = [s for s in after["pocketstack_http_request_duration_seconds"] if s.name.endswith("_count")]
    assert any(s.labels["route"] == "/flavors" for s in durations)
    out = [s.value for s in after["pocketstack_image_bytes"] if s.labels["direction"] == "out"]
    assert sum(out) == len(data) > 0
    deadline = time.monotonic() + 10
    while not [s for s in after.get(DECISIONS, []) if s.labels["result"] == "claimed"]:
        assert time.monotonic() < deadline, "no scheduler decision counted"
        time.sleep(0.2)
        after = scrape(server)
    assert sum(s.value for s in after["pocketstack_servers"]) == 1
    assert any(s.labels["action"] == "create" for s in after["pocketstack_tasks"])

    values = {v for samples in after.values() for s in samples for v in s.labels.values()}
    for secret in (token, server_id, missing, project_id, "metered"):
        assert not any(secret in v for v in values), secret


def test_metrics_can_require_a_system_admin_token(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", workers="1", metrics_require_token="true")
    try:
        demo, _ = login(server, "demo", DEMO_PASSWORD)
        admin, _ = login(server, "admin", ADMIN_PASSWORD)
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {"name": "admin", "domain": {"id": "default"}, "password": ADMIN_PASSWORD}
                    },
                },
                "scope": {"system": {"all": True}},
            }
        }
        status, headers, _ = call(server, "POST", "/identity/v3/auth/tokens", body=body)
        assert status == 201
        system_admin = headers["x-subject-token"]
        assert call(server, "GET", "/metrics")[0] == 401
        assert call(server, "GET", "/metrics", "not-a-token")[0] == 401
        assert call(server, "GET", "/metrics", demo)[0] == 403
        assert call(server, "GET", "/metrics", admin)[0] == 403  # an admin, but of a project
        status, _, text = call(server, "GET", "/metrics", system_admin)
        assert status == 200
        assert "pocketstack_http_requests_total" in text
    finally:
        stop_cleanly(server)
