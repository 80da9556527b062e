"""Helpers shared by the image data and import tests: images made and read through the API,
disks made by qemu-img, and a real server on a free port for tests that need a socket."""

from __future__ import annotations

import hashlib
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from starlette.testclient import TestClient

from pocketstack.api.app import build_app
from pocketstack.cloud import Cloud
from tests.functional.conftest import auth_headers
from tests.marks import needs_qemu_img, qemu_img  # noqa: F401 - re-exported for the image tests
from tests.ports import free_port

IMAGES = "/image/v2/images"
OCTET = {"Content-Type": "application/octet-stream"}
MiB = 1024 * 1024


def create_image(client: TestClient, token: str, **fields: Any) -> str:
    body = {"disk_format": "raw", "container_format": "bare", **fields}
    resp = client.post(IMAGES, json=body, headers=auth_headers(token))
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def show(client: TestClient, token: str, image_id: str) -> dict[str, Any]:
    resp = client.get(f"{IMAGES}/{image_id}", headers=auth_headers(token))
    assert resp.status_code == 200, resp.text
    return resp.json()


def upload(client: TestClient, token: str, image_id: str, data: bytes, **headers: str):  # noqa: ANN201
    return client.put(
        f"{IMAGES}/{image_id}/file", content=data, headers={**auth_headers(token), **OCTET, **headers}
    )


def download(client: TestClient, token: str, image_id: str, **headers: str):  # noqa: ANN201
    return client.get(f"{IMAGES}/{image_id}/file", headers={**auth_headers(token), **headers})


def stage(client: TestClient, token: str, image_id: str, data: bytes):  # noqa: ANN201
    return client.put(f"{IMAGES}/{image_id}/stage", content=data, headers={**auth_headers(token), **OCTET})


def start_import(client: TestClient, token: str, image_id: str, body: dict[str, Any]):  # noqa: ANN201
    return client.post(f"{IMAGES}/{image_id}/import", json=body, headers=auth_headers(token))


def wait_until(client: TestClient, token: str, image_id: str, done: Callable[[dict], bool]) -> dict[str, Any]:
    """The image once ``done(image)`` holds (or as it is after 20 s)."""
    deadline = time.monotonic() + 20
    while True:
        image = show(client, token, image_id)
        if done(image) or time.monotonic() > deadline:
            return image
        time.sleep(0.05)


def sha512(data: bytes) -> str:
    return hashlib.sha512(data).hexdigest()


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def stored_files(root: Path) -> list[Path]:
    """Every file under ``root`` (data, partials, staging), for "nothing left" checks."""
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def qemu_disk(tmp_path: Path, fmt: str, *options: str, size: str = "10M", name: str = "disk") -> bytes:
    path = tmp_path / f"{name}.{fmt}"
    subprocess.run(
        [qemu_img, "create", "-f", fmt, *options, str(path), size], check=True, capture_output=True
    )
    return path.read_bytes()


@contextmanager
def live_server(cloud: Cloud) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        build_app(cloud), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
