"""What every pocketstack.sdk call gets from the session and transport, against the real app: a
503 is retried (honouring Retry-After) for idempotent requests only, a 409 is never retried, a
token that runs out or is revoked mid-run is renewed without the caller noticing, and the debug
log shows no secret."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from starlette.testclient import TestClient

from pocketstack.api.app import build_app
from pocketstack.cloud import Cloud, build_cloud
from pocketstack.sdk.connection import Connection
from pocketstack.sdk.exceptions import Conflict, ServerError, VersionNotSupported
from tests.conftest import DEMO_PASSWORD
from tests.functional import sdk_support

Scope = dict[str, Any]


@dataclass
class Flaky:
    """An ASGI layer in front of the app that answers 503 (``Retry-After: 0``) to the next
    ``failures`` requests whose method and path match, and records every request."""

    app: Any
    method: str = ""
    path: str = ""
    failures: int = 0
    seen: list[tuple[str, str]] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.seen.append((scope["method"], scope["path"]))
            if self.failures and scope["method"] == self.method and scope["path"].startswith(self.path):
                self.failures -= 1
                headers = [(b"retry-after", b"0"), (b"content-type", b"text/plain")]
                await send({"type": "http.response.start", "status": 503, "headers": headers})
                await send({"type": "http.response.body", "body": b"try again"})
                return
        await self.app(scope, receive, send)

    def count(self, method: str, path: str) -> int:
        return sum(1 for m, p in self.seen if m == method and p.startswith(path))


@pytest.fixture
def flaky(cloud: Cloud) -> Iterator[tuple[Flaky, Connection]]:
    layer = Flaky(build_app(cloud))
    with TestClient(layer, base_url="http://testserver") as client:
        yield layer, sdk_support.connect(client, "demo", DEMO_PASSWORD, "demo")


def test_a_503_on_a_read_is_retried(flaky: tuple[Flaky, Connection]) -> None:
    layer, conn = flaky
    layer.method, layer.path, layer.failures = "GET", "/image/v2/images", 2
    assert isinstance(list(conn.image.images()), list)
    assert layer.count("GET", "/image/v2/images") == 3


def test_a_503_on_a_create_is_not_retried(flaky: tuple[Flaky, Connection]) -> None:
    layer, conn = flaky
    layer.method, layer.path, layer.failures = "POST", "/image/v2/images", 1
    with pytest.raises(ServerError) as err:
        conn.image.create_image(name="once", disk_format="raw", container_format="bare")
    assert err.value.status_code == 503 and err.value.message == "try again"
    assert layer.count("POST", "/image/v2/images") == 1


def test_a_409_is_not_retried(flaky: tuple[Flaky, Connection], tmp_path: Any) -> None:
    layer, conn = flaky
    data = tmp_path / "d"
    data.write_bytes(b"x" * 10)
    image = conn.image.create_image(name="full", disk_format="raw", container_format="bare")
    conn.image.upload_data(image, data)
    with pytest.raises(Conflict) as err:
        conn.image.upload_data(image, data)
    assert err.value.status_code == 409 and err.value.request_id
    assert layer.count("PUT", f"/image/v2/images/{image.id}/file") == 2


def test_a_revoked_token_is_replaced_once_without_the_caller_noticing(
    flaky: tuple[Flaky, Connection], client: TestClient, admin_token: str
) -> None:
    layer, conn = flaky
    list(conn.image.images())
    token = conn.session.authenticator.cached
    assert token is not None
    revoked = client.delete(
        "/identity/v3/auth/tokens", headers={"X-Auth-Token": admin_token, "X-Subject-Token": token.token}
    )
    assert revoked.status_code == 204
    assert isinstance(list(conn.image.images()), list)
    assert layer.count("POST", "/identity/v3/auth/tokens") == 2
    renewed = conn.session.authenticator.cached
    assert renewed is not None and renewed.token != token.token


def test_a_short_token_is_renewed_before_it_runs_out(cloud: Cloud) -> None:
    short = build_cloud(replace(cloud.settings, token_expiration=2))
    layer = Flaky(build_app(short))
    try:
        with TestClient(layer, base_url="http://testserver") as client:
            conn = sdk_support.connect(client, "demo", DEMO_PASSWORD, "demo")
            list(conn.image.images())
            time.sleep(2.2)
            list(conn.image.images())
    finally:
        short.close()
    assert layer.count("POST", "/identity/v3/auth/tokens") == 2


def test_the_debug_log_shows_no_secret(sdk: Connection, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="pocketstack.sdk.http"):
        list(sdk.image.images())
    text = caplog.text
    token = sdk.session.authenticator.cached
    assert token is not None and "REQ POST" in text and "/auth/tokens" in text
    assert DEMO_PASSWORD not in text
    assert token.token not in text


def test_a_call_needing_a_newer_microversion_says_so(client: TestClient) -> None:
    old = sdk_support.connect(client, "demo", DEMO_PASSWORD, "demo", compute_api_version="2.1")
    with pytest.raises(VersionNotSupported) as err:
        old.compute.add_tag_to_server("any-server", "blue")
    assert "2.26" in str(err.value) and "2.1" in str(err.value)


def test_a_configured_microversion_the_server_lacks_is_refused(client: TestClient) -> None:
    future = sdk_support.connect(client, "demo", DEMO_PASSWORD, "demo", compute_api_version="2.999")
    with pytest.raises(VersionNotSupported) as err:
        list(future.compute.flavors())
    assert "2.999" in str(err.value)
