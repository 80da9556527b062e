"""A project's unified limits (set with the identity API) are its account's quota in Swift."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.functional.conftest import auth_headers
from tests.functional.object_api_support import V3, Swift, account_of, find_id


def _object_store(client: TestClient, admin_token: str) -> str:
    services = client.get(
        f"{V3}/services", params={"type": "object-store"}, headers=auth_headers(admin_token)
    )
    return services.json()["services"][0]["id"]


def _post(client: TestClient, admin_token: str, kind: str, items: list[dict]) -> None:
    resp = client.post(f"{V3}/{kind}", json={kind: items}, headers=auth_headers(admin_token))
    assert resp.status_code == 201, resp.text


def test_a_project_limit_is_the_accounts_quota(client: TestClient, admin_token: str, demo_token: str) -> None:
    service = _object_store(client, admin_token)
    project = find_id(client, admin_token, "projects", "demo")
    _post(
        client,
        admin_token,
        "registered_limits",
        [
            {"service_id": service, "resource_name": "object_count", "default_limit": -1},
            {"service_id": service, "resource_name": "object_megabytes", "default_limit": -1},
        ],
    )
    demo = Swift(client, account_of(client, admin_token, "demo"), demo_token)
    assert demo.request("PUT", "c").status_code == 201
    assert demo.request("PUT", "c/one", content=b"1").status_code == 201
    _post(
        client,
        admin_token,
        "limits",
        [
            {
                "service_id": service,
                "resource_name": "object_count",
                "resource_limit": 2,
                "project_id": project,
            },
            {
                "service_id": service,
                "resource_name": "object_megabytes",
                "resource_limit": 1,
                "project_id": project,
            },
        ],
    )
    assert demo.request("PUT", "c/two", content=b"x" * (1024 * 1024 - 1)).status_code == 201
    over = demo.request("PUT", "c/three", content=b"3")
    assert over.status_code == 413
    assert over.text == "Upload exceeds quota."
    assert demo.request("DELETE", "c/one").status_code == 204
    too_big = demo.request("PUT", "c/three", content=b"xx")  # one byte beyond 1 MiB
    assert too_big.status_code == 413 and too_big.text == "Upload exceeds quota."
    assert demo.request("PUT", "c/three", content=b"x").status_code == 201
    head = demo.request("HEAD")
    assert head.headers["X-Account-Object-Count"] == "2"
    assert head.headers["X-Account-Bytes-Used"] == str(1024 * 1024)
