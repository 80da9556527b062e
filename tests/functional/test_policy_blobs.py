"""/v3/policies, OAuth1 consumers, and the 501 of what is not served around them."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.functional.conftest import auth_headers

V3 = "/identity/v3"


def test_policy_crud(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    resp = client.post(
        f"{V3}/policies",
        json={"policy": {"blob": '{"a": 1}', "type": "application/json", "owner": "me"}},
        headers=h,
    )
    assert resp.status_code == 201
    policy = resp.json()["policy"]
    assert policy["blob"] == '{"a": 1}' and policy["type"] == "application/json" and policy["owner"] == "me"
    url = f"{V3}/policies/{policy['id']}"
    assert policy["links"]["self"].endswith(f"/v3/policies/{policy['id']}")
    assert client.get(url, headers=h).json()["policy"] == policy
    assert [p["id"] for p in client.get(f"{V3}/policies", headers=h).json()["policies"]] == [policy["id"]]
    assert client.get(f"{V3}/policies", params={"type": "other"}, headers=h).json()["policies"] == []
    resp = client.patch(url, json={"policy": {"type": "text/yaml"}}, headers=h)
    assert resp.status_code == 200
    assert resp.json()["policy"]["type"] == "text/yaml" and resp.json()["policy"]["blob"] == '{"a": 1}'
    assert client.delete(url, headers=h).status_code == 204
    resp = client.get(url, headers=h)
    assert resp.status_code == 404
    assert resp.json()["error"]["message"] == f"Could not find policy: {policy['id']}."


def test_bad_policies_are_400(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    assert client.post(f"{V3}/policies", json={"policy": {"blob": "x"}}, headers=h).status_code == 400
    assert (
        client.post(f"{V3}/policies", json={"policy": {"blob": 1, "type": "t"}}, headers=h).status_code == 400
    )
    made = client.post(f"{V3}/policies", json={"policy": {"blob": "x", "type": "t"}}, headers=h).json()[
        "policy"
    ]
    assert client.patch(f"{V3}/policies/{made['id']}", json={"policy": {}}, headers=h).status_code == 400


def test_only_admins_manage_policies(client: TestClient, demo_token: str) -> None:
    h = auth_headers(demo_token)
    assert (
        client.post(f"{V3}/policies", json={"policy": {"blob": "x", "type": "t"}}, headers=h).status_code
        == 403
    )
    assert client.get(f"{V3}/policies", headers=h).status_code == 403


def test_endpoint_policy_and_oauth1_tokens_answer_501(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    resp = client.get(f"{V3}/policies/p/OS-ENDPOINT-POLICY/endpoints", headers=h)
    assert resp.status_code == 501
    assert "OS-ENDPOINT-POLICY" in resp.json()["error"]["message"]
    resp = client.post(f"{V3}/OS-OAUTH1/request_token", headers=h)
    assert resp.status_code == 501
    assert "OS-OAUTH1" in resp.json()["error"]["message"]


def test_federation_answers_501_and_is_for_admins(
    client: TestClient, admin_token: str, demo_token: str
) -> None:
    resp = client.get(f"{V3}/OS-FEDERATION/identity_providers", headers=auth_headers(admin_token))
    assert resp.status_code == 501 and "OS-FEDERATION" in resp.json()["error"]["message"]
    resp = client.put(f"{V3}/OS-FEDERATION/mappings/m1", json={}, headers=auth_headers(demo_token))
    assert resp.status_code == 403
    websso = client.get(f"{V3}/auth/OS-FEDERATION/websso/saml2")  # before any token exists
    assert websso.status_code == 501 and websso.json()["error"]["code"] == 501


def test_oauth1_consumers(client: TestClient, admin_token: str, demo_token: str) -> None:
    h = auth_headers(admin_token)
    resp = client.post(f"{V3}/OS-OAUTH1/consumers", json={"consumer": {"description": "d"}}, headers=h)
    assert resp.status_code == 201
    consumer = resp.json()["consumer"]
    assert consumer["description"] == "d" and consumer["secret"]
    url = f"{V3}/OS-OAUTH1/consumers/{consumer['id']}"
    shown = client.get(url, headers=h).json()["consumer"]
    assert "secret" not in shown and shown["links"] == consumer["links"]
    listed = client.get(f"{V3}/OS-OAUTH1/consumers", headers=h).json()["consumers"]
    assert [c["id"] for c in listed] == [consumer["id"]]
    assert consumer["secret"] not in client.get(f"{V3}/OS-OAUTH1/consumers", headers=h).text
    resp = client.patch(url, json={"consumer": {"description": "e"}}, headers=h)
    assert resp.json()["consumer"]["description"] == "e"
    assert client.patch(url, json={"consumer": {"secret": "mine"}}, headers=h).status_code == 400
    assert client.get(f"{V3}/OS-OAUTH1/consumers", headers=auth_headers(demo_token)).status_code == 403
    assert client.delete(url, headers=h).status_code == 204
    assert client.get(url, headers=h).status_code == 404
