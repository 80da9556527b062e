"""Access rules of application credentials: stored, listed, kept while used, enforced."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.functional.conftest import auth_headers
from tests.functional.delegation_support import TOKENS, V3

RULE = {"service": "identity", "path": "/v3/auth/projects", "method": "GET"}


def whoami(client: TestClient, token: str) -> str:
    return client.get(TOKENS, headers={**auth_headers(token), "X-Subject-Token": token}).json()["token"][
        "user"
    ]["id"]


def app_cred(client: TestClient, token: str, user_id: str, name: str, rules: list[dict]) -> dict:
    body = {"application_credential": {"name": name, "access_rules": rules}}
    resp = client.post(
        f"{V3}/users/{user_id}/application_credentials", json=body, headers=auth_headers(token)
    )
    assert resp.status_code == 201, resp.text
    return resp.json()["application_credential"]


def login(client: TestClient, cred: dict) -> tuple[str, dict]:
    body = {
        "auth": {
            "identity": {
                "methods": ["application_credential"],
                "application_credential": {"id": cred["id"], "secret": cred["secret"]},
            }
        }
    }
    resp = client.post(TOKENS, json=body)
    assert resp.status_code == 201, resp.text
    return resp.headers["X-Subject-Token"], resp.json()["token"]


def test_rules_are_listed_shared_and_kept_while_used(client: TestClient, demo_token: str) -> None:
    user_id = whoami(client, demo_token)
    first = app_cred(client, demo_token, user_id, "one", [RULE])
    rule = first["access_rules"][0]
    assert {k: rule[k] for k in ("service", "path", "method")} == RULE
    second = app_cred(client, demo_token, user_id, "two", [RULE])
    assert second["access_rules"][0]["id"] == rule["id"]  # the same rule, reused
    rules_path = f"{V3}/users/{user_id}/access_rules"
    listed = client.get(rules_path, headers=auth_headers(demo_token)).json()["access_rules"]
    assert [r["id"] for r in listed] == [rule["id"]]
    one = client.get(f"{rules_path}/{rule['id']}", headers=auth_headers(demo_token)).json()["access_rule"]
    assert one["path"] == RULE["path"]
    assert client.delete(f"{rules_path}/{rule['id']}", headers=auth_headers(demo_token)).status_code == 403
    for cred in (first, second):
        path = f"{V3}/users/{user_id}/application_credentials/{cred['id']}"
        assert client.delete(path, headers=auth_headers(demo_token)).status_code == 204
    assert (
        client.get(rules_path, headers=auth_headers(demo_token)).json()["access_rules"][0]["id"] == rule["id"]
    )
    assert client.delete(f"{rules_path}/{rule['id']}", headers=auth_headers(demo_token)).status_code == 204
    assert client.get(f"{rules_path}/{rule['id']}", headers=auth_headers(demo_token)).status_code == 404


def test_bad_rules_are_refused(client: TestClient, demo_token: str) -> None:
    user_id = whoami(client, demo_token)
    path = f"{V3}/users/{user_id}/application_credentials"
    for rule in (
        {"service": "compute", "path": "no-slash", "method": "GET"},
        {"service": "compute", "path": "/x"},
    ):
        body = {"application_credential": {"name": "bad", "access_rules": [rule]}}
        assert client.post(path, json=body, headers=auth_headers(demo_token)).status_code == 400


def test_tokens_only_reach_what_the_rules_allow(client: TestClient, demo_token: str) -> None:
    user_id = whoami(client, demo_token)
    rules = [RULE, {"service": "compute", "path": "/v2.1/servers/*/ips", "method": "GET"}]
    cred = app_cred(client, demo_token, user_id, "limited", rules)
    token, body = login(client, cred)
    shown = body["application_credential"]["access_rules"]
    assert {(r["service"], r["path"], r["method"]) for r in shown} == {tuple(r.values()) for r in rules}
    assert client.get(f"{V3}/auth/projects", headers=auth_headers(token)).status_code == 200
    assert client.get(f"{V3}/auth/domains", headers=auth_headers(token)).status_code == 401
    assert client.get("/compute/v2.1/flavors", headers=auth_headers(token)).status_code == 401
    # Matches the rule's path: answered by compute itself (no such server).
    assert client.get("/compute/v2.1/servers/abc/ips", headers=auth_headers(token)).status_code == 404
    plain = app_cred(client, demo_token, user_id, "open", [])
    assert "access_rules" not in login(client, plain)[1]["application_credential"]
