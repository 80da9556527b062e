"""Groups: CRUD, membership, group grants, effective assignments and tokens through groups,
and what leaving a group or losing a group grant does to tokens and application credentials."""

from __future__ import annotations

from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from tests.functional.conftest import auth_headers
from tests.functional.test_grants import (
    add_domain,
    add_project,
    add_user,
    new_role,
    role_named,
    try_token,
    user_token,
    works,
)

V3 = "/identity/v3"


def new_group(client: TestClient, token: str, name: str, **fields: object) -> dict:
    resp = client.post(f"{V3}/groups", json={"group": {"name": name, **fields}}, headers=auth_headers(token))
    assert resp.status_code == 201, resp.text
    return resp.json()["group"]


def test_group_crud_filters_and_domain_scoped_names(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    h = auth_headers(admin_token)
    other = add_domain(cloud, "other")
    g = new_group(client, admin_token, "ops", description="Operators", colour="red")
    assert g["domain_id"] == "default"
    assert g["description"] == "Operators"
    assert g["colour"] == "red"  # extra attributes are kept, as Keystone keeps them
    assert g["links"]["self"].endswith(f"/v3/groups/{g['id']}")
    bare = new_group(client, admin_token, "bare", domain_id=other)
    assert bare["description"] is None and bare["domain_id"] == other
    # Names are unique within a domain only.
    twin = new_group(client, admin_token, "ops", domain_id=other)
    dup = client.post(f"{V3}/groups", json={"group": {"name": "ops"}}, headers=h)
    assert dup.status_code == 409 and dup.json()["error"]["code"] == 409
    assert client.post(f"{V3}/groups", json={"group": {"name": " "}}, headers=h).status_code == 400
    assert client.post(f"{V3}/groups", json={"group": {}}, headers=h).status_code == 400
    missing_domain = {"group": {"name": "x", "domain_id": "nope"}}
    assert client.post(f"{V3}/groups", json=missing_domain, headers=h).status_code == 404

    assert client.get(f"{V3}/groups/{g['id']}", headers=h).json()["group"] == g
    by_name = client.get(f"{V3}/groups?name=ops", headers=h).json()["groups"]
    assert {x["id"] for x in by_name} == {g["id"], twin["id"]}
    in_other = client.get(f"{V3}/groups?domain_id={other}", headers=h).json()["groups"]
    assert {x["id"] for x in in_other} == {bare["id"], twin["id"]}

    upd = client.patch(f"{V3}/groups/{g['id']}", json={"group": {"name": "ops2"}}, headers=h).json()["group"]
    assert upd["name"] == "ops2" and upd["description"] == "Operators" and upd["domain_id"] == "default"
    move = client.patch(f"{V3}/groups/{g['id']}", json={"group": {"domain_id": other}}, headers=h)
    assert move.status_code == 400
    clash = client.patch(f"{V3}/groups/{bare['id']}", json={"group": {"name": "ops"}}, headers=h)
    assert clash.status_code == 409

    assert client.delete(f"{V3}/groups/{g['id']}", headers=h).status_code == 204
    assert client.get(f"{V3}/groups/{g['id']}", headers=h).status_code == 404
    assert client.delete(f"{V3}/groups/{g['id']}", headers=h).status_code == 404


def test_only_admins_manage_groups(client: TestClient, admin_token: str, demo_token: str) -> None:
    g = new_group(client, admin_token, "ops")
    d = auth_headers(demo_token)
    assert client.post(f"{V3}/groups", json={"group": {"name": "mine"}}, headers=d).status_code == 403
    assert client.get(f"{V3}/groups", headers=d).status_code == 403
    assert client.get(f"{V3}/groups/{g['id']}", headers=d).status_code == 403
    assert client.get(f"{V3}/groups/unknown", headers=d).status_code == 403  # nothing leaks
    assert client.delete(f"{V3}/groups/{g['id']}", headers=d).status_code == 403


def test_membership_add_check_list_remove(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    h = auth_headers(admin_token)
    g1, g2 = new_group(client, admin_token, "g1"), new_group(client, admin_token, "g2")
    alice, bob = add_user(cloud, "alice"), add_user(cloud, "bob")
    member = f"{V3}/groups/{g1['id']}/users"
    for uid in (alice, bob):
        assert client.put(f"{member}/{uid}", headers=h).status_code == 204
    assert client.put(f"{member}/{alice}", headers=h).status_code == 204  # again: no-op
    assert client.put(f"{V3}/groups/{g2['id']}/users/{alice}", headers=h).status_code == 204
    assert client.put(f"{member}/nobody", headers=h).status_code == 404
    assert client.put(f"{V3}/groups/nogroup/users/{alice}", headers=h).status_code == 404

    users = client.get(member, headers=h).json()["users"]
    assert sorted(u["name"] for u in users) == ["alice", "bob"]
    assert all("password" not in u for u in users)
    assert client.head(f"{member}/{alice}", headers=h).status_code == 204
    assert client.get(f"{member}/{alice}", headers=h).status_code == 204
    groups = client.get(f"{V3}/users/{alice}/groups", headers=h).json()["groups"]
    assert sorted(x["name"] for x in groups) == ["g1", "g2"]
    assert all(x["membership_expires_at"] is None for x in groups)

    assert client.delete(f"{member}/{bob}", headers=h).status_code == 204
    assert client.head(f"{member}/{bob}", headers=h).status_code == 404
    assert client.delete(f"{member}/{bob}", headers=h).status_code == 404
    assert [u["name"] for u in client.get(member, headers=h).json()["users"]] == ["alice"]
    # Deleting a user or a group removes its memberships.
    assert client.delete(f"{V3}/users/{alice}", headers=h).status_code == 204
    assert client.get(member, headers=h).json()["users"] == []
    assert client.delete(f"{V3}/groups/{g2['id']}", headers=h).status_code == 204


def test_a_user_lists_their_own_groups_only(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    h = auth_headers(admin_token)
    carol, dave = add_user(cloud, "carol"), add_user(cloud, "dave")
    project = add_project(cloud, "p1")
    member = role_named(cloud, "member")
    for uid in (carol, dave):
        client.put(f"{V3}/projects/{project}/users/{uid}/roles/{member}", headers=h)
    g = new_group(client, admin_token, "team")
    client.put(f"{V3}/groups/{g['id']}/users/{carol}", headers=h)
    carol_h = auth_headers(user_token(client, "carol", {"project": {"id": project}}))
    mine = client.get(f"{V3}/users/{carol}/groups", headers=carol_h)
    assert mine.status_code == 200 and [x["id"] for x in mine.json()["groups"]] == [g["id"]]
    assert client.get(f"{V3}/users/{dave}/groups", headers=carol_h).status_code == 403


def test_group_grants_reach_members_tokens_and_go_away_with_membership(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    h = auth_headers(admin_token)
    project = add_project(cloud, "p1")
    erin = add_user(cloud, "erin")
    g = new_group(client, admin_token, "team")
    role = new_role(client, admin_token, "worker")
    grant = f"{V3}/projects/{project}/groups/{g['id']}/roles/{role}"
    assert client.put(grant, headers=h).status_code == 204
    assert client.head(grant, headers=h).status_code == 204
    listed = client.get(f"{V3}/projects/{project}/groups/{g['id']}/roles", headers=h).json()["roles"]
    assert [r["id"] for r in listed] == [role]
    assert try_token(client, "erin", {"project": {"id": project}}) == 401  # not a member yet

    client.put(f"{V3}/groups/{g['id']}/users/{erin}", headers=h)
    token = user_token(client, "erin", {"project": {"id": project}})
    info = client.get(f"{V3}/auth/tokens", headers={**h, "X-Subject-Token": token}).json()["token"]
    assert [r["name"] for r in info["roles"]] == ["worker"]
    projects = client.get(f"{V3}/users/{erin}/projects", headers=h).json()["projects"]
    assert [p["id"] for p in projects] == [project]

    # Leaving the group revokes the token that relied on it.
    assert client.delete(f"{V3}/groups/{g['id']}/users/{erin}", headers=h).status_code == 204
    assert not works(client, token)
    assert try_token(client, "erin", {"project": {"id": project}}) == 401


def test_removing_a_group_grant_or_the_group_revokes_members_tokens(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    h = auth_headers(admin_token)
    domain = add_domain(cloud, "d1")
    project = add_project(cloud, "p1")
    frank = add_user(cloud, "frank")
    member = role_named(cloud, "member")
    g = new_group(client, admin_token, "team")
    client.put(f"{V3}/groups/{g['id']}/users/{frank}", headers=h)
    grant = f"{V3}/projects/{project}/groups/{g['id']}/roles/{member}"
    client.put(grant, headers=h)
    dgrant = f"{V3}/domains/{domain}/groups/{g['id']}/roles/{member}"
    assert client.put(dgrant, headers=h).status_code == 204
    assert [
        r["id"]
        for r in client.get(f"{V3}/domains/{domain}/groups/{g['id']}/roles", headers=h).json()["roles"]
    ] == [member]
    dtoken = user_token(client, "frank", {"domain": {"id": domain}})
    token = user_token(client, "frank", {"project": {"id": project}})
    assert client.delete(grant, headers=h).status_code == 204
    assert client.delete(grant, headers=h).status_code == 404
    assert not works(client, token)
    assert works(client, dtoken)
    assert client.delete(f"{V3}/groups/{g['id']}", headers=h).status_code == 204
    assert not works(client, dtoken)
    assert client.get(f"{V3}/role_assignments?group.id={g['id']}", headers=h).json()["role_assignments"] == []


def test_effective_assignments_expand_groups_and_inheritance(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    h = auth_headers(admin_token)
    domain = add_domain(cloud, "d1")
    parent = add_project(cloud, "parent", domain)
    child = add_project(cloud, "child", domain, parent_id=parent)
    gina = add_user(cloud, "gina", domain)
    reader, member = role_named(cloud, "reader"), role_named(cloud, "member")
    g = new_group(client, admin_token, "team", domain_id=domain)
    client.put(f"{V3}/groups/{g['id']}/users/{gina}", headers=h)
    inherit = f"{V3}/OS-INHERIT/projects/{parent}/groups/{g['id']}/roles/{member}/inherited_to_projects"
    assert client.put(inherit, headers=h).status_code == 204
    assert client.head(inherit, headers=h).status_code == 204

    direct = client.get(f"{V3}/role_assignments?group.id={g['id']}", headers=h).json()["role_assignments"]
    assert direct == [
        {
            "group": {"id": g["id"]},
            "role": {"id": member},
            "scope": {"project": {"id": parent}, "OS-INHERIT:inherited_to": "projects"},
            "links": {"assignment": f"http://testserver{inherit}"},
        }
    ]
    # Not effective: a user's listing shows the user's own grants only.
    assert client.get(f"{V3}/role_assignments?user.id={gina}", headers=h).json()["role_assignments"] == []

    eff = client.get(f"{V3}/role_assignments?effective&user.id={gina}&include_names", headers=h).json()
    rows = eff["role_assignments"]
    assert {(r["scope"]["project"]["id"], r["role"]["name"]) for r in rows} == {
        (child, "member"),
        (child, "reader"),
    }
    first = rows[0]
    assert first["user"]["name"] == "gina" and first["user"]["domain"]["id"] == domain
    assert first["links"]["membership"].endswith(f"/v3/groups/{g['id']}/users/{gina}")
    named = client.get(f"{V3}/role_assignments?group.id={g['id']}&include_names", headers=h).json()
    assert named["role_assignments"][0]["group"] == {
        "id": g["id"],
        "name": "team",
        "domain": {"id": domain, "name": "d1"},
    }

    # Inherited roles through the group land in the child's token, not the parent's.
    token = user_token(client, "gina", {"project": {"id": child}}, user_domain=domain)
    info = client.get(f"{V3}/auth/tokens", headers={**h, "X-Subject-Token": token}).json()["token"]
    assert {r["id"] for r in info["roles"]} == {member, reader}
    assert try_token(client, "gina", {"project": {"id": parent}}) == 401
    assert client.delete(inherit, headers=h).status_code == 204
    assert not works(client, token)
    assert (
        client.get(f"{V3}/role_assignments?effective&user.id={gina}", headers=h).json()["role_assignments"]
        == []
    )


def test_app_credential_goes_when_its_user_loses_the_role(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    h = auth_headers(admin_token)
    project = add_project(cloud, "p1")
    hank = add_user(cloud, "hank")
    member = role_named(cloud, "member")
    g = new_group(client, admin_token, "team")
    client.put(f"{V3}/groups/{g['id']}/users/{hank}", headers=h)
    client.put(f"{V3}/projects/{project}/groups/{g['id']}/roles/{member}", headers=h)
    hank_h = auth_headers(user_token(client, "hank", {"project": {"id": project}}))
    creds = f"{V3}/users/{hank}/application_credentials"
    made = client.post(creds, json={"application_credential": {"name": "ci"}}, headers=hank_h)
    assert made.status_code == 201, made.text
    assert [c["name"] for c in client.get(creds, headers=h).json()["application_credentials"]] == ["ci"]
    # A direct grant of another role on another project changes nothing for the credential.
    other = add_project(cloud, "p2")
    client.put(f"{V3}/projects/{other}/users/{hank}/roles/{member}", headers=h)
    client.delete(f"{V3}/projects/{other}/users/{hank}/roles/{member}", headers=h)
    assert len(client.get(creds, headers=h).json()["application_credentials"]) == 1
    # Leaving the group takes the member role on p1 away: the credential goes with it.
    client.delete(f"{V3}/groups/{g['id']}/users/{hank}", headers=h)
    assert client.get(creds, headers=h).json()["application_credentials"] == []


def test_group_grant_checks(client: TestClient, cloud: Cloud, admin_token: str, demo_token: str) -> None:
    h = auth_headers(admin_token)
    project = add_project(cloud, "p1")
    member = role_named(cloud, "member")
    g = new_group(client, admin_token, "team")
    assert client.put(f"{V3}/projects/{project}/groups/nope/roles/{member}", headers=h).status_code == 404
    assert client.put(f"{V3}/projects/nope/groups/{g['id']}/roles/{member}", headers=h).status_code == 404
    assert client.put(f"{V3}/projects/{project}/groups/{g['id']}/roles/nope", headers=h).status_code == 404
    missing = client.head(f"{V3}/projects/{project}/groups/{g['id']}/roles/{member}", headers=h)
    assert missing.status_code == 404
    system = f"{V3}/system/groups/{g['id']}/roles/{member}"
    assert client.put(system, headers=h).status_code == 204
    assert [
        r["id"] for r in client.get(f"{V3}/system/groups/{g['id']}/roles", headers=h).json()["roles"]
    ] == [member]
    assert client.delete(system, headers=h).status_code == 204
    d = auth_headers(demo_token)
    assert (
        client.put(f"{V3}/projects/{project}/groups/{g['id']}/roles/{member}", headers=d).status_code == 403
    )
