"""Issue 13's integrity acceptance against a real ``pocketstack up``: an upload cut by SIGKILL
leaves no object and no file, an ETag mismatch stores nothing, and fifty PUTs racing to one
name leave exactly one complete object."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.clients.conftest import stop_cleanly
from tests.clients.harness import DEMO_PASSWORD, Server, start_server

pytestmark = pytest.mark.clients
MIB = 1024 * 1024


def demo_session(server: Server) -> tuple[str, dict[str, str]]:
    """The demo project's storage URL (from its token's catalog) and its token header."""
    user = {"name": "demo", "domain": {"id": "default"}, "password": DEMO_PASSWORD}
    auth = {
        "identity": {"methods": ["password"], "password": {"user": user}},
        "scope": {"project": {"name": "demo", "domain": {"id": "default"}}},
    }
    issued = httpx.post(f"{server.url}/identity/v3/auth/tokens", json={"auth": auth})
    issued.raise_for_status()
    catalog = issued.json()["token"]["catalog"]
    store = next(s for s in catalog if s["type"] == "object-store")
    url = next(e["url"] for e in store["endpoints"] if e["interface"] == "public")
    return url, {"X-Auth-Token": issued.headers["X-Subject-Token"]}


def data_files(data_dir: Path, at_least: int, at_most: int | None = None) -> set[int]:
    """The inodes of files of ``at_least`` (up to ``at_most``) bytes where object data lives
    (docs/storage-format.md: ``objects/`` in the data dir), temporary files included."""
    found = set()
    for root, _, names in os.walk(data_dir / "objects"):
        for name in names:
            st = os.stat(os.path.join(root, name))
            if at_least <= st.st_size <= (at_most or st.st_size):
                found.add(st.st_ino)
    return found


def test_sigkill_during_a_large_upload_leaves_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = start_server(data)
    url, auth = demo_session(server)
    assert httpx.put(f"{url}/backups", headers=auth).status_code == 201
    half_sent = threading.Event()

    def body() -> Iterator[bytes]:
        chunk = os.urandom(MIB)
        for i in range(200):
            if i == 100:
                half_sent.set()
            yield chunk

    def upload() -> None:
        headers = {**auth, "Content-Length": str(200 * MIB)}
        with contextlib.suppress(httpx.HTTPError):
            httpx.put(f"{url}/backups/disk.img", headers=headers, content=body(), timeout=60)

    uploader = threading.Thread(target=upload)
    uploader.start()
    assert half_sent.wait(60)
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(timeout=10)
    uploader.join(60)
    restarted = start_server(data, port=server.port)
    try:
        url, auth = demo_session(restarted)
        assert httpx.head(f"{url}/backups/disk.img", headers=auth).status_code == 404
        container = httpx.head(f"{url}/backups", headers=auth)
        assert container.headers["X-Container-Object-Count"] == "0"
        assert container.headers["X-Container-Bytes-Used"] == "0"
        assert data_files(data, MIB) == set(), "a partial upload's data stayed on disk"
    finally:
        stop_cleanly(restarted)


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("objects"))
    yield server
    stop_cleanly(server)


def test_an_etag_mismatch_is_422_and_stores_nothing(cloud: Server) -> None:
    url, auth = demo_session(cloud)
    httpx.put(f"{url}/checked", headers=auth)
    body = os.urandom(2 * MIB)
    wrong = hashlib.md5(b"something else").hexdigest()
    answer = httpx.put(f"{url}/checked/file.bin", headers={**auth, "ETag": wrong}, content=body)
    assert answer.status_code == 422
    assert httpx.head(f"{url}/checked/file.bin", headers=auth).status_code == 404
    assert httpx.head(f"{url}/checked", headers=auth).headers["X-Container-Bytes-Used"] == "0"
    assert data_files(cloud.data_dir, 2 * MIB) == set()
    right = hashlib.md5(body).hexdigest()
    answer = httpx.put(f"{url}/checked/file.bin", headers={**auth, "ETag": right}, content=body)
    assert answer.status_code == 201 and answer.headers["ETag"].strip('"') == right


def test_fifty_parallel_puts_to_one_name_leave_one_complete_object(cloud: Server) -> None:
    url, auth = demo_session(cloud)
    httpx.put(f"{url}/race", headers=auth)
    size = MIB + 123
    bodies = [bytes([i]) * size for i in range(50)]

    def put(body: bytes) -> int:
        return httpx.put(f"{url}/race/same", headers=auth, content=body, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        assert set(pool.map(put, bodies)) == {201}
    got = httpx.get(f"{url}/race/same", headers=auth)
    assert got.content in bodies
    assert got.headers["ETag"].strip('"') == hashlib.md5(got.content).hexdigest()
    container = httpx.head(f"{url}/race", headers=auth)
    assert container.headers["X-Container-Object-Count"] == "1"
    assert container.headers["X-Container-Bytes-Used"] == str(size)
    assert len(data_files(cloud.data_dir, size, size)) == 1, "the losers' data stayed on disk"
