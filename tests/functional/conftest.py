"""The whole app in-process: a Starlette TestClient over a freshly bootstrapped cloud."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pocketstack.api.app import build_app
from pocketstack.cloud import Cloud, build_cloud
from pocketstack.config import Settings
from pocketstack.core.identity.bootstrap import Account, bootstrap
from tests.conftest import ADMIN_PASSWORD, DEMO_PASSWORD

# Password hashing at a throwaway cloud's cost: every test bootstraps two users (the default
# cost is tested in tests/unit/test_passwords.py).
CHEAP_HASHES = {"password_hash_time_cost": 1, "password_hash_memory_kib": 1024}


@pytest.fixture
def cloud(tmp_path: Path, database_url: str) -> Iterator[Cloud]:
    settings = Settings(data_dir=tmp_path, database_url=database_url, port=5000, **CHEAP_HASHES)
    cloud = build_cloud(settings)
    accounts = [
        Account("admin", "admin", "admin", ADMIN_PASSWORD),
        Account("demo", "demo", "member", DEMO_PASSWORD),
    ]
    bootstrap(cloud.db, cloud.verifier, accounts, settings.base_url, settings.region)
    yield cloud
    cloud.close()


@pytest.fixture
def client(cloud: Cloud) -> Iterator[TestClient]:
    with TestClient(build_app(cloud), base_url="http://testserver") as c:
        yield c


@pytest.fixture
def two_store_cloud(cloud: Cloud, tmp_path: Path) -> Iterator[Cloud]:
    """The same database with two image stores, ``fast`` (the default) and ``cheap``."""
    stores = f"fast={tmp_path / 'fast'},cheap={tmp_path / 'cheap'}"
    other = build_cloud(replace(cloud.settings, image_stores=stores))
    yield other
    other.close()


@pytest.fixture
def two_store_client(two_store_cloud: Cloud) -> Iterator[TestClient]:
    with TestClient(build_app(two_store_cloud), base_url="http://testserver") as c:
        yield c


def password_auth(user: str, password: str, project: str | None = None, domain: str = "Default") -> dict:
    body: dict = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": user, "domain": {"name": domain}, "password": password}},
            }
        }
    }
    if project is not None:
        body["auth"]["scope"] = {"project": {"name": project, "domain": {"name": domain}}}
    return body


def issue_token(client: TestClient, user: str, password: str, project: str | None = None) -> str:
    resp = client.post("/identity/v3/auth/tokens", json=password_auth(user, password, project))
    assert resp.status_code == 201, resp.text
    return resp.headers["X-Subject-Token"]


@pytest.fixture
def admin_token(client: TestClient) -> str:
    return issue_token(client, "admin", ADMIN_PASSWORD, "admin")


@pytest.fixture
def system_admin_token(client: TestClient) -> str:
    body = password_auth("admin", ADMIN_PASSWORD)
    body["auth"]["scope"] = {"system": {"all": True}}
    resp = client.post("/identity/v3/auth/tokens", json=body)
    assert resp.status_code == 201, resp.text
    return resp.headers["X-Subject-Token"]


@pytest.fixture
def demo_token(client: TestClient) -> str:
    return issue_token(client, "demo", DEMO_PASSWORD, "demo")


def auth_headers(token: str) -> dict[str, str]:
    return {"X-Auth-Token": token}
