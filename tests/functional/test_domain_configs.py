"""Domain-specific configuration: /v3/domains/{id}/config and the defaults."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.functional.conftest import auth_headers

V3 = "/identity/v3"
LDAP = {
    "identity": {"driver": "ldap"},
    "ldap": {"url": "ldap://myldap.com:389/", "user_tree_dn": "ou=Users,dc=my_new_root,dc=org"},
}


def _new_domain(client: TestClient, token: str) -> str:
    resp = client.post(f"{V3}/domains", json={"domain": {"name": "ldapland"}}, headers=auth_headers(token))
    assert resp.status_code == 201
    return resp.json()["domain"]["id"]


def test_defaults(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    config = client.get(f"{V3}/domains/config/default", headers=h).json()["config"]
    assert config["identity"] == {"driver": "sql", "list_limit": None}
    assert config["ldap"]["url"] == "ldap://localhost"
    assert "password" not in config["ldap"]
    group = client.get(f"{V3}/domains/config/ldap/default", headers=h).json()["config"]
    assert group == {"ldap": config["ldap"]}
    option = client.get(f"{V3}/domains/config/ldap/user_tree_dn/default", headers=h).json()["config"]
    assert option == {"user_tree_dn": None}
    assert client.get(f"{V3}/domains/config/ldap/password/default", headers=h).status_code == 403
    assert client.get(f"{V3}/domains/config/nosuch/default", headers=h).status_code == 403


def test_create_show_update_delete(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    domain = _new_domain(client, admin_token)
    url = f"{V3}/domains/{domain}/config"
    assert client.get(url, headers=h).status_code == 404
    resp = client.put(url, json={"config": LDAP}, headers=h)
    assert resp.status_code == 201
    assert resp.json()["config"] == LDAP
    # A second PUT replaces the whole configuration and answers 200.
    resp = client.put(url, json={"config": {"identity": {"driver": "sql"}}}, headers=h)
    assert resp.status_code == 200
    assert resp.json()["config"] == {"identity": {"driver": "sql"}}
    client.put(url, json={"config": LDAP}, headers=h)

    assert client.get(f"{url}/ldap", headers=h).json()["config"] == {"ldap": LDAP["ldap"]}
    assert client.get(f"{url}/ldap/url", headers=h).json()["config"] == {"url": LDAP["ldap"]["url"]}
    assert client.get(f"{url}/ldap/suffix", headers=h).status_code == 404

    resp = client.patch(
        f"{url}/identity", json={"config": {"identity": {"driver": "x", "list_limit": 5}}}, headers=h
    )
    assert resp.status_code == 200
    assert resp.json()["config"]["identity"] == {"driver": "x", "list_limit": 5}
    resp = client.patch(f"{url}/identity/driver", json={"config": {"driver": "y"}}, headers=h)
    assert resp.json()["config"]["identity"]["driver"] == "y"
    # An update naming another group than its path's, or an option not yet set, is refused.
    assert client.patch(f"{url}/identity", json={"config": LDAP}, headers=h).status_code == 403
    assert client.patch(f"{url}/ldap/suffix", json={"config": {"suffix": "s"}}, headers=h).status_code == 404

    assert client.delete(f"{url}/identity/driver", headers=h).status_code == 204
    assert client.get(f"{url}/identity/driver", headers=h).status_code == 404
    assert client.delete(f"{url}/identity", headers=h).status_code == 204
    assert client.get(f"{url}/identity", headers=h).status_code == 404
    assert client.delete(url, headers=h).status_code == 204
    resp = client.get(url, headers=h)
    assert resp.status_code == 404
    assert "domain configuration" in resp.json()["error"]["message"]


def test_sensitive_options_are_never_shown(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    domain = _new_domain(client, admin_token)
    config = {"ldap": {"url": "ldap://x", "password": "s3cret-value"}}
    resp = client.put(f"{V3}/domains/{domain}/config", json={"config": config}, headers=h)
    assert resp.status_code == 201
    assert "s3cret-value" not in resp.text
    assert client.get(f"{V3}/domains/{domain}/config", headers=h).json()["config"] == {
        "ldap": {"url": "ldap://x"}
    }
    assert client.get(f"{V3}/domains/{domain}/config/ldap/password", headers=h).status_code == 404


def test_invalid_configurations_are_403(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    domain = _new_domain(client, admin_token)
    url = f"{V3}/domains/{domain}/config"
    for config in ({}, {"ldap": {}}, {"ldap": "x"}, {"nosuch": {"a": 1}}, {"ldap": {"nosuch": 1}}):
        resp = client.put(url, json={"config": config}, headers=h)
        assert resp.status_code == 403, config
        assert resp.json()["error"]["message"].startswith("Invalid domain specific configuration")
    assert client.get(f"{url}/nosuch", headers=h).status_code == 403
    assert client.put(f"{V3}/domains/nope/config", json={"config": LDAP}, headers=h).status_code == 404


def test_security_compliance_of_the_default_domain(client: TestClient, demo_token: str) -> None:
    h = auth_headers(demo_token)
    resp = client.get(f"{V3}/domains/default/config/security_compliance", headers=h)
    assert resp.status_code == 200
    assert resp.json()["config"] == {
        "security_compliance": {"password_regex": None, "password_regex_description": None}
    }
    resp = client.get(f"{V3}/domains/default/config/security_compliance/lockout_duration", headers=h)
    assert resp.status_code == 403


def test_only_admins_read_or_write_configs(client: TestClient, admin_token: str, demo_token: str) -> None:
    domain = _new_domain(client, admin_token)
    h = auth_headers(demo_token)
    assert client.put(f"{V3}/domains/{domain}/config", json={"config": LDAP}, headers=h).status_code == 403
    assert client.get(f"{V3}/domains/{domain}/config", headers=h).status_code == 403
    assert client.get(f"{V3}/domains/config/default", headers=h).status_code == 403


def test_a_deleted_domain_takes_its_config(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    domain = _new_domain(client, admin_token)
    client.put(f"{V3}/domains/{domain}/config", json={"config": LDAP}, headers=h)
    client.patch(f"{V3}/domains/{domain}", json={"domain": {"enabled": False}}, headers=h)
    assert client.delete(f"{V3}/domains/{domain}", headers=h).status_code == 204
    assert client.get(f"{V3}/domains/{domain}/config", headers=h).status_code == 404
