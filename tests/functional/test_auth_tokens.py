"""Issuing, validating and revoking tokens through POST/GET/HEAD/DELETE /v3/auth/tokens."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD, DEMO_PASSWORD
from tests.functional.conftest import auth_headers, issue_token, password_auth

TOKENS = "/identity/v3/auth/tokens"


def test_project_scoped_token_has_roles_catalog_and_expiry(client: TestClient) -> None:
    resp = client.post(TOKENS, json=password_auth("admin", ADMIN_PASSWORD, "admin"))
    assert resp.status_code == 201
    token = resp.json()["token"]
    assert token["methods"] == ["password"]
    assert token["project"]["name"] == "admin"
    assert token["user"]["domain"] == {"id": "default", "name": "Default"}
    assert {r["name"] for r in token["roles"]} == {"admin", "manager", "member", "reader"}
    services = {"identity", "image", "compute", "compute-vnext", "network", "operator", "object-store"}
    assert {s["type"] for s in token["catalog"]} == services
    assert token["expires_at"] > token["issued_at"]
    assert len(token["audit_ids"]) == 1
    assert resp.headers["x-openstack-request-id"].startswith("req-")


def test_wrong_password_and_unknown_user_get_identical_401(client: TestClient) -> None:
    wrong = client.post(TOKENS, json=password_auth("demo", "not-the-password"))
    unknown = client.post(TOKENS, json=password_auth("nobody-at-all", "whatever"))
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["title"] == "Unauthorized"


def test_validate_check_and_revoke(client: TestClient) -> None:
    admin = issue_token(client, "admin", ADMIN_PASSWORD, "admin")
    demo = issue_token(client, "demo", DEMO_PASSWORD, "demo")
    headers = {**auth_headers(admin), "X-Subject-Token": demo}
    resp = client.get(TOKENS, headers=headers)
    assert resp.status_code == 200
    assert resp.json()["token"]["user"]["name"] == "demo"
    assert client.head(TOKENS, headers=headers).status_code == 200
    assert client.delete(TOKENS, headers=headers).status_code == 204
    assert client.get(TOKENS, headers=headers).status_code == 404
    assert client.get("/identity/v3/auth/projects", headers=auth_headers(demo)).status_code == 401
    assert client.get("/identity/v3/auth/projects", headers=auth_headers(admin)).status_code == 200


def test_tampered_token_is_401_on_use_and_404_on_validation(client: TestClient, admin_token: str) -> None:
    demo = issue_token(client, "demo", DEMO_PASSWORD, "demo")
    middle = len(demo) // 2
    tampered = demo[:middle] + ("A" if demo[middle] != "A" else "B") + demo[middle + 1 :]
    assert client.get("/identity/v3/auth/projects", headers=auth_headers(tampered)).status_code == 401
    headers = {**auth_headers(admin_token), "X-Subject-Token": tampered}
    assert client.get(TOKENS, headers=headers).status_code == 404


def test_malformed_json_is_400_and_oversize_body_is_413(client: TestClient) -> None:
    resp = client.post(TOKENS, content=b"{not json", headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == 400
    big = b'{"auth": "' + b"x" * 200_000 + b'"}'
    resp = client.post(TOKENS, content=big, headers={"Content-Type": "application/json"})
    assert resp.status_code == 413


def test_rescoped_token_never_outlives_its_parent(client: TestClient) -> None:
    unscoped = client.post(TOKENS, json=password_auth("demo", DEMO_PASSWORD))
    assert unscoped.status_code == 201
    parent = unscoped.json()["token"]
    body = {
        "auth": {
            "identity": {"methods": ["token"], "token": {"id": unscoped.headers["X-Subject-Token"]}},
            "scope": {"project": {"name": "demo", "domain": {"id": "default"}}},
        }
    }
    resp = client.post(TOKENS, json=body)
    assert resp.status_code == 201
    child = resp.json()["token"]
    assert child["expires_at"] <= parent["expires_at"]
    assert child["audit_ids"][1] == parent["audit_ids"][0]
    assert child["project"]["name"] == "demo"


def _token_auth(token: str, project: str | None = None) -> dict:
    body: dict = {"auth": {"identity": {"methods": ["token"], "token": {"id": token}}}}
    if project is not None:
        body["auth"]["scope"] = {"project": {"name": project, "domain": {"id": "default"}}}
    return body


def test_a_revoked_token_cannot_buy_a_new_one(client: TestClient, admin_token: str) -> None:
    demo = issue_token(client, "demo", DEMO_PASSWORD, "demo")
    resp = client.delete(TOKENS, headers={**auth_headers(demo), "X-Subject-Token": demo})
    assert resp.status_code == 204
    assert (
        client.get(TOKENS, headers={**auth_headers(admin_token), "X-Subject-Token": demo}).status_code == 404
    )
    for scope in (None, "demo"):
        resp = client.post(TOKENS, json=_token_auth(demo, scope))
        assert resp.status_code == 401, resp.text
        assert "X-Subject-Token" not in resp.headers


def test_token_method_needs_an_enabled_user_and_a_role_still_held(
    client: TestClient, admin_token: str
) -> None:
    admin = auth_headers(admin_token)
    demo = issue_token(client, "demo", DEMO_PASSWORD, "demo")
    listed = client.get("/identity/v3/users?name=demo", headers=admin).json()["users"]
    user_id = listed[0]["id"]
    project_id = client.get("/identity/v3/projects?name=demo", headers=admin).json()["projects"][0]["id"]
    role_id = client.get("/identity/v3/roles?name=member", headers=admin).json()["roles"][0]["id"]
    grant = f"/identity/v3/projects/{project_id}/users/{user_id}/roles/{role_id}"
    assert client.delete(grant, headers=admin).status_code == 204
    assert client.post(TOKENS, json=_token_auth(demo)).status_code == 401
    assert client.put(grant, headers=admin).status_code == 204

    unscoped = client.post(TOKENS, json=password_auth("demo", DEMO_PASSWORD))
    assert unscoped.status_code == 201
    subject = unscoped.headers["X-Subject-Token"]
    resp = client.patch(f"/identity/v3/users/{user_id}", json={"user": {"enabled": False}}, headers=admin)
    assert resp.status_code == 200
    assert client.post(TOKENS, json=_token_auth(subject, "demo")).status_code == 401
