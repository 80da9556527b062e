"""Image tasks (/v2/tasks, /v2/images/{id}/tasks), web-download from a local HTTP server with
Glance's URL filter, the cache API, store delete, and the announced versions."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from pocketstack.api.app import build_app
from pocketstack.cloud import Cloud, build_cloud
from tests.conftest import ADMIN_PASSWORD
from tests.functional.conftest import auth_headers, issue_token

DATA = bytes(512) + b"web-download payload" * 1000


@pytest.fixture
def web_server() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "file:///etc/passwd")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(DATA)))
            self.end_headers()
            self.wfile.write(DATA)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def open_cloud(cloud: Cloud) -> Iterator[Cloud]:
    """The same database, with web-download allowed to any port (the test server's is random)."""
    other = build_cloud(replace(cloud.settings, image_import_allowed_ports=""))
    yield other
    other.close()


@pytest.fixture
def admin(open_cloud: Cloud) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with TestClient(build_app(open_cloud), base_url="http://testserver") as c:
        yield c, auth_headers(issue_token(c, "admin", ADMIN_PASSWORD, "admin"))


def _wait(client: TestClient, h: dict[str, str], path: str, done: callable) -> dict:
    for _ in range(100):
        body = client.get(path, headers=h).json()
        if done(body):
            return body
        time.sleep(0.1)
    raise AssertionError(f"{path} never got there: {body}")


def _queued_image(client: TestClient, h: dict[str, str]) -> str:
    resp = client.post("/image/v2/images", json={"disk_format": "raw", "container_format": "bare"}, headers=h)
    assert resp.status_code == 201
    return resp.json()["id"]


def _active_image(client: TestClient, h: dict[str, str]) -> dict:
    image_id = _queued_image(client, h)
    resp = client.put(
        f"/image/v2/images/{image_id}/file",
        content=DATA,
        headers={**h, "Content-Type": "application/octet-stream"},
    )
    assert resp.status_code == 204, resp.text
    return client.get(f"/image/v2/images/{image_id}", headers=h).json()


def test_web_download_import_records_a_task(
    admin: tuple[TestClient, dict[str, str]], web_server: str
) -> None:
    client, h = admin
    image_id = _queued_image(client, h)
    body = {"method": {"name": "web-download", "uri": f"{web_server}/disk.raw"}}
    resp = client.post(f"/image/v2/images/{image_id}/import", json=body, headers=h)
    assert resp.status_code == 202, resp.text
    image = _wait(client, h, f"/image/v2/images/{image_id}", lambda i: i["status"] == "active")
    assert image["size"] == len(DATA)
    assert client.get(f"/image/v2/images/{image_id}/file", headers=h).content == DATA
    tasks = _wait(
        client,
        h,
        f"/image/v2/images/{image_id}/tasks",
        lambda t: t["tasks"] and t["tasks"][0]["status"] == "success",
    )["tasks"]
    assert len(tasks) == 1
    assert tasks[0]["input"]["import_req"]["method"]["name"] == "web-download"
    assert tasks[0]["request_id"] == resp.headers["x-openstack-request-id"]


def test_web_download_filter_refuses_what_glance_refuses(
    client: TestClient, admin_token: str, web_server: str
) -> None:
    h = auth_headers(admin_token)
    image_id = _queued_image(client, h)
    for uri in (f"{web_server}/disk", "file:///etc/passwd", "ftp://example.com/x", "http://2130706433/x"):
        body = {"method": {"name": "web-download", "uri": uri}}
        resp = client.post(f"/image/v2/images/{image_id}/import", json=body, headers=h)
        assert resp.status_code == 400, (uri, resp.text)
    assert client.get(f"/image/v2/images/{image_id}", headers=h).json()["status"] == "queued"
    gd = client.post(
        f"/image/v2/images/{image_id}/import", json={"method": {"name": "glance-download"}}, headers=h
    )
    assert gd.status_code == 501 and "glance-download" in gd.json()["error"]["message"]
    methods = client.get("/image/v2/info/import", headers=h).json()["import-methods"]["value"]
    assert "web-download" in methods


def test_redirect_to_a_refused_url_fails_the_import(
    admin: tuple[TestClient, dict[str, str]], web_server: str
) -> None:
    client, h = admin
    image_id = _queued_image(client, h)
    body = {"method": {"name": "web-download", "uri": f"{web_server}/redirect"}}
    assert client.post(f"/image/v2/images/{image_id}/import", json=body, headers=h).status_code == 202
    tasks = _wait(
        client,
        h,
        f"/image/v2/images/{image_id}/tasks",
        lambda t: t["tasks"] and t["tasks"][0]["status"] != "processing",
    )["tasks"]
    assert tasks[0]["status"] == "failure"
    assert client.get(f"/image/v2/images/{image_id}", headers=h).json()["status"] == "queued"


def test_legacy_import_task(
    admin: tuple[TestClient, dict[str, str]], web_server: str, demo_token: str
) -> None:
    client, h = admin
    body = {
        "type": "import",
        "input": {
            "import_from": f"{web_server}/disk.raw",
            "import_from_format": "raw",
            "image_properties": {"name": "from-task", "disk_format": "raw", "container_format": "bare"},
        },
    }
    resp = client.post("/image/v2/tasks", json=body, headers=h)
    assert resp.status_code == 201, resp.text
    task_id = resp.json()["id"]
    assert resp.json()["status"] in ("pending", "processing", "success")
    task = _wait(client, h, f"/image/v2/tasks/{task_id}", lambda t: t["status"] in ("success", "failure"))
    assert task["status"] == "success", task
    assert "expires_at" in task
    image = client.get(f"/image/v2/images/{task['result']['image_id']}", headers=h).json()
    assert image["name"] == "from-task" and image["status"] == "active"
    listed = client.get("/image/v2/tasks", headers=h).json()
    assert task_id in [t["id"] for t in listed["tasks"]] and "input" not in listed["tasks"][0]
    assert client.post("/image/v2/tasks", json={"type": "export", "input": {}}, headers=h).status_code == 400
    assert client.get("/image/v2/tasks", headers=auth_headers(demo_token)).status_code == 403
    assert client.get("/image/v2/schemas/task", headers=h).json()["name"] == "task"


def test_cache_api_and_versions(client: TestClient, admin_token: str, demo_token: str) -> None:
    h = auth_headers(admin_token)
    versions = [v["id"] for v in client.get("/image/versions").json()["versions"]]
    assert versions[0] == "v2.17" and "v2.12" in versions and "v2.10" in versions
    assert client.get("/image/v2/cache", headers=auth_headers(demo_token)).status_code == 403
    queued = _queued_image(client, h)
    assert client.put(f"/image/v2/cache/{queued}", headers=h).status_code == 400
    assert client.put("/image/v2/cache/nope", headers=h).status_code == 404
    active = [_active_image(client, h)["id"]]
    assert client.put(f"/image/v2/cache/{active[0]}", headers=h).status_code == 202
    cached = client.get("/image/v2/cache", headers=h).json()["cached_images"]
    assert [c["image_id"] for c in cached] == [active[0]]
    assert (
        client.delete("/image/v2/cache", headers={**h, "x-image-cache-clear-target": "bogus"}).status_code
        == 400
    )
    assert client.delete("/image/v2/cache", headers=h).status_code == 204
    assert client.get("/image/v2/cache", headers=h).json() == {"cached_images": [], "queued_images": []}


def test_store_delete_keeps_the_last_copy(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    active = _active_image(client, h)
    store = active["stores"].split(",")[0]
    resp = client.delete(f"/image/v2/stores/{store}/{active['id']}", headers=h)
    assert resp.status_code == 403
    assert client.delete(f"/image/v2/stores/nostore/{active['id']}", headers=h).status_code == 400
    locations = client.get(f"/image/v2/images/{active['id']}/locations", headers=h)
    assert locations.status_code == 403  # a service's call, not an admin's
