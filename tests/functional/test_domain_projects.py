"""Projects that act as domains (``is_domain``): /v3/projects creates, shows, updates and
deletes the domain, as Keystone does."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.functional.conftest import auth_headers

V3 = "/identity/v3"


def test_is_domain_project_lifecycle(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    body = {"project": {"name": "acme", "description": "d", "domain_id": None, "is_domain": True}}
    resp = client.post(f"{V3}/projects", json=body, headers=h)
    assert resp.status_code == 201, resp.text
    project = resp.json()["project"]
    assert project["is_domain"] is True and project["domain_id"] is None and project["name"] == "acme"
    domains = client.get(f"{V3}/domains", headers=h).json()["domains"]
    assert project["id"] in [d["id"] for d in domains]
    listed = client.get(f"{V3}/projects", params={"is_domain": "true"}, headers=h).json()["projects"]
    assert project["id"] in [p["id"] for p in listed]
    url = f"{V3}/projects/{project['id']}"
    assert client.get(url, headers=h).json()["project"]["is_domain"] is True

    assert client.delete(url, headers=h).status_code == 403  # still enabled
    resp = client.patch(url, json={"project": {"enabled": False}}, headers=h)
    assert resp.status_code == 200 and resp.json()["project"]["enabled"] is False
    assert client.get(f"{V3}/domains/{project['id']}", headers=h).json()["domain"]["enabled"] is False
    assert client.delete(url, headers=h).status_code == 204
    assert client.get(f"{V3}/domains/{project['id']}", headers=h).status_code == 404
    assert client.get(url, headers=h).status_code == 404


def test_is_domain_project_rules(client: TestClient, admin_token: str, demo_token: str) -> None:
    h = auth_headers(admin_token)
    body = {"project": {"name": "nested", "is_domain": True, "domain_id": "default"}}
    assert client.post(f"{V3}/projects", json=body, headers=h).status_code == 400
    body = {"project": {"name": "mine", "is_domain": True}}
    assert client.post(f"{V3}/projects", json=body, headers=auth_headers(demo_token)).status_code == 403
