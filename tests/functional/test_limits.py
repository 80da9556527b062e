"""Unified limits: /v3/registered_limits, /v3/limits and /v3/limits/model."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.functional.conftest import auth_headers
from tests.functional.test_catalog import new_service

V3 = "/identity/v3"


def _project_id(client: TestClient, token: str, name: str) -> str:
    return client.get(f"{V3}/projects", params={"name": name}, headers=auth_headers(token)).json()[
        "projects"
    ][0]["id"]


def _register(
    client: TestClient, token: str, service_id: str, resource: str = "cores", **extra: object
) -> dict:
    body = {
        "registered_limits": [
            {"service_id": service_id, "resource_name": resource, "default_limit": 10, **extra}
        ]
    }
    resp = client.post(f"{V3}/registered_limits", json=body, headers=auth_headers(token))
    assert resp.status_code == 201, resp.text
    return resp.json()["registered_limits"][0]


def _limit(
    client: TestClient, token: str, service_id: str, owner: dict, resource: str = "cores", value: int = 5
):
    body = {
        "limits": [{"service_id": service_id, "resource_name": resource, "resource_limit": value, **owner}]
    }
    return client.post(f"{V3}/limits", json=body, headers=auth_headers(token))


def test_registered_limit_crud(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    svc = new_service(client, admin_token, type="limited")
    reg = _register(client, admin_token, svc["id"], region_id="RegionOne", description="vCPUs")
    assert reg["service_id"] == svc["id"] and reg["region_id"] == "RegionOne"
    assert reg["default_limit"] == 10 and reg["description"] == "vCPUs"
    url = f"{V3}/registered_limits/{reg['id']}"
    assert client.get(url, headers=h).json()["registered_limit"] == reg
    listed = client.get(f"{V3}/registered_limits", params={"service_id": svc["id"]}, headers=h).json()
    assert [r["id"] for r in listed["registered_limits"]] == [reg["id"]]
    assert (
        client.get(f"{V3}/registered_limits", params={"resource_name": "ram"}, headers=h).json()[
            "registered_limits"
        ]
        == []
    )
    resp = client.patch(url, json={"registered_limit": {"default_limit": 20}}, headers=h)
    assert resp.status_code == 200 and resp.json()["registered_limit"]["default_limit"] == 20
    assert client.delete(url, headers=h).status_code == 204
    assert client.get(url, headers=h).status_code == 404


def test_registered_limit_validation(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    svc = new_service(client, admin_token, type="limited")
    _register(client, admin_token, svc["id"])
    dup = {"registered_limits": [{"service_id": svc["id"], "resource_name": "cores", "default_limit": 1}]}
    assert client.post(f"{V3}/registered_limits", json=dup, headers=h).status_code == 409
    missing = {"registered_limits": [{"service_id": "nope", "resource_name": "x", "default_limit": 1}]}
    assert client.post(f"{V3}/registered_limits", json=missing, headers=h).status_code == 400
    for bad in ([], [{"service_id": svc["id"], "resource_name": "x", "default_limit": -2}]):
        assert (
            client.post(f"{V3}/registered_limits", json={"registered_limits": bad}, headers=h).status_code
            == 400
        )
    # All or none: the good item of a batch with a bad one is not kept.
    batch = {
        "registered_limits": [
            {"service_id": svc["id"], "resource_name": "ram", "default_limit": 1},
            {"service_id": "nope", "resource_name": "disk", "default_limit": 1},
        ]
    }
    assert client.post(f"{V3}/registered_limits", json=batch, headers=h).status_code == 400
    names = [
        r["resource_name"]
        for r in client.get(f"{V3}/registered_limits", headers=h).json()["registered_limits"]
    ]
    assert names == ["cores"]


def test_limit_crud_and_rules(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    svc = new_service(client, admin_token, type="limited")
    demo = _project_id(client, admin_token, "demo")
    resp = _limit(client, admin_token, svc["id"], {"project_id": demo})
    assert resp.status_code == 403  # no registered limit yet
    reg = _register(client, admin_token, svc["id"])
    resp = _limit(client, admin_token, svc["id"], {"project_id": demo})
    assert resp.status_code == 201, resp.text
    limit = resp.json()["limits"][0]
    assert limit["project_id"] == demo and limit["domain_id"] is None
    assert (
        limit["resource_name"] == "cores"
        and limit["resource_limit"] == 5
        and limit["service_id"] == svc["id"]
    )
    assert _limit(client, admin_token, svc["id"], {"project_id": demo}).status_code == 409
    assert _limit(client, admin_token, svc["id"], {"project_id": "nope"}).status_code == 400
    both = {"project_id": demo, "domain_id": "default"}
    assert _limit(client, admin_token, svc["id"], both).status_code == 400
    domain_limit = _limit(client, admin_token, svc["id"], {"domain_id": "default"}).json()["limits"][0]
    assert domain_limit["domain_id"] == "default" and domain_limit["project_id"] is None

    url = f"{V3}/limits/{limit['id']}"
    resp = client.patch(url, json={"limit": {"resource_limit": 7, "description": "more"}}, headers=h)
    assert resp.json()["limit"]["resource_limit"] == 7 and resp.json()["limit"]["description"] == "more"
    # A registered limit with limits cannot change or go.
    reg_url = f"{V3}/registered_limits/{reg['id']}"
    assert (
        client.patch(reg_url, json={"registered_limit": {"default_limit": 1}}, headers=h).status_code == 403
    )
    assert client.delete(reg_url, headers=h).status_code == 403
    listed = client.get(f"{V3}/limits", params={"project_id": demo}, headers=h).json()["limits"]
    assert [x["id"] for x in listed] == [limit["id"]]
    assert len(client.get(f"{V3}/limits", headers=h).json()["limits"]) == 2
    assert client.delete(url, headers=h).status_code == 204
    assert client.get(url, headers=h).status_code == 404


def test_project_members_read_their_own_limits(client: TestClient, admin_token: str, demo_token: str) -> None:
    svc = new_service(client, admin_token, type="limited")
    _register(client, admin_token, svc["id"])
    demo = _project_id(client, admin_token, "demo")
    admin_project = _project_id(client, admin_token, "admin")
    mine = _limit(client, admin_token, svc["id"], {"project_id": demo}).json()["limits"][0]
    theirs = _limit(client, admin_token, svc["id"], {"project_id": admin_project}).json()["limits"][0]
    h = auth_headers(demo_token)
    assert [x["id"] for x in client.get(f"{V3}/limits", headers=h).json()["limits"]] == [mine["id"]]
    assert client.get(f"{V3}/limits", params={"project_id": admin_project}, headers=h).json()["limits"] == []
    assert client.get(f"{V3}/limits/{mine['id']}", headers=h).status_code == 200
    assert client.get(f"{V3}/limits/{theirs['id']}", headers=h).status_code == 403
    assert client.get(f"{V3}/limits/nope", headers=h).status_code == 403
    assert client.get(f"{V3}/registered_limits", headers=h).status_code == 200
    assert _limit(client, demo_token, svc["id"], {"project_id": demo}, resource="ram").status_code == 403
    body = {"registered_limits": [{"service_id": svc["id"], "resource_name": "ram", "default_limit": 1}]}
    assert client.post(f"{V3}/registered_limits", json=body, headers=h).status_code == 403


def test_limit_model(client: TestClient, demo_token: str) -> None:
    resp = client.get(f"{V3}/limits/model", headers=auth_headers(demo_token))
    assert resp.status_code == 200
    assert resp.json()["model"]["name"] == "flat"


def test_deleting_a_project_or_service_takes_its_limits(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    svc = new_service(client, admin_token, type="limited")
    _register(client, admin_token, svc["id"])
    resp = client.post(f"{V3}/projects", json={"project": {"name": "short-lived"}}, headers=h)
    project = resp.json()["project"]["id"]
    limit = _limit(client, admin_token, svc["id"], {"project_id": project}).json()["limits"][0]
    assert client.delete(f"{V3}/projects/{project}", headers=h).status_code == 204
    assert client.get(f"{V3}/limits/{limit['id']}", headers=h).status_code == 404
    demo = _project_id(client, admin_token, "demo")
    _limit(client, admin_token, svc["id"], {"project_id": demo})
    assert client.delete(f"{V3}/services/{svc['id']}", headers=h).status_code == 204
    assert client.get(f"{V3}/limits", headers=h).json()["limits"] == []
    assert client.get(f"{V3}/registered_limits", headers=h).json()["registered_limits"] == []
