"""Policy regressions: who may download image data, which token scopes each API accepts, and
what the image store listing tells a non-admin."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from tests.conftest import ADMIN_PASSWORD
from tests.functional.conftest import auth_headers, issue_token, password_auth
from tests.functional.image_support import create_image, download, upload

V3 = "/identity/v3"
SERVERS = "/compute/v2.1/servers"
STORES = "/image/v2/info/stores"


def _scoped_token(client: TestClient, user: str, password: str, scope: dict) -> str:
    body = password_auth(user, password)
    body["auth"]["scope"] = scope
    resp = client.post(f"{V3}/auth/tokens", json=body)
    assert resp.status_code == 201, resp.text
    return resp.headers["X-Subject-Token"]


def _id(client: TestClient, admin_token: str, collection: str, name: str) -> str:
    resp = client.get(f"{V3}/{collection}?name={name}", headers=auth_headers(admin_token))
    return resp.json()[collection][0]["id"]


@pytest.fixture
def reader_token(client: TestClient, admin_token: str) -> str:
    """A user holding only ``reader`` on the demo project."""
    a = auth_headers(admin_token)
    user = client.post(f"{V3}/users", json={"user": {"name": "viewer", "password": "viewer-pw"}}, headers=a)
    demo = _id(client, admin_token, "projects", "demo")
    reader = _id(client, admin_token, "roles", "reader")
    grant = client.put(f"{V3}/projects/{demo}/users/{user.json()['user']['id']}/roles/{reader}", headers=a)
    assert grant.status_code == 204
    return issue_token(client, "viewer", "viewer-pw", "demo")


@pytest.fixture
def domain_admin_token(client: TestClient, admin_token: str) -> str:
    admin = _id(client, admin_token, "users", "admin")
    role = _id(client, admin_token, "roles", "admin")
    url = f"{V3}/domains/default/users/{admin}/roles/{role}"
    assert client.put(url, headers=auth_headers(admin_token)).status_code == 204
    return _scoped_token(client, "admin", ADMIN_PASSWORD, {"domain": {"id": "default"}})


# -- image data: readers see, members download ------------------------------------------------


def test_a_reader_may_not_download_a_private_image_of_its_project(
    client: TestClient, demo_token: str, reader_token: str
) -> None:
    image_id = create_image(client, demo_token, name="secret", visibility="private")
    assert upload(client, demo_token, image_id, b"private bytes").status_code == 204
    assert client.get(f"/image/v2/images/{image_id}", headers=auth_headers(reader_token)).status_code == 200
    refused = download(client, reader_token, image_id)
    assert refused.status_code == 403
    assert "image:images:download" in refused.json()["error"]["message"]
    allowed = download(client, demo_token, image_id)
    assert allowed.status_code == 200 and allowed.content == b"private bytes"


def test_a_member_of_another_project_downloads_a_public_image(
    client: TestClient, admin_token: str, demo_token: str
) -> None:
    image_id = create_image(client, admin_token, name="pub", visibility="public")
    assert upload(client, admin_token, image_id, b"public bytes").status_code == 204
    assert download(client, demo_token, image_id).content == b"public bytes"


# -- scope: compute and image want project-scoped tokens, identity takes every scope ----------


PROJECT_APIS = [
    ("GET", SERVERS),
    ("GET", f"{SERVERS}/detail"),
    ("POST", SERVERS),
    ("GET", "/compute/v2.1/os-hypervisors"),  # admin only, yet project-scoped as in Nova
    ("GET", "/compute/v2.1/os-services"),
    ("GET", "/compute/v2.1/os-keypairs"),
    ("GET", "/compute/v2.1/flavors"),
    ("GET", "/compute/v2.1/limits"),
    ("GET", "/image/v2/images"),
    ("POST", "/image/v2/images"),
    ("GET", "/image/v2/info/usage"),
    ("GET", f"{STORES}/detail"),
]


@pytest.mark.parametrize("scope", ["system", "domain"])
def test_admin_tokens_of_other_scopes_are_refused_by_project_apis(
    client: TestClient, request: pytest.FixtureRequest, scope: str
) -> None:
    h = auth_headers(request.getfixturevalue(f"{scope}_admin_token"))
    server = {"server": {"name": "x", "flavorRef": "1", "networks": "auto"}}
    for method, path in PROJECT_APIS:
        body = (server if path == SERVERS else {"name": "x"}) if method == "POST" else None
        resp = client.request(method, path, json=body, headers=h)
        assert resp.status_code == 403, (method, path, resp.text)
        assert f"this one is {scope}" in resp.text, (method, path, resp.text)
    assert client.get(SERVERS, headers=h).json() == {
        "forbidden": {
            "code": 403,
            "message": "You are not authorized to perform the requested action: "
            f"os_compute_api:servers:index. It needs a project-scoped token; this one is {scope}.",
        }
    }


def test_a_system_scoped_admin_still_runs_identity(client: TestClient, system_admin_token: str) -> None:
    h = auth_headers(system_admin_token)
    assert client.get(f"{V3}/users", headers=h).status_code == 200
    assert client.get(f"{V3}/projects", headers=h).status_code == 200
    # Discovery that Glance guards with no rule answers any token.
    assert client.get(STORES, headers=h).status_code == 200
    assert client.get("/image/v2/schemas/image", headers=h).status_code == 200


def test_a_project_scoped_admin_reaches_the_admin_apis(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    assert client.get(SERVERS, headers=h).json() == {"servers": []}
    assert client.get("/compute/v2.1/os-hypervisors", headers=h).status_code == 200
    assert client.get(f"{SERVERS}?all_tenants=1", headers=h).status_code == 200
    assert client.get("/image/v2/images", headers=h).status_code == 200


# -- image stores: where the data lives is for admins -----------------------------------------


def test_store_list_shows_no_path_and_detail_is_for_admins(
    client: TestClient, cloud: Cloud, admin_token: str, demo_token: str, reader_token: str
) -> None:
    data_dir = str(cloud.settings.data_dir)
    for token in (demo_token, reader_token):
        resp = client.get(STORES, headers=auth_headers(token))
        assert resp.status_code == 200
        assert data_dir not in resp.text
        assert resp.json()["stores"] == [
            {"id": "default", "description": "Image store default", "default": True}
        ]
        detail = client.get(f"{STORES}/detail", headers=auth_headers(token))
        assert detail.status_code == 403 and data_dir not in detail.text
    detail = client.get(f"{STORES}/detail", headers=auth_headers(admin_token))
    assert detail.status_code == 200
    (store,) = detail.json()["stores"]
    assert store["id"] == "default" and store["default"] is True and store["type"] == "file"
    assert store["properties"]["data_dir"] == str(cloud.image_stores["default"].root)  # type: ignore[attr-defined]
