"""The SDK's Keystone v3 authenticator against the whole app in-process."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from starlette.testclient import TestClient

from pocketstack.sdk.auth import Authenticator
from pocketstack.sdk.config import load
from pocketstack.sdk.exceptions import EndpointNotFound, Unauthorized
from pocketstack.sdk.plan import Call, Request
from pocketstack.sdk.runner import SyncRunner
from tests.conftest import ADMIN_PASSWORD, DEMO_PASSWORD

T = TypeVar("T")

AUTH_URL = "http://testserver/identity/v3"


class Driver:
    """Runs plans on the in-process app and records every request they make."""

    def __init__(self, client: TestClient) -> None:
        self.runner = SyncRunner(client)
        self.requests: list[Request] = []

    def run(self, plan: Call[T]) -> T:
        return self.runner.run(self._spy(plan))

    def _spy(self, plan: Call[T]) -> Call[T]:
        sent: Any = None
        while True:
            try:
                step = plan.send(sent)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            if isinstance(step, Request):
                self.requests.append(step)
            sent = yield step


def password(user: str, secret: str, **scope: str) -> Authenticator:
    return Authenticator(AUTH_URL, auth_type="password", auth={"username": user, "password": secret, **scope})


@pytest.fixture
def driver(client: TestClient) -> Driver:
    return Driver(client)


def test_password_project_scope_gives_token_roles_and_catalog(driver: Driver) -> None:
    auth = password("admin", ADMIN_PASSWORD, project_name="admin")
    state = driver.run(auth.authenticate())
    assert state.token
    assert state.project_id is not None and state.domain_id is None and not state.system
    assert "admin" in state.roles
    assert state.expires_at.tzinfo is not None and state.expires_at > datetime.now(UTC)
    assert state.body["token"]["project"]["name"] == "admin"
    types = set(state.catalog.service_types())
    assert {"compute", "image", "network", "identity", "object-store", "compute-vnext"} <= types
    assert state.catalog.url("identity").startswith("http://")
    assert state.catalog.url("object-store").endswith(f"AUTH_{state.project_id}")
    assert state.catalog.url("compute", "publicURL") == state.catalog.url("compute", "public")
    region = state.catalog.endpoints("compute")[0].region
    assert state.catalog.url("compute", region=region) == state.catalog.url("compute")
    with pytest.raises(EndpointNotFound, match="no-such-service"):
        state.catalog.url("no-such-service")
    with pytest.raises(EndpointNotFound, match="nowhere"):
        state.catalog.url("compute", region="nowhere")
    # the token works on a service
    resp = driver.runner.client.get("/identity/v3/auth/projects", headers={"X-Auth-Token": state.token})
    assert resp.status_code == 200


def test_auth_url_forms_and_ids(driver: Driver) -> None:
    first = driver.run(password("demo", DEMO_PASSWORD, project_name="demo").authenticate())
    by_id = Authenticator(
        "http://testserver/identity/",
        auth_type="v3password",
        auth={"user_id": first.user_id, "password": DEMO_PASSWORD, "project_id": first.project_id},
    )
    assert by_id.auth_url == AUTH_URL
    state = driver.run(by_id.authenticate())
    assert (state.user_id, state.project_id) == (first.user_id, first.project_id)
    assert driver.requests[-1].url == f"{AUTH_URL}/auth/tokens"


def test_domain_scope(driver: Driver, client: TestClient) -> None:
    system = driver.run(password("admin", ADMIN_PASSWORD, system_scope="all").authenticate())
    roles = client.get("/identity/v3/roles", params={"name": "admin"}, headers={"X-Auth-Token": system.token})
    role_id = roles.json()["roles"][0]["id"]
    grant = f"/identity/v3/domains/default/users/{system.user_id}/roles/{role_id}"
    assert client.put(grant, headers={"X-Auth-Token": system.token}).status_code == 204

    state = driver.run(password("admin", ADMIN_PASSWORD, domain_name="Default").authenticate())
    assert state.domain_id == "default"
    by_id = driver.run(password("admin", ADMIN_PASSWORD, domain_id="default").authenticate())
    assert by_id.domain_id == "default"
    assert state.domain_id is not None
    assert state.project_id is None and not state.system
    assert state.roles


def test_system_scope(driver: Driver) -> None:
    state = driver.run(password("admin", ADMIN_PASSWORD, system_scope="all").authenticate())
    assert state.system
    assert state.project_id is None and state.domain_id is None
    assert "admin" in state.roles
    assert "identity" in state.catalog.service_types()


def test_no_scope_sends_none_and_keystone_picks_the_default_project(driver: Driver) -> None:
    state = driver.run(password("demo", DEMO_PASSWORD).authenticate())
    sent = driver.requests[-1].content
    assert isinstance(sent, bytes) and b'"scope"' not in sent
    assert state.body["token"].get("project", {}).get("name") in (None, "demo")


def test_token_exchange_gives_a_scoped_token_with_catalog(driver: Driver) -> None:
    unscoped = driver.run(password("demo", DEMO_PASSWORD).authenticate())
    auth = Authenticator(AUTH_URL, auth_type="token", auth={"token": unscoped.token, "project_name": "demo"})
    state = driver.run(auth.authenticate())
    assert state.token != unscoped.token
    assert state.project_id is not None
    assert state.user_id == unscoped.user_id
    assert "compute" in state.catalog.service_types()
    assert "token" in state.body["token"]["methods"]


def test_application_credential_by_id_and_by_name(driver: Driver, client: TestClient) -> None:
    admin = driver.run(password("admin", ADMIN_PASSWORD, project_name="admin").authenticate())
    resp = client.post(
        f"/identity/v3/users/{admin.user_id}/application_credentials",
        json={"application_credential": {"name": "sdk-test"}},
        headers={"X-Auth-Token": admin.token},
    )
    assert resp.status_code == 201, resp.text
    cred = resp.json()["application_credential"]
    by_id = Authenticator(
        AUTH_URL,
        auth_type="v3applicationcredential",
        auth={"application_credential_id": cred["id"], "application_credential_secret": cred["secret"]},
    )
    state = driver.run(by_id.authenticate())
    assert state.project_id == admin.project_id
    assert "compute" in state.catalog.service_types()
    sent = driver.requests[-1].content
    assert isinstance(sent, bytes) and b'"scope"' not in sent

    by_name = load(
        config_files=[],
        env={},
        auth_url="http://testserver/identity",
        application_credential_name="sdk-test",
        username="admin",
        application_credential_secret=cred["secret"],
    ).authenticator()
    assert by_name.auth_type == "v3applicationcredential"
    assert driver.run(by_name.authenticate()).project_id == admin.project_id

    wrong = Authenticator(
        AUTH_URL,
        auth_type="v3applicationcredential",
        auth={"application_credential_id": cred["id"], "application_credential_secret": "not-the-secret"},
    )
    with pytest.raises(Unauthorized) as info:
        driver.run(wrong.authenticate())
    assert "not-the-secret" not in str(info.value)


def test_wrong_password_is_unauthorized_without_the_password(driver: Driver) -> None:
    auth = password("admin", "wrong-password-xyz", project_name="admin")
    with pytest.raises(Unauthorized) as info:
        driver.run(auth.authenticate())
    exc = info.value
    assert exc.status_code == 401
    assert exc.request_id
    assert exc.method == "POST" and exc.url == f"{AUTH_URL}/auth/tokens"
    assert "wrong-password-xyz" not in str(exc)
    assert "wrong-password-xyz" not in repr(exc.details)
    assert auth.cached is None


def test_state_caches_and_reauthenticates_when_expiring(driver: Driver) -> None:
    auth = password("demo", DEMO_PASSWORD, project_name="demo")
    first = driver.run(auth.state())
    assert len(driver.requests) == 1
    assert driver.run(auth.state()) is first
    assert len(driver.requests) == 1

    auth.adopt(replace(first, expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    second = driver.run(auth.state())
    assert len(driver.requests) == 2
    assert second.expires_at > datetime.now(UTC)

    # expiring within the margin
    auth.adopt(replace(second, expires_at=datetime.now(UTC) + timedelta(seconds=30), issued_at=None))
    driver.run(auth.state(margin=60))
    assert len(driver.requests) == 3

    # invalidate only drops the token it names
    current = auth.cached
    assert current is not None
    auth.invalidate("some-other-token")
    assert auth.cached is current
    auth.invalidate(current.token)
    assert auth.cached is None
    driver.run(auth.state())
    assert len(driver.requests) == 4


def test_expired_token_auth_cannot_reauthenticate(driver: Driver, client: TestClient) -> None:
    unscoped = driver.run(password("demo", DEMO_PASSWORD).authenticate())
    auth = Authenticator(AUTH_URL, auth_type="token", auth={"token": unscoped.token, "project_name": "demo"})
    driver.run(auth.state())
    resp = client.delete(
        "/identity/v3/auth/tokens",
        headers={"X-Auth-Token": unscoped.token, "X-Subject-Token": unscoped.token},
    )
    assert resp.status_code == 204
    auth.invalidate()
    with pytest.raises(Unauthorized):
        driver.run(auth.state())


def test_config_to_authenticator_end_to_end(driver: Driver, tmp_path: Path) -> None:
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(
        "clouds:\n"
        "  pocket:\n"
        "    auth:\n"
        "      auth_url: http://testserver/identity\n"
        "      username: demo\n"
        "      project_name: demo\n"
        "    compute_api_version: 2.90\n"
    )
    (tmp_path / "secure.yaml").write_text(f"clouds:\n  pocket:\n    auth:\n      password: {DEMO_PASSWORD}\n")
    config = load("pocket", config_files=[clouds], env={})
    assert config.api_versions == {"compute": "2.90"}
    state = driver.run(config.authenticator().authenticate())
    assert state.project_id is not None
