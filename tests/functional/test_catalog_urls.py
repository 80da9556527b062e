"""Catalog URLs as the token holder sees them ($(project_id)s filled in), the default roles,
and token expiry written the way Keystone writes it."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD, DEMO_PASSWORD
from tests.functional.conftest import auth_headers, password_auth
from tests.functional.test_catalog import TOKENS, V3, auth_catalog, entry, new_endpoint, new_service


def _urls(catalog: list[dict], service_id: str) -> dict[str, str]:
    found = entry(catalog, service_id)
    assert found is not None
    return {e["interface"]: e["url"] for e in found["endpoints"]}


def test_project_and_tenant_ids_are_substituted_in_project_scoped_catalogs(
    client: TestClient, admin_token: str
) -> None:
    service = new_service(client, admin_token, type="object-store", name="swift")
    new_endpoint(client, admin_token, service["id"], url="http://swift.example/v1/AUTH_$(project_id)s")
    new_endpoint(
        client, admin_token, service["id"], interface="internal", url="http://i.example/%(tenant_id)s"
    )
    new_endpoint(client, admin_token, service["id"], interface="admin", url="http://a.example/u/$(user_id)s")

    resp = client.post(TOKENS, json=password_auth("demo", DEMO_PASSWORD, "demo"))
    token = resp.json()["token"]
    project_id, user_id = token["project"]["id"], token["user"]["id"]
    expected = {
        "public": f"http://swift.example/v1/AUTH_{project_id}",
        "internal": f"http://i.example/{project_id}",
        "admin": f"http://a.example/u/{user_id}",
    }
    assert _urls(token["catalog"], service["id"]) == expected
    assert _urls(auth_catalog(client, resp.headers["X-Subject-Token"]), service["id"]) == expected

    # A system-scoped catalog cannot fill in a project: those endpoints are left out, as Keystone does.
    body = password_auth("admin", ADMIN_PASSWORD)
    body["auth"]["scope"] = {"system": {"all": True}}
    system = client.post(TOKENS, json=body)
    assert system.status_code == 201, system.text
    admin_id = system.json()["token"]["user"]["id"]
    assert _urls(system.json()["token"]["catalog"], service["id"]) == {
        "admin": f"http://a.example/u/{admin_id}"
    }
    # The stored endpoint keeps its template.
    stored = client.get(
        f"{V3}/endpoints?service_id={service['id']}&interface=public", headers=auth_headers(admin_token)
    )
    assert stored.json()["endpoints"][0]["url"] == "http://swift.example/v1/AUTH_$(project_id)s"


def test_expires_at_has_whole_seconds_and_rescoping_keeps_it(client: TestClient) -> None:
    resp = client.post(TOKENS, json=password_auth("demo", DEMO_PASSWORD, "demo"))
    expires = resp.json()["token"]["expires_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000Z", expires), expires
    rescope = {
        "auth": {
            "identity": {"methods": ["token"], "token": {"id": resp.headers["X-Subject-Token"]}},
            "scope": {"project": {"name": "demo", "domain": {"id": "default"}}},
        }
    }
    again = client.post(TOKENS, json=rescope)
    assert again.status_code == 201
    assert again.json()["token"]["expires_at"] == expires


def test_default_roles_and_their_implications(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    names = {r["name"] for r in client.get(f"{V3}/roles", headers=h).json()["roles"]}
    assert {"admin", "manager", "member", "reader", "service"} <= names
    rules = client.get(f"{V3}/role_inferences", headers=h).json()["role_inferences"]
    by_prior = {r["prior_role"]["name"]: sorted(i["name"] for i in r["implies"]) for r in rules}
    assert by_prior == {"admin": ["manager"], "manager": ["member"], "member": ["reader"]}
