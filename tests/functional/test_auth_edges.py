"""Scopes, refusals and the common machinery around authentication."""

from __future__ import annotations

from starlette.testclient import TestClient

from pocketstack.api.common.routing import Endpoint, build_router
from pocketstack.api.identity_v3.errors import render_error
from pocketstack.cloud import Cloud
from tests.conftest import ADMIN_PASSWORD, DEMO_PASSWORD
from tests.functional.conftest import auth_headers, issue_token, password_auth

TOKENS = "/identity/v3/auth/tokens"


def with_scope(user: str, password: str, scope: object) -> dict:
    body = password_auth(user, password)
    body["auth"]["scope"] = scope
    return body


def test_system_scoped_token_for_the_admin(client: TestClient) -> None:
    resp = client.post(TOKENS, json=with_scope("admin", ADMIN_PASSWORD, {"system": {"all": True}}))
    assert resp.status_code == 201
    token = resp.json()["token"]
    assert token["system"] == {"all": True}
    assert "admin" in {r["name"] for r in token["roles"]}
    system = client.get("/identity/v3/auth/system", headers=auth_headers(resp.headers["X-Subject-Token"]))
    assert system.json()["system"] == [{"all": True}]


def test_scope_without_a_role_is_refused(client: TestClient) -> None:
    demo_on_admin = password_auth("demo", DEMO_PASSWORD, "admin")
    assert client.post(TOKENS, json=demo_on_admin).status_code == 401
    demo_system = with_scope("demo", DEMO_PASSWORD, {"system": {"all": True}})
    assert client.post(TOKENS, json=demo_system).status_code == 401
    demo_domain = with_scope("demo", DEMO_PASSWORD, {"domain": {"id": "default"}})
    assert client.post(TOKENS, json=demo_domain).status_code == 401


def test_unscoped_token_has_no_roles_or_catalog_and_cannot_read_the_catalog(client: TestClient) -> None:
    resp = client.post(TOKENS, json=with_scope("demo", DEMO_PASSWORD, "unscoped"))
    assert resp.status_code == 201
    token = resp.json()["token"]
    assert "roles" not in token and "catalog" not in token and "project" not in token
    headers = auth_headers(resp.headers["X-Subject-Token"])
    assert client.get("/identity/v3/auth/catalog", headers=headers).status_code == 403
    projects = client.get("/identity/v3/auth/projects", headers=headers).json()["projects"]
    assert [p["name"] for p in projects] == ["demo"]


def test_default_project_is_used_when_no_scope_is_asked(client: TestClient) -> None:
    resp = client.post(TOKENS, json=password_auth("demo", DEMO_PASSWORD))
    assert resp.status_code == 201
    assert resp.json()["token"]["project"]["name"] == "demo"


def test_nocatalog_leaves_the_catalog_out(client: TestClient) -> None:
    resp = client.post(TOKENS + "?nocatalog", json=password_auth("demo", DEMO_PASSWORD, "demo"))
    assert resp.status_code == 201
    assert "catalog" not in resp.json()["token"]


def test_huge_password_and_method_floods_are_refused(client: TestClient) -> None:
    huge = client.post(TOKENS, json=password_auth("demo", "x" * 50_000))
    assert huge.status_code == 401
    flood = password_auth("demo", DEMO_PASSWORD)
    flood["auth"]["identity"]["methods"] = ["password"] * 5000
    assert client.post(TOKENS, json=flood).status_code in (400, 413)
    odd = password_auth("demo", DEMO_PASSWORD)
    odd["auth"]["identity"]["methods"] = ["kerberos"]
    assert client.post(TOKENS, json=odd).status_code == 401


def test_bad_shapes_are_400_in_keystone_envelope(client: TestClient) -> None:
    for body in ({}, {"auth": {}}, {"auth": {"identity": {"methods": "password"}}}, [1, 2]):
        resp = client.post(TOKENS, json=body)
        assert resp.status_code == 400, body
        assert set(resp.json()["error"]) == {"code", "title", "message"}
    two_scopes = with_scope("demo", DEMO_PASSWORD, {"project": {"id": "x"}, "domain": {"id": "y"}})
    assert client.post(TOKENS, json=two_scopes).status_code == 400


def test_missing_token_is_401_with_www_authenticate(client: TestClient) -> None:
    resp = client.get("/identity/v3/auth/projects")
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith("Keystone uri=")
    assert resp.json()["error"]["title"] == "Unauthorized"


def test_unknown_path_and_method_answer_in_keystone_envelope(client: TestClient, admin_token: str) -> None:
    resp = client.get("/identity/v3/no-such-thing", headers=auth_headers(admin_token))
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == 404
    resp = client.put("/identity/v3/auth/catalog", headers=auth_headers(admin_token))
    assert resp.status_code == 405
    assert "GET" in resp.headers["Allow"]


def test_a_method_no_route_knows_is_a_405_in_the_service_envelope(client: TestClient) -> None:
    """Found by the fuzz test: PROPFIND or TRACE got Starlette's bare text 405."""
    for method in ("PROPFIND", "TRACE"):
        resp = client.request(method, "/identity/v3/auth/catalog")
        assert resp.status_code == 405
        assert resp.json()["error"]["code"] == 405 and "GET" in resp.headers["Allow"]
        resp = client.request(method, "/compute/v2.1/servers")
        assert resp.status_code == 405 and resp.json()["badMethod"]["code"] == 405
        resp = client.request(method, "/image/v2/images")
        assert resp.status_code == 405 and resp.json()["error"]["code"] == 405


def test_a_path_no_mount_takes_answers_in_the_envelope_of_its_service(client: TestClient) -> None:
    """Found by the fuzz test: a newline inside a path got Starlette's bare text 404."""
    assert client.get("/identity/v3/us%0Aers").json()["error"]["code"] == 404
    assert client.get("/compute/v2.1/servers/a%0Ab").json()["itemNotFound"]["code"] == 404
    assert client.get("/image/v2/images/a%0Ab").json()["error"]["code"] == 404
    assert client.get("/network/v2.0/networks/a%0Ab").json()["NeutronError"]["type"]
    assert client.get("/nowhere/a%0Ab").status_code == 404


def test_version_discovery(client: TestClient) -> None:
    root = client.get("/identity")
    assert root.status_code == 300
    (version,) = root.json()["versions"]["values"]
    assert version["status"] == "stable"
    assert version["links"][0]["href"] == "http://testserver/identity/v3/"
    assert client.get("/identity/v3").json()["version"]["id"] == version["id"]


def test_an_unexpected_error_is_a_500_that_leaks_nothing(cloud: Cloud) -> None:
    def explode(req: object) -> None:
        raise RuntimeError("secret detail /etc/shadow")

    router = build_router([Endpoint("GET", "/boom", explode, None, authenticated=False)], cloud, render_error)
    with TestClient(router, raise_server_exceptions=False) as c:
        resp = c.get("/boom")
    assert resp.status_code == 500
    assert "secret" not in resp.text and "RuntimeError" not in resp.text
    assert resp.json()["error"]["code"] == 500


def test_token_of_one_user_validated_by_another_is_forbidden(client: TestClient) -> None:
    demo = issue_token(client, "demo", DEMO_PASSWORD, "demo")
    admin = issue_token(client, "admin", ADMIN_PASSWORD, "admin")
    headers = {**auth_headers(demo), "X-Subject-Token": admin}
    assert client.get(TOKENS, headers=headers).status_code == 403
    own = {**auth_headers(demo), "X-Subject-Token": demo}
    assert client.get(TOKENS, headers=own).status_code == 200
