"""OS-EP-FILTER: endpoint groups, project associations and the project's token catalog."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import DEMO_PASSWORD
from tests.functional.conftest import auth_headers, password_auth
from tests.functional.test_catalog import new_endpoint, new_service

V3 = "/identity/v3"
EP = f"{V3}/OS-EP-FILTER"


def _project_id(client: TestClient, token: str, name: str) -> str:
    resp = client.get(f"{V3}/projects", params={"name": name}, headers=auth_headers(token))
    return resp.json()["projects"][0]["id"]


def _new_group(client: TestClient, token: str, filters: dict, name: str = "g") -> dict:
    body = {"endpoint_group": {"name": name, "description": "d", "filters": filters}}
    resp = client.post(f"{EP}/endpoint_groups", json=body, headers=auth_headers(token))
    assert resp.status_code == 201, resp.text
    return resp.json()["endpoint_group"]


def _demo_catalog(client: TestClient) -> list[dict]:
    resp = client.post(f"{V3}/auth/tokens", json=password_auth("demo", DEMO_PASSWORD, "demo"))
    assert resp.status_code == 201
    return resp.json()["token"]["catalog"]


def test_endpoint_group_crud(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    svc = new_service(client, admin_token, type="extra")
    group = _new_group(client, admin_token, {"service_id": svc["id"]})
    assert group["name"] == "g" and group["filters"] == {"service_id": svc["id"]}
    assert group["links"]["self"].endswith(f"/v3/OS-EP-FILTER/endpoint_groups/{group['id']}")
    url = f"{EP}/endpoint_groups/{group['id']}"
    assert client.get(url, headers=h).json()["endpoint_group"] == group
    assert client.head(url, headers=h).status_code == 200
    listed = client.get(f"{EP}/endpoint_groups", headers=h).json()["endpoint_groups"]
    assert group in listed
    resp = client.patch(
        url, json={"endpoint_group": {"name": "g2", "filters": {"interface": "admin"}}}, headers=h
    )
    assert resp.status_code == 200
    assert resp.json()["endpoint_group"]["filters"] == {"interface": "admin"}
    assert resp.json()["endpoint_group"]["name"] == "g2"
    assert client.delete(url, headers=h).status_code == 204
    assert client.get(url, headers=h).status_code == 404


def test_bad_endpoint_groups_are_400(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    for filters in ({}, {"colour": "blue"}, {"interface": "sideways"}):
        body = {"endpoint_group": {"name": "g", "filters": filters}}
        resp = client.post(f"{EP}/endpoint_groups", json=body, headers=h)
        assert resp.status_code == 400, filters
        assert resp.json()["error"]["code"] == 400
    resp = client.post(
        f"{EP}/endpoint_groups", json={"endpoint_group": {"filters": {"interface": "public"}}}, headers=h
    )
    assert resp.status_code == 400


def test_only_admins_manage_endpoint_groups(client: TestClient, admin_token: str, demo_token: str) -> None:
    body = {"endpoint_group": {"name": "g", "filters": {"interface": "public"}}}
    resp = client.post(f"{EP}/endpoint_groups", json=body, headers=auth_headers(demo_token))
    assert resp.status_code == 403
    assert client.get(f"{EP}/endpoint_groups", headers=auth_headers(demo_token)).status_code == 403


def test_group_endpoints_and_projects(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    svc = new_service(client, admin_token, type="extra")
    ep = new_endpoint(client, admin_token, svc["id"])
    new_endpoint(client, admin_token, svc["id"], interface="internal")
    group = _new_group(client, admin_token, {"service_id": svc["id"], "interface": "public"})
    endpoints = client.get(f"{EP}/endpoint_groups/{group['id']}/endpoints", headers=h).json()["endpoints"]
    assert [e["id"] for e in endpoints] == [ep["id"]]

    demo = _project_id(client, admin_token, "demo")
    assoc = f"{EP}/endpoint_groups/{group['id']}/projects/{demo}"
    assert client.get(assoc, headers=h).status_code == 404
    assert client.put(assoc, headers=h).status_code == 204
    assert client.put(assoc, headers=h).status_code == 409
    shown = client.get(assoc, headers=h).json()["project_endpoint_group"]
    assert shown["project_id"] == demo and shown["endpoint_group_id"] == group["id"]
    projects = client.get(f"{EP}/endpoint_groups/{group['id']}/projects", headers=h).json()["projects"]
    assert [p["id"] for p in projects] == [demo]
    groups = client.get(f"{EP}/projects/{demo}/endpoint_groups", headers=h).json()["endpoint_groups"]
    assert [g["id"] for g in groups] == [group["id"]]
    project_eps = client.get(f"{EP}/projects/{demo}/endpoints", headers=h).json()["endpoints"]
    assert [e["id"] for e in project_eps] == [ep["id"]]
    assert client.delete(assoc, headers=h).status_code == 204
    assert client.delete(assoc, headers=h).status_code == 404
    assert client.put(f"{EP}/endpoint_groups/{group['id']}/projects/nope", headers=h).status_code == 404


def test_project_endpoint_associations(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    svc = new_service(client, admin_token, type="extra")
    ep = new_endpoint(client, admin_token, svc["id"])
    demo = _project_id(client, admin_token, "demo")
    url = f"{EP}/projects/{demo}/endpoints/{ep['id']}"
    assert client.head(url, headers=h).status_code == 404
    assert client.put(url, headers=h).status_code == 204
    assert client.head(url, headers=h).status_code == 204
    assert client.get(url, headers=h).status_code == 204
    projects = client.get(f"{EP}/endpoints/{ep['id']}/projects", headers=h).json()["projects"]
    assert [p["id"] for p in projects] == [demo]
    assert client.put(f"{EP}/projects/{demo}/endpoints/nope", headers=h).status_code == 404
    assert client.delete(url, headers=h).status_code == 204
    assert client.delete(url, headers=h).status_code == 404


def test_token_catalog_is_filtered_for_associated_projects(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    full = _demo_catalog(client)
    assert len(full) > 1
    svc = new_service(client, admin_token, type="extra")
    ep = new_endpoint(client, admin_token, svc["id"])
    demo = _project_id(client, admin_token, "demo")
    assert client.put(f"{EP}/projects/{demo}/endpoints/{ep['id']}", headers=h).status_code == 204

    catalog = _demo_catalog(client)
    assert [(s["type"], [e["id"] for e in s["endpoints"]]) for s in catalog] == [("extra", [ep["id"]])]
    # The admin project has no association: it still sees everything.
    admin_catalog = client.get(f"{V3}/auth/catalog", headers=h).json()["catalog"]
    assert len(admin_catalog) == len(full) + 1

    identity = next(s for s in full if s["type"] == "identity")
    group = _new_group(client, admin_token, {"service_id": identity["id"]})
    assert client.put(f"{EP}/endpoint_groups/{group['id']}/projects/{demo}", headers=h).status_code == 204
    types = sorted(s["type"] for s in _demo_catalog(client))
    assert types == ["extra", "identity"]

    # Deleting the endpoint drops its association; the group still filters.
    assert client.delete(f"{V3}/endpoints/{ep['id']}", headers=h).status_code == 204
    assert [s["type"] for s in _demo_catalog(client)] == ["identity"]
    assert client.delete(f"{EP}/endpoint_groups/{group['id']}", headers=h).status_code == 204
    # No association left: the whole catalog again (the new service now without endpoints).
    assert sorted(s["type"] for s in _demo_catalog(client)) == sorted([*(s["type"] for s in full), "extra"])
