"""/v3/domains: CRUD, filters, policy, and deleting a domain with everything in it."""

from __future__ import annotations

from sqlalchemy import select
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.store.models import Assignment, Role
from tests.functional.conftest import auth_headers, password_auth

V3 = "/identity/v3"
TOKENS = f"{V3}/auth/tokens"


def create_domain(client: TestClient, token: str, name: str, **fields: object) -> dict:
    resp = client.post(
        f"{V3}/domains", json={"domain": {"name": name, **fields}}, headers=auth_headers(token)
    )
    assert resp.status_code == 201, resp.text
    return resp.json()["domain"]


def disable(client: TestClient, token: str, domain_id: str) -> None:
    resp = client.patch(
        f"{V3}/domains/{domain_id}", json={"domain": {"enabled": False}}, headers=auth_headers(token)
    )
    assert resp.status_code == 200
    assert resp.json()["domain"]["enabled"] is False


def test_create_show_list_update(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    d = create_domain(client, admin_token, "engineering", description="builders")
    assert {k: d[k] for k in ("name", "description", "enabled", "options")} == {
        "name": "engineering",
        "description": "builders",
        "enabled": True,
        "options": {},
    }
    assert d["links"]["self"].endswith(f"/identity/v3/domains/{d['id']}")
    assert client.get(f"{V3}/domains/{d['id']}", headers=h).json()["domain"] == d
    listed = client.get(f"{V3}/domains", headers=h).json()["domains"]
    assert {x["name"] for x in listed} == {"Default", "engineering"}
    patched = client.patch(
        f"{V3}/domains/{d['id']}", json={"domain": {"name": "eng", "description": None}}, headers=h
    )
    assert patched.status_code == 200
    assert patched.json()["domain"]["name"] == "eng"
    assert patched.json()["domain"]["description"] == ""


def test_list_filters_by_name_and_enabled(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    off = create_domain(client, admin_token, "off", enabled=False)

    def names(**params: str) -> set[str]:
        return {d["name"] for d in client.get(f"{V3}/domains", params=params, headers=h).json()["domains"]}

    assert names(name="off") == {"off"}
    assert names(enabled="false") == {"off"}
    assert names(enabled="true") == {"Default"}
    assert names(name="Default", enabled="false") == set()
    assert off["enabled"] is False


def test_names_are_unique_and_the_clients_find_path_works(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    create_domain(client, admin_token, "d1")
    dup = client.post(f"{V3}/domains", json={"domain": {"name": "d1"}}, headers=h)
    assert dup.status_code == 409
    assert "d1" in dup.json()["error"]["message"]
    missing = client.get(f"{V3}/domains/d1", headers=h)
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "Could not find domain: d1."
    assert [d["name"] for d in client.get(f"{V3}/domains?name=d1", headers=h).json()["domains"]] == ["d1"]


def test_explicit_id_and_bad_input(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    d = create_domain(client, admin_token, "fixed", explicit_domain_id="fixed-id")
    assert d["id"] == "fixed-id"
    again = client.post(
        f"{V3}/domains", json={"domain": {"name": "other", "explicit_domain_id": "fixed-id"}}, headers=h
    )
    assert again.status_code == 409
    for body in (
        {"domain": {"name": ""}},
        {"domain": {"name": "x" * 65}},
        {"domain": {"name": "x", "enabled": "true"}},
        {"domain": {"name": "x", "options": {"unknown": True}}},
        {"domain": {}},
    ):
        assert client.post(f"{V3}/domains", json=body, headers=h).status_code == 400, body
    assert (
        client.patch(f"{V3}/domains/fixed-id", json={"domain": {"id": "changed"}}, headers=h).status_code
        == 400
    )
    names = {x["name"] for x in client.get(f"{V3}/domains", headers=h).json()["domains"]}
    assert names == {"Default", "fixed"}


def test_an_enabled_domain_cannot_be_deleted(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    d = create_domain(client, admin_token, "d1")
    resp = client.delete(f"{V3}/domains/{d['id']}", headers=h)
    assert resp.status_code == 403
    assert "disable it first" in resp.json()["error"]["message"]
    assert client.get(f"{V3}/domains/{d['id']}", headers=h).status_code == 200
    disable(client, admin_token, d["id"])
    assert client.delete(f"{V3}/domains/{d['id']}", headers=h).status_code == 204
    assert client.get(f"{V3}/domains/{d['id']}", headers=h).status_code == 404
    assert client.delete(f"{V3}/domains/{d['id']}", headers=h).status_code == 404


def test_deleting_a_domain_removes_its_projects_users_roles_and_assignments(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    h = auth_headers(admin_token)
    d = create_domain(client, admin_token, "doomed")
    parent = client.post(f"{V3}/projects", json={"project": {"name": "p", "domain_id": d["id"]}}, headers=h)
    child_body = {"project": {"name": "c", "parent_id": parent.json()["project"]["id"]}}
    child = client.post(f"{V3}/projects", json=child_body, headers=h).json()["project"]
    assert child["domain_id"] == d["id"]
    user = client.post(
        f"{V3}/users", json={"user": {"name": "u", "domain_id": d["id"], "password": "pw-u"}}, headers=h
    )
    uid = user.json()["user"]["id"]
    with cloud.db.transaction() as s:
        member = s.scalar(select(Role).where(Role.name == "member", Role.domain_id.is_(None)))
        local = Role(id="local-role", name="local", domain_id=d["id"], description="", options={}, extra={})
        s.add(local)
        s.flush()
        s.add(
            Assignment(
                kind="UserProject", actor_id=uid, target_id=child["id"], role_id=member.id, inherited=False
            )
        )
        s.add(
            Assignment(kind="UserDomain", actor_id=uid, target_id=d["id"], role_id=local.id, inherited=False)
        )
    disable(client, admin_token, d["id"])
    assert client.delete(f"{V3}/domains/{d['id']}", headers=h).status_code == 204
    assert client.get(f"{V3}/projects/{child['id']}", headers=h).status_code == 404
    assert client.get(f"{V3}/projects", params={"name": "p"}, headers=h).json()["projects"] == []
    assert client.get(f"{V3}/users/{uid}", headers=h).status_code == 404
    with cloud.db.read() as s:
        assert s.scalars(select(Assignment).where(Assignment.actor_id == uid)).all() == []
        assert s.get(Role, "local-role") is None
    assert client.get(f"{V3}/users", headers=h).status_code == 200


def test_disabling_a_domain_locks_its_users_out(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    d = create_domain(client, admin_token, "d1")
    client.post(
        f"{V3}/users", json={"user": {"name": "u", "domain_id": d["id"], "password": "pw-u"}}, headers=h
    )
    resp = client.post(TOKENS, json=password_auth("u", "pw-u", domain="d1"))
    assert resp.status_code == 201
    token = resp.headers["X-Subject-Token"]
    assert client.get(f"{V3}/auth/projects", headers=auth_headers(token)).status_code == 200
    disable(client, admin_token, d["id"])
    assert client.get(f"{V3}/auth/projects", headers=auth_headers(token)).status_code == 401
    assert client.get(TOKENS, headers={**h, "X-Subject-Token": token}).status_code == 404
    assert client.post(TOKENS, json=password_auth("u", "pw-u", domain="d1")).status_code == 401
    assert client.get(f"{V3}/auth/projects", headers=h).status_code == 200


def test_a_member_cannot_list_or_change_domains(
    client: TestClient, admin_token: str, demo_token: str
) -> None:
    demo = auth_headers(demo_token)
    d = create_domain(client, admin_token, "d1", enabled=False)
    assert client.get(f"{V3}/domains", headers=demo).status_code == 403
    assert client.post(f"{V3}/domains", json={"domain": {"name": "mine"}}, headers=demo).status_code == 403
    assert (
        client.patch(f"{V3}/domains/{d['id']}", json={"domain": {"name": "x"}}, headers=demo).status_code
        == 403
    )
    assert client.delete(f"{V3}/domains/{d['id']}", headers=demo).status_code == 403
    assert client.get(f"{V3}/domains/{d['id']}", headers=demo).status_code == 403
    # COMPAT: like Keystone, a project member may read its project's own domain.
    assert client.get(f"{V3}/domains/default", headers=demo).json()["domain"]["name"] == "Default"
    listed = client.get(f"{V3}/domains", headers=auth_headers(admin_token)).json()["domains"]
    assert {x["name"]: x["enabled"] for x in listed} == {"Default": True, "d1": False}


def test_immutable_domains_refuse_changes_until_unlocked(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    d = create_domain(client, admin_token, "locked", enabled=False, options={"immutable": True})
    url = f"{V3}/domains/{d['id']}"
    assert client.patch(url, json={"domain": {"description": "x"}}, headers=h).status_code == 403
    assert client.delete(url, headers=h).status_code == 403
    assert client.patch(url, json={"domain": {"options": {"immutable": None}}}, headers=h).status_code == 200
    assert client.delete(url, headers=h).status_code == 204


def test_auth_domains_uses_the_domain_view(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    with cloud.db.read() as s:
        admin_id = s.scalar(select(Assignment.actor_id).where(Assignment.kind == "UserSystem"))
        role_id = s.scalar(select(Role.id).where(Role.name == "reader"))
    with cloud.db.transaction() as s:
        s.add(
            Assignment(
                kind="UserDomain", actor_id=admin_id, target_id="default", role_id=role_id, inherited=False
            )
        )
    resp = client.get(f"{V3}/auth/domains", headers=auth_headers(admin_token))
    (default,) = resp.json()["domains"]
    assert default == client.get(f"{V3}/domains/default", headers=auth_headers(admin_token)).json()["domain"]


def test_nul_characters_are_refused_not_a_server_error(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    assert client.get(f"{V3}/domains/a%00b", headers=h).status_code == 400
    assert client.get(f"{V3}/domains?name=a%00b", headers=h).status_code == 400
    assert client.post(f"{V3}/domains", json={"domain": {"name": "a\x00b"}}, headers=h).status_code == 400
    assert [d["name"] for d in client.get(f"{V3}/domains", headers=h).json()["domains"]] == ["Default"]
