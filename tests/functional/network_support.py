"""Helpers of the Network v2 tests: the API root, calls that must succeed, and a third project
(``other``, a member) to test what one project sees of another's resources."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.identity.bootstrap import Account, bootstrap
from pocketstack.core.network.seed import seed_public_network
from tests.functional.conftest import issue_token

NET = "/network/v2.0"
OTHER_PASSWORD = "other-secret-pw"


def hdr(token: str, **extra: str) -> dict[str, str]:
    return {"X-Auth-Token": token, **extra}


def ok(resp: httpx.Response, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    return resp.json() if resp.content else None


def error(resp: httpx.Response, status: int, kind: str | None = None) -> dict[str, Any]:
    """The NeutronError of a failed call, checked for status and (when given) type."""
    assert resp.status_code == status, resp.text
    body = resp.json()["NeutronError"]
    assert set(body) == {"type", "message", "detail"}
    if kind is not None:
        assert body["type"] == kind, body
    return body


def create(client: TestClient, token: str, kind: str, status: int = 201, **attrs: Any) -> dict[str, Any]:
    path = {"address_scope": "address-scopes", "rbac_policy": "rbac-policies"}.get(
        kind, kind.replace("_", "-") + "s"
    )
    return ok(client.post(f"{NET}/{path}", json={kind: attrs}, headers=hdr(token)), status)[kind]


def project_of(client: TestClient, token: str) -> str:
    """The id of the project a token is scoped to."""
    resp = client.get("/identity/v3/auth/tokens", headers={"X-Auth-Token": token, "X-Subject-Token": token})
    return resp.json()["token"]["project"]["id"]


def network_with_subnet(
    client: TestClient, token: str, cidr: str = "10.0.0.0/24", **subnet: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    net = create(client, token, "network", name="net")
    sub = create(client, token, "subnet", network_id=net["id"], ip_version=4, cidr=cidr, **subnet)
    return net, sub


@pytest.fixture
def other_token(cloud: Cloud, client: TestClient) -> str:
    """A member of a third project, ``other``."""
    account = Account("other", "other", "member", OTHER_PASSWORD)
    bootstrap(cloud.db, cloud.verifier, [account], cloud.settings.base_url, cloud.settings.region)
    return issue_token(client, "other", OTHER_PASSWORD, "other")


@pytest.fixture
def public_network(cloud: Cloud) -> str:
    network_id = seed_public_network(
        cloud.db, cloud.settings.public_network_cidr, cloud.settings.public_network_pool
    )
    assert network_id is not None
    return network_id
