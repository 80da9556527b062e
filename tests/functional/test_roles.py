"""/v3/roles, implied roles and /v3/role_inferences."""

from __future__ import annotations

from sqlalchemy import select
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.store.models import Assignment, ImpliedRole, Role
from tests.functional.conftest import auth_headers, password_auth
from tests.functional.test_grants import (
    TOKENS,
    add_domain,
    add_project,
    add_user,
    new_role,
    role_named,
    user_token,
    works,
)

V3 = "/identity/v3"


def role_count(cloud: Cloud) -> int:
    with cloud.db.read() as s:
        return len(s.scalars(select(Role.id)).all())


# -- CRUD --------------------------------------------------------------------------------------------
def test_create_show_list_and_filter_roles(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    body = {"role": {"name": "observer", "description": "Looks only", "color": "blue"}}
    resp = client.post(f"{V3}/roles", json=body, headers=h)
    assert resp.status_code == 201
    role = resp.json()["role"]
    assert role["name"] == "observer"
    assert role["domain_id"] is None
    assert role["description"] == "Looks only"
    assert role["options"] == {}
    assert role["color"] == "blue"  # unknown attributes are kept, as Keystone keeps them
    assert role["links"]["self"].endswith(f"/identity/v3/roles/{role['id']}")

    assert client.get(f"{V3}/roles/{role['id']}", headers=h).json()["role"] == role
    listed = client.get(f"{V3}/roles", headers=h).json()
    assert {r["name"] for r in listed["roles"]} == {
        "admin",
        "manager",
        "member",
        "reader",
        "service",
        "observer",
    }
    assert listed["links"]["self"].endswith("/identity/v3/roles")
    by_name = client.get(f"{V3}/roles", params={"name": "observer"}, headers=h).json()["roles"]
    assert by_name == [role]
    assert client.get(f"{V3}/roles", params={"name": "nobody"}, headers=h).json()["roles"] == []


def test_role_names_are_unique_globally_and_per_domain(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    h = auth_headers(admin_token)
    d1 = add_domain(cloud, "d1")
    taken = client.post(f"{V3}/roles", json={"role": {"name": "member"}}, headers=h)
    assert taken.status_code == 409
    assert taken.json()["error"]["title"] == "Conflict"
    # A domain-specific role may share a global role's name, once per domain.
    local = client.post(f"{V3}/roles", json={"role": {"name": "member", "domain_id": d1}}, headers=h)
    assert local.status_code == 201
    assert local.json()["role"]["domain_id"] == d1
    again = client.post(f"{V3}/roles", json={"role": {"name": "member", "domain_id": d1}}, headers=h)
    assert again.status_code == 409
    unknown = client.post(f"{V3}/roles", json={"role": {"name": "x", "domain_id": "nope"}}, headers=h)
    assert unknown.status_code == 404

    in_domain = client.get(f"{V3}/roles", params={"domain_id": d1}, headers=h).json()["roles"]
    assert [r["id"] for r in in_domain] == [local.json()["role"]["id"]]
    global_roles = client.get(f"{V3}/roles", params={"name": "member"}, headers=h).json()["roles"]
    assert [r["domain_id"] for r in global_roles] == [None]


def test_update_a_role(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    h = auth_headers(admin_token)
    role_id = new_role(client, admin_token, "observer")
    resp = client.patch(
        f"{V3}/roles/{role_id}", json={"role": {"name": "watcher", "description": "d", "tier": 2}}, headers=h
    )
    assert resp.status_code == 200
    role = resp.json()["role"]
    assert (role["name"], role["description"], role["tier"]) == ("watcher", "d", 2)
    assert client.get(f"{V3}/roles/{role_id}", headers=h).json()["role"] == role

    assert (
        client.patch(f"{V3}/roles/{role_id}", json={"role": {"name": "member"}}, headers=h).status_code == 409
    )
    moved = client.patch(
        f"{V3}/roles/{role_id}", json={"role": {"domain_id": add_domain(cloud, "d1")}}, headers=h
    )
    assert moved.status_code == 400
    assert "domain_id" in moved.json()["error"]["message"]
    for bad in (
        {"role": {}},
        {"role": {"name": ""}},
        {"role": {"name": None}},
        {"role": {"id": "other"}},
        {},
    ):
        assert client.patch(f"{V3}/roles/{role_id}", json=bad, headers=h).status_code == 400, bad
    assert client.patch(f"{V3}/roles/nope", json={"role": {"name": "x"}}, headers=h).status_code == 404
    assert client.get(f"{V3}/roles/{role_id}", headers=h).json()["role"]["name"] == "watcher"


def test_bad_role_bodies_are_400(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    h = auth_headers(admin_token)
    before = role_count(cloud)
    for bad in (
        {},
        {"role": "observer"},
        {"role": {}},
        {"role": {"name": ""}},
        {"role": {"name": "   "}},
        {"role": {"name": 7}},
        {"role": {"name": "x" * 256}},
        {"role": {"name": "ok", "options": {"frobnicate": True}}},
        {"role": {"name": "ok", "options": {"immutable": "yes"}}},
        {"role": {"name": "ok"}, "other": 1},
        {"role": {"name": "nul\x00byte"}},
    ):
        resp = client.post(f"{V3}/roles", json=bad, headers=h)
        assert resp.status_code == 400, bad
        assert resp.json()["error"]["code"] == 400
    malformed = client.post(
        f"{V3}/roles", content=b'{"role": {', headers={**h, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert role_count(cloud) == before


def test_immutable_roles_refuse_changes_until_unlocked(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    resp = client.post(
        f"{V3}/roles", json={"role": {"name": "pinned", "options": {"immutable": True}}}, headers=h
    )
    assert resp.status_code == 201
    role_id = resp.json()["role"]["id"]
    assert resp.json()["role"]["options"] == {"immutable": True}
    assert client.patch(f"{V3}/roles/{role_id}", json={"role": {"name": "x"}}, headers=h).status_code == 403
    assert client.delete(f"{V3}/roles/{role_id}", headers=h).status_code == 403
    unlocked = client.patch(
        f"{V3}/roles/{role_id}", json={"role": {"options": {"immutable": False}}}, headers=h
    )
    assert unlocked.status_code == 200
    assert unlocked.json()["role"]["options"] == {"immutable": False}
    cleared = client.patch(
        f"{V3}/roles/{role_id}", json={"role": {"options": {"immutable": None}}}, headers=h
    )
    assert cleared.json()["role"]["options"] == {}
    assert client.delete(f"{V3}/roles/{role_id}", headers=h).status_code == 204


def test_deleting_a_role_removes_grants_implications_and_revokes_its_holders_tokens(
    client: TestClient, cloud: Cloud, admin_token: str, demo_token: str
) -> None:
    h = auth_headers(admin_token)
    p1, u1 = add_project(cloud, "p1"), add_user(cloud, "u1")
    doomed = new_role(client, admin_token, "doomed")
    member = role_named(cloud, "member")
    assert client.put(f"{V3}/roles/{doomed}/implies/{member}", headers=h).status_code == 201
    for role_id in (doomed, member):
        assert client.put(f"{V3}/projects/{p1}/users/{u1}/roles/{role_id}", headers=h).status_code == 204
    token = user_token(client, "u1", {"project": {"id": p1}})
    assert works(client, token)

    assert client.delete(f"{V3}/roles/{doomed}", headers=h).status_code == 204

    assert client.get(f"{V3}/roles/{doomed}", headers=h).status_code == 404
    assert client.delete(f"{V3}/roles/{doomed}", headers=h).status_code == 404
    with cloud.db.read() as s:
        assert s.scalars(select(Assignment).where(Assignment.role_id == doomed)).all() == []
        assert s.scalars(select(ImpliedRole).where(ImpliedRole.prior_role_id == doomed)).all() == []
    assert not works(client, token)
    assert client.get(TOKENS, headers={**h, "X-Subject-Token": token}).status_code == 404
    assert works(client, demo_token) and works(client, admin_token)
    assert works(client, user_token(client, "u1", {"project": {"id": p1}}))


def test_a_member_cannot_manage_or_read_roles(
    client: TestClient, cloud: Cloud, admin_token: str, demo_token: str
) -> None:
    demo = auth_headers(demo_token)
    member = role_named(cloud, "member")
    before = role_count(cloud)
    assert client.post(f"{V3}/roles", json={"role": {"name": "sneaky"}}, headers=demo).status_code == 403
    assert client.patch(f"{V3}/roles/{member}", json={"role": {"name": "x"}}, headers=demo).status_code == 403
    assert client.delete(f"{V3}/roles/{member}", headers=demo).status_code == 403
    assert client.delete(f"{V3}/roles/nope", headers=demo).status_code == 403
    assert client.get(f"{V3}/roles", headers=demo).status_code == 403
    assert (
        client.put(f"{V3}/roles/{member}/implies/{role_named(cloud, 'admin')}", headers=demo).status_code
        == 403
    )
    assert client.get(f"{V3}/roles", headers=auth_headers("not-a-token")).status_code == 401
    assert role_count(cloud) == before
    assert (
        client.get(f"{V3}/roles/{member}", headers=auth_headers(admin_token)).json()["role"]["name"]
        == "member"
    )


# -- implied roles -----------------------------------------------------------------------------------
def test_implied_role_create_show_check_list_and_delete(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    prior, implied = new_role(client, admin_token, "boss"), new_role(client, admin_token, "helper")
    url = f"{V3}/roles/{prior}/implies/{implied}"
    assert client.get(url, headers=h).status_code == 404
    assert client.head(url, headers=h).status_code == 404

    created = client.put(url, headers=h)
    assert created.status_code == 201
    inference = created.json()["role_inference"]
    assert inference["prior_role"]["id"] == prior and inference["prior_role"]["name"] == "boss"
    assert inference["implies"]["id"] == implied and inference["implies"]["name"] == "helper"
    assert inference["implies"]["links"]["self"].endswith(f"/v3/roles/{implied}")
    assert created.json()["links"]["self"].endswith(f"/v3/roles/{prior}/implies/{implied}")
    assert client.put(url, headers=h).status_code == 409
    assert client.get(url, headers=h).json() == created.json()
    assert client.head(url, headers=h).status_code == 204

    listed = client.get(f"{V3}/roles/{prior}/implies", headers=h).json()
    assert listed["role_inference"]["prior_role"]["id"] == prior
    assert [r["name"] for r in listed["role_inference"]["implies"]] == ["helper"]
    assert listed["links"]["self"].endswith(f"/v3/roles/{prior}/implies")
    rules = client.get(f"{V3}/role_inferences", headers=h).json()["role_inferences"]
    by_prior = {r["prior_role"]["name"]: [i["name"] for i in r["implies"]] for r in rules}
    assert by_prior == {
        "admin": ["manager"],
        "manager": ["member"],
        "member": ["reader"],
        "boss": ["helper"],
    }

    assert client.delete(url, headers=h).status_code == 204
    assert client.get(url, headers=h).status_code == 404
    assert client.delete(url, headers=h).status_code == 404
    assert client.get(f"{V3}/roles/{prior}/implies", headers=h).json()["role_inference"]["implies"] == []
    assert client.put(f"{V3}/roles/{prior}/implies/nope", headers=h).status_code == 404
    assert client.get(f"{V3}/roles/nope/implies", headers=h).status_code == 404


def test_implied_roles_reach_the_token(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    h = auth_headers(admin_token)
    p1, u1 = add_project(cloud, "p1"), add_user(cloud, "u1")
    boss, helper = new_role(client, admin_token, "boss"), new_role(client, admin_token, "helper")
    assert client.put(f"{V3}/roles/{boss}/implies/{helper}", headers=h).status_code == 201
    assert client.put(f"{V3}/projects/{p1}/users/{u1}/roles/{boss}", headers=h).status_code == 204
    token = user_token(client, "u1", {"project": {"id": p1}})
    roles = client.get(TOKENS, headers={**h, "X-Subject-Token": token}).json()["token"]["roles"]
    assert {r["name"] for r in roles} == {"boss", "helper"}


def test_cycles_and_forbidden_implications_are_refused(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    h = auth_headers(admin_token)
    admin, member, reader = (role_named(cloud, n) for n in ("admin", "member", "reader"))
    top, mid, low = (new_role(client, admin_token, n) for n in ("top", "mid", "low"))
    assert client.put(f"{V3}/roles/{top}/implies/{mid}", headers=h).status_code == 201
    assert client.put(f"{V3}/roles/{mid}/implies/{low}", headers=h).status_code == 201
    # member -> reader and top -> mid -> low exist: each of these would close a loop.
    for prior, implied in ((reader, member), (low, top), (low, mid), (reader, reader)):
        resp = client.put(f"{V3}/roles/{prior}/implies/{implied}", headers=h)
        assert resp.status_code == 403, (prior, implied)
        assert "cycle" in resp.json()["error"]["message"]
    # Keystone's default prohibited_implied_role: admin.
    helper = new_role(client, admin_token, "helper")
    assert client.put(f"{V3}/roles/{helper}/implies/{admin}", headers=h).status_code == 403
    # A global role may not imply a domain-specific one; the other way round is fine.
    local = new_role(client, admin_token, "local", domain_id=add_domain(cloud, "d1"))
    assert client.put(f"{V3}/roles/{helper}/implies/{local}", headers=h).status_code == 403
    assert client.put(f"{V3}/roles/{local}/implies/{helper}", headers=h).status_code == 201
    with cloud.db.read() as s:
        pairs = {(r.prior_role_id, r.implied_role_id) for r in s.scalars(select(ImpliedRole))}
    manager = role_named(cloud, "manager")
    defaults = {(admin, manager), (manager, member), (member, reader)}
    assert pairs == defaults | {(top, mid), (mid, low), (local, helper)}


def test_nul_characters_in_ids_and_filters_are_400_not_500(client: TestClient, admin_token: str) -> None:
    """PostgreSQL cannot even compare a string holding NUL; such input must stop at the edge."""
    h = auth_headers(admin_token)
    for method, url in [
        ("GET", f"{V3}/roles/%00"),
        ("GET", f"{V3}/roles?name=%00"),
        ("PATCH", f"{V3}/roles/%00"),
        ("PUT", f"{V3}/roles/%00/implies/%00"),
        ("PUT", f"{V3}/projects/%00/users/%00/roles/%00"),
        ("GET", f"{V3}/role_assignments?user.id=%00&effective"),
    ]:
        resp = client.request(
            method, url, headers=h, json={"role": {"name": "x"}} if method == "PATCH" else None
        )
        assert resp.status_code == 400, (method, url)


def test_a_domain_specific_role_lends_its_implied_roles_but_stays_out_of_the_token(
    client: TestClient, admin_token: str
) -> None:
    h = auth_headers(admin_token)
    p1 = client.post(f"{V3}/projects", json={"project": {"name": "dsr-p1"}}, headers=h).json()["project"]
    u1 = client.post(
        f"{V3}/users", json={"user": {"name": "dsr-u1", "password": "dsr-pw"}}, headers=h
    ).json()["user"]
    local = client.post(
        f"{V3}/roles", json={"role": {"name": "local-op", "domain_id": "default"}}, headers=h
    ).json()["role"]
    reader = client.get(f"{V3}/roles?name=reader", headers=h).json()["roles"][0]
    assert client.put(f"{V3}/roles/{local['id']}/implies/{reader['id']}", headers=h).status_code == 201
    grant = f"{V3}/projects/{p1['id']}/users/{u1['id']}/roles/{local['id']}"
    assert client.put(grant, headers=h).status_code == 204
    resp = client.post("/identity/v3/auth/tokens", json=password_auth("dsr-u1", "dsr-pw", "dsr-p1"))
    assert resp.status_code == 201
    assert [r["name"] for r in resp.json()["token"]["roles"]] == ["reader"]
