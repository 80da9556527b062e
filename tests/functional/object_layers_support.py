"""What the tests of Swift's pipeline layers (TempURL, FormPost, bulk, SLO, DLO) share: the
demo project's account over the in-process app, with a token."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.testclient import TestClient

from pocketstack.api.app import build_app
from pocketstack.cloud import Cloud
from tests.clients.harness import clients_venv
from tests.functional.conftest import auth_headers
from tests.ports import free_port


@dataclass
class SwiftAccount:
    client: TestClient
    token: str
    project_id: str

    @property
    def base(self) -> str:
        return f"/object-store/v1/AUTH_{self.project_id}"

    @property
    def account(self) -> str:
        return f"AUTH_{self.project_id}"

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        auth: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        sent = {**(auth_headers(self.token) if auth else {}), **(headers or {})}
        return self.client.request(method, f"{self.base}/{path.lstrip('/')}", headers=sent, **kwargs)

    def put(self, path: str, data: bytes = b"", **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, content=data, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def head(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("HEAD", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)


@pytest.fixture
def swift(client: TestClient, demo_token: str) -> SwiftAccount:
    headers = {"X-Auth-Token": demo_token, "X-Subject-Token": demo_token}
    resp = client.get("/identity/v3/auth/tokens", headers=headers)
    return SwiftAccount(client, demo_token, resp.json()["token"]["project"]["id"])


@pytest.fixture
def live_server(cloud: Cloud) -> Iterator[str]:
    """The app served over HTTP on a free loopback port, for clients that speak HTTP only."""
    server = uvicorn.Server(
        uvicorn.Config(build_app(cloud), host="127.0.0.1", port=free_port(), log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the server did not start"
    yield f"http://127.0.0.1:{server.config.port}"
    server.should_exit = True
    thread.join(10)


def swift_cli(
    url: str, account: SwiftAccount, *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    """python-swiftclient's ``swift`` command (from the clients' venv) against the live server,
    with a token."""
    storage = f"{url}/object-store/v1/{account.account}"
    command = [str(clients_venv() / "bin" / "swift"), "--os-storage-url", storage, "--os-auth-token"]
    return subprocess.run(
        [*command, account.token, *args], capture_output=True, text=True, timeout=120, cwd=cwd, check=False
    )
