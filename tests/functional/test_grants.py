"""Grants: roles of users on projects, domains and the system, OS-INHERIT inherited grants, and
what removing a grant does to the user's tokens."""

from __future__ import annotations

from sqlalchemy import select
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.identity.common import new_id, utcnow
from pocketstack.store.models import Assignment, Domain, Project, Role, User
from tests.conftest import ADMIN_PASSWORD
from tests.functional.conftest import auth_headers, issue_token

V3 = "/identity/v3"
TOKENS = f"{V3}/auth/tokens"


# -- seeding helpers (also used by test_roles and test_role_assignments) -------------------------
def add_domain(cloud: Cloud, name: str) -> str:
    with cloud.db.transaction() as s:
        domain = Domain(id=new_id(), name=name, description="", enabled=True, extra={}, created_at=utcnow())
        s.add(domain)
        return domain.id


def add_project(cloud: Cloud, name: str, domain_id: str = "default", parent_id: str | None = None) -> str:
    with cloud.db.transaction() as s:
        project = Project(
            id=new_id(),
            name=name,
            domain_id=domain_id,
            parent_id=parent_id,
            description="",
            enabled=True,
            tags=[],
            extra={},
            created_at=utcnow(),
        )
        s.add(project)
        return project.id


def add_user(cloud: Cloud, name: str, domain_id: str = "default") -> str:
    """A user whose password is ``pw-<name>``."""
    with cloud.db.transaction() as s:
        user = User(
            id=new_id(),
            name=name,
            domain_id=domain_id,
            enabled=True,
            default_project_id=None,
            password_hash=cloud.verifier.hash(f"pw-{name}"),
            password_created_at=utcnow(),
            description="",
            options={},
            extra={},
            created_at=utcnow(),
        )
        s.add(user)
        return user.id


def role_named(cloud: Cloud, name: str) -> str:
    with cloud.db.read() as s:
        return s.scalars(select(Role.id).where(Role.name == name, Role.domain_id.is_(None))).one()


def new_role(client: TestClient, token: str, name: str, domain_id: str | None = None) -> str:
    body: dict = {"role": {"name": name}}
    if domain_id:
        body["role"]["domain_id"] = domain_id
    resp = client.post(f"{V3}/roles", json=body, headers=auth_headers(token))
    assert resp.status_code == 201, resp.text
    return resp.json()["role"]["id"]


def user_token(client: TestClient, name: str, scope: dict, user_domain: str = "default") -> str:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": name, "domain": {"id": user_domain}, "password": f"pw-{name}"}},
            },
            "scope": scope,
        }
    }
    resp = client.post(TOKENS, json=body)
    assert resp.status_code == 201, resp.text
    return resp.headers["X-Subject-Token"]


def try_token(client: TestClient, name: str, scope: dict) -> int:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": name, "domain": {"id": "default"}, "password": f"pw-{name}"}},
            },
            "scope": scope,
        }
    }
    return client.post(TOKENS, json=body).status_code


def works(client: TestClient, token: str) -> bool:
    status = client.get(f"{V3}/auth/catalog", headers=auth_headers(token)).status_code
    assert status in (200, 401)
    return status == 200


def validation_status(client: TestClient, admin_token: str, subject: str) -> int:
    return client.get(TOKENS, headers={**auth_headers(admin_token), "X-Subject-Token": subject}).status_code


def grants_of(cloud: Cloud, user_id: str) -> set[tuple[str, str, str, bool]]:
    with cloud.db.read() as s:
        rows = s.scalars(select(Assignment).where(Assignment.actor_id == user_id))
        return {(a.kind, a.target_id, a.role_id, a.inherited) for a in rows}


# -- project grants ------------------------------------------------------------------------------
def test_project_grant_put_check_list_and_delete(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    h = auth_headers(admin_token)
    p1, u1 = add_project(cloud, "p1"), add_user(cloud, "u1")
    member = role_named(cloud, "member")
    url = f"{V3}/projects/{p1}/users/{u1}/roles/{member}"
    assert client.head(url, headers=h).status_code == 404
    assert try_token(client, "u1", {"project": {"id": p1}}) == 401

    assert client.put(url, headers=h).status_code == 204
    assert client.put(url, headers=h).status_code == 204  # granting again is a no-op
    assert client.head(url, headers=h).status_code == 204
    assert client.get(url, headers=h).status_code == 204
    listed = client.get(f"{V3}/projects/{p1}/users/{u1}/roles", headers=h)
    assert listed.status_code == 200
    assert [r["name"] for r in listed.json()["roles"]] == ["member"]
    assert listed.json()["roles"][0]["links"]["self"].endswith(f"/v3/roles/{member}")
    assert listed.json()["links"]["self"].endswith(f"/v3/projects/{p1}/users/{u1}/roles")
    token = user_token(client, "u1", {"project": {"id": p1}})
    shown = client.get(TOKENS, headers={**h, "X-Subject-Token": token}).json()["token"]
    assert {r["name"] for r in shown["roles"]} == {"member", "reader"}

    assert client.delete(url, headers=h).status_code == 204
    assert client.head(url, headers=h).status_code == 404
    missing = client.delete(url, headers=h)
    assert missing.status_code == 404
    assert "Could not find role assignment" in missing.json()["error"]["message"]
    assert client.get(f"{V3}/projects/{p1}/users/{u1}/roles", headers=h).json()["roles"] == []


def test_grant_on_unknown_role_user_or_project_is_404(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    h = auth_headers(admin_token)
    p1, u1 = add_project(cloud, "p1"), add_user(cloud, "u1")
    member = role_named(cloud, "member")
    for url, what in [
        (f"{V3}/projects/{p1}/users/{u1}/roles/nope", "role"),
        (f"{V3}/projects/{p1}/users/nope/roles/{member}", "user"),
        (f"{V3}/projects/nope/users/{u1}/roles/{member}", "project"),
        (f"{V3}/domains/nope/users/{u1}/roles/{member}", "domain"),
    ]:
        resp = client.put(url, headers=h)
        assert resp.status_code == 404, url
        assert resp.json()["error"]["message"] == f"Could not find {what}: nope."
    assert client.get(f"{V3}/projects/nope/users/{u1}/roles", headers=h).status_code == 404
    assert grants_of(cloud, u1) == set()


def test_openstack_role_add_flow_lets_the_user_log_in(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    """What `openstack role add --project p1 --user u1 member` sends, then u1 logs in."""
    h = auth_headers(admin_token)
    p1, u1 = add_project(cloud, "p1"), add_user(cloud, "u1")
    by_id = client.get(f"{V3}/roles/member", headers=h)
    assert by_id.status_code == 404
    assert by_id.json()["error"]["code"] == 404
    (role,) = client.get(f"{V3}/roles", params={"name": "member"}, headers=h).json()["roles"]
    assert client.put(f"{V3}/projects/{p1}/users/{u1}/roles/{role['id']}", headers=h).status_code == 204
    token = issue_token(client, "u1", "pw-u1", "p1")
    projects = client.get(f"{V3}/auth/projects", headers=auth_headers(token)).json()["projects"]
    assert [p["name"] for p in projects] == ["p1"]


# -- domain and system grants -------------------------------------------------------------------
def test_domain_grant_gives_a_domain_scoped_token(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    h = auth_headers(admin_token)
    d1, u1 = add_domain(cloud, "d1"), add_user(cloud, "u1")
    reader = role_named(cloud, "reader")
    url = f"{V3}/domains/{d1}/users/{u1}/roles/{reader}"
    assert try_token(client, "u1", {"domain": {"id": d1}}) == 401
    assert client.put(url, headers=h).status_code == 204
    assert client.head(url, headers=h).status_code == 204
    listed = client.get(f"{V3}/domains/{d1}/users/{u1}/roles", headers=h).json()["roles"]
    assert [r["id"] for r in listed] == [reader]
    token = user_token(client, "u1", {"domain": {"id": d1}})
    assert works(client, token)
    assert client.delete(url, headers=h).status_code == 204
    assert client.head(url, headers=h).status_code == 404
    assert not works(client, token)
    assert try_token(client, "u1", {"domain": {"id": d1}}) == 401


def test_system_grant(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    h = auth_headers(admin_token)
    u1 = add_user(cloud, "u1")
    reader = role_named(cloud, "reader")
    url = f"{V3}/system/users/{u1}/roles/{reader}"
    assert client.head(url, headers=h).status_code == 404
    assert client.put(url, headers=h).status_code == 204
    assert client.get(url, headers=h).status_code == 204
    assert [r["name"] for r in client.get(f"{V3}/system/users/{u1}/roles", headers=h).json()["roles"]] == [
        "reader"
    ]
    token = user_token(client, "u1", {"system": {"all": True}})
    assert client.get(f"{V3}/auth/system", headers=auth_headers(token)).json()["system"] == [{"all": True}]
    assert client.delete(url, headers=h).status_code == 204
    assert not works(client, token)
    assert grants_of(cloud, u1) == set()


def test_domain_specific_roles_stay_in_their_domain(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    h = auth_headers(admin_token)
    d1 = add_domain(cloud, "d1")
    p_default, p_d1 = add_project(cloud, "p-default"), add_project(cloud, "p-d1", domain_id=d1)
    u1 = add_user(cloud, "u1")
    local = new_role(client, admin_token, "local", domain_id=d1)
    wrong = client.put(f"{V3}/projects/{p_default}/users/{u1}/roles/{local}", headers=h)
    assert wrong.status_code == 403
    assert "same domain" in wrong.json()["error"]["message"]
    system = client.put(f"{V3}/system/users/{u1}/roles/{local}", headers=h)
    assert system.status_code == 400
    assert "domain-specific" in system.json()["error"]["message"]
    assert grants_of(cloud, u1) == set()
    assert client.put(f"{V3}/projects/{p_d1}/users/{u1}/roles/{local}", headers=h).status_code == 204


# -- OS-INHERIT ----------------------------------------------------------------------------------
def test_inherited_domain_grant_reaches_every_project_of_the_domain(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    h = auth_headers(admin_token)
    d1 = add_domain(cloud, "d1")
    top = add_project(cloud, "top", domain_id=d1)
    child = add_project(cloud, "child", domain_id=d1, parent_id=top)
    u1 = add_user(cloud, "u1")
    member = role_named(cloud, "member")
    base = f"{V3}/OS-INHERIT/domains/{d1}/users/{u1}/roles"
    url = f"{base}/{member}/inherited_to_projects"
    assert client.head(url, headers=h).status_code == 404
    assert client.put(url, headers=h).status_code == 204
    assert client.head(url, headers=h).status_code == 204
    inherited = client.get(f"{base}/inherited_to_projects", headers=h)
    assert [r["name"] for r in inherited.json()["roles"]] == ["member"]
    # An inherited grant is not a grant on the domain itself.
    assert client.get(f"{V3}/domains/{d1}/users/{u1}/roles", headers=h).json()["roles"] == []
    assert client.head(f"{V3}/domains/{d1}/users/{u1}/roles/{member}", headers=h).status_code == 404
    assert try_token(client, "u1", {"domain": {"id": d1}}) == 401
    tokens = [user_token(client, "u1", {"project": {"id": pid}}) for pid in (top, child)]
    assert all(works(client, t) for t in tokens)

    assert client.delete(url, headers=h).status_code == 204
    assert not any(works(client, t) for t in tokens)
    assert validation_status(client, admin_token, tokens[1]) == 404


def test_inherited_project_grant_reaches_the_subtree_only(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    h = auth_headers(admin_token)
    parent = add_project(cloud, "parent")
    child = add_project(cloud, "child", parent_id=parent)
    grandchild = add_project(cloud, "grandchild", parent_id=child)
    u1 = add_user(cloud, "u1")
    member = role_named(cloud, "member")
    url = f"{V3}/OS-INHERIT/projects/{parent}/users/{u1}/roles/{member}/inherited_to_projects"
    assert client.put(url, headers=h).status_code == 204
    assert client.get(url, headers=h).status_code == 204
    listed = client.get(
        f"{V3}/OS-INHERIT/projects/{parent}/users/{u1}/roles/inherited_to_projects", headers=h
    )
    assert [r["id"] for r in listed.json()["roles"]] == [member]
    assert client.head(f"{V3}/projects/{parent}/users/{u1}/roles/{member}", headers=h).status_code == 404
    assert try_token(client, "u1", {"project": {"id": parent}}) == 401
    assert try_token(client, "u1", {"project": {"id": child}}) == 201
    assert try_token(client, "u1", {"project": {"id": grandchild}}) == 201
    assert client.delete(url, headers=h).status_code == 204
    assert try_token(client, "u1", {"project": {"id": grandchild}}) == 401


# -- revocation ------------------------------------------------------------------------------------
def test_removing_a_grant_revokes_the_users_tokens_for_that_project_only(
    client: TestClient, cloud: Cloud, admin_token: str, demo_token: str
) -> None:
    """u1 holds two roles on p1, so only the revocation event (not a lack of roles) can stop the
    p1 token; the p2 token and other users' tokens keep working."""
    h = auth_headers(admin_token)
    p1, p2, u1 = add_project(cloud, "p1"), add_project(cloud, "p2"), add_user(cloud, "u1")
    member = role_named(cloud, "member")
    extra = new_role(client, admin_token, "observer")
    for url in (
        f"{V3}/projects/{p1}/users/{u1}/roles/{member}",
        f"{V3}/projects/{p1}/users/{u1}/roles/{extra}",
        f"{V3}/projects/{p2}/users/{u1}/roles/{member}",
    ):
        assert client.put(url, headers=h).status_code == 204
    on_p1 = user_token(client, "u1", {"project": {"id": p1}})
    on_p2 = user_token(client, "u1", {"project": {"id": p2}})
    assert works(client, on_p1) and works(client, on_p2)

    assert client.delete(f"{V3}/projects/{p1}/users/{u1}/roles/{extra}", headers=h).status_code == 204

    assert client.get(f"{V3}/auth/projects", headers=auth_headers(on_p1)).status_code == 401
    assert validation_status(client, admin_token, on_p1) == 404
    assert works(client, on_p2)
    assert validation_status(client, admin_token, on_p2) == 200
    assert works(client, demo_token) and works(client, admin_token)
    # The role u1 still holds on p1 gives a fresh token, which carries no removed role.
    fresh = user_token(client, "u1", {"project": {"id": p1}})
    roles = client.get(TOKENS, headers={**h, "X-Subject-Token": fresh}).json()["token"]["roles"]
    assert {r["name"] for r in roles} == {"member", "reader"}


# -- groups and policy -------------------------------------------------------------------------------


def test_a_member_cannot_change_grants_and_nothing_changes(
    client: TestClient, cloud: Cloud, admin_token: str, demo_token: str
) -> None:
    h, demo = auth_headers(admin_token), auth_headers(demo_token)
    p1, u1 = add_project(cloud, "p1"), add_user(cloud, "u1")
    member, admin = role_named(cloud, "member"), role_named(cloud, "admin")
    assert client.put(f"{V3}/projects/{p1}/users/{u1}/roles/{member}", headers=h).status_code == 204
    before = grants_of(cloud, u1)
    for method, url in [
        ("PUT", f"{V3}/projects/{p1}/users/{u1}/roles/{admin}"),
        ("DELETE", f"{V3}/projects/{p1}/users/{u1}/roles/{member}"),
        ("PUT", f"{V3}/domains/default/users/{u1}/roles/{admin}"),
        ("PUT", f"{V3}/system/users/{u1}/roles/{admin}"),
        ("DELETE", f"{V3}/system/users/{u1}/roles/{admin}"),
        ("PUT", f"{V3}/OS-INHERIT/domains/default/users/{u1}/roles/{admin}/inherited_to_projects"),
        ("PUT", f"{V3}/OS-INHERIT/projects/{p1}/users/{u1}/roles/{admin}/inherited_to_projects"),
        # Unknown targets are refused the same way: a denied caller learns nothing.
        ("PUT", f"{V3}/projects/nope/users/nope/roles/nope"),
    ]:
        resp = client.request(method, url, headers=demo)
        assert resp.status_code == 403, (method, url)
    assert grants_of(cloud, u1) == before
    assert client.get(f"{V3}/system/users/{u1}/roles", headers=demo).status_code == 403
    # Nor read them: a project-scoped token is no domain reader (as in Keystone).
    assert client.get(f"{V3}/projects/{p1}/users/{u1}/roles", headers=demo).status_code == 403
    assert client.head(f"{V3}/projects/{p1}/users/{u1}/roles/{member}", headers=demo).status_code == 403


def test_admin_grants_still_work_for_bootstrap_admin(client: TestClient) -> None:
    """The bootstrap admin's own grants are visible through the grant API."""
    token = issue_token(client, "admin", ADMIN_PASSWORD, "admin")
    h = auth_headers(token)
    info = client.get(TOKENS, headers={**h, "X-Subject-Token": token}).json()["token"]
    user_id, project_id = info["user"]["id"], info["project"]["id"]
    roles = client.get(f"{V3}/projects/{project_id}/users/{user_id}/roles", headers=h).json()["roles"]
    assert [r["name"] for r in roles] == ["admin"]
    system = client.get(f"{V3}/system/users/{user_id}/roles", headers=h).json()["roles"]
    assert [r["name"] for r in system] == ["admin"]
