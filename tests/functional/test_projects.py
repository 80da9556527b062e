"""/v3/projects: CRUD, hierarchy, filters, tags, policy, and what disabling or deleting a
project does to the tokens scoped to it."""

from __future__ import annotations

from sqlalchemy import select
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.store.models import Assignment
from tests.conftest import DEMO_PASSWORD
from tests.functional.conftest import auth_headers, issue_token, password_auth

V3 = "/identity/v3"
TOKENS = f"{V3}/auth/tokens"


def create_project(client: TestClient, token: str, name: str, **fields: object) -> dict:
    body = {"project": {"name": name, "domain_id": "default", "enabled": True, **fields}}
    resp = client.post(f"{V3}/projects", json=body, headers=auth_headers(token))
    assert resp.status_code == 201, resp.text
    return resp.json()["project"]


def project_named(client: TestClient, token: str, name: str) -> dict:
    (project,) = client.get(f"{V3}/projects", params={"name": name}, headers=auth_headers(token)).json()[
        "projects"
    ]
    return project


def names(client: TestClient, token: str, **params: str) -> set[str]:
    resp = client.get(f"{V3}/projects", params=params, headers=auth_headers(token))
    assert resp.status_code == 200, resp.text
    return {p["name"] for p in resp.json()["projects"]}


def token_works(client: TestClient, token: str) -> bool:
    status = client.get(f"{V3}/auth/projects", headers=auth_headers(token)).status_code
    assert status in (200, 401)
    return status == 200


def test_create_as_the_cli_does_and_show(client: TestClient, admin_token: str) -> None:
    body = {"project": {"name": "p1", "domain_id": "default", "enabled": True, "description": "first"}}
    resp = client.post(f"{V3}/projects", json=body, headers=auth_headers(admin_token))
    assert resp.status_code == 201
    p1 = resp.json()["project"]
    assert {k: p1[k] for k in ("name", "domain_id", "description", "enabled", "is_domain", "parent_id")} == {
        "name": "p1",
        "domain_id": "default",
        "description": "first",
        "enabled": True,
        "is_domain": False,
        "parent_id": "default",  # Keystone's view: the domain is a top-level project's parent
    }
    assert p1["tags"] == []
    assert p1["options"] == {}
    assert p1["links"]["self"].endswith(f"/identity/v3/projects/{p1['id']}")
    shown = client.get(f"{V3}/projects/{p1['id']}", headers=auth_headers(admin_token))
    assert shown.status_code == 200
    assert shown.json()["project"] == p1


def test_domain_defaults_to_default_and_extra_attributes_are_kept(
    client: TestClient, admin_token: str
) -> None:
    body = {"project": {"name": "p2", "owner": "team-a", "cost_center": 42}}
    resp = client.post(f"{V3}/projects", json=body, headers=auth_headers(admin_token))
    assert resp.status_code == 201
    p2 = resp.json()["project"]
    assert p2["domain_id"] == "default"
    assert p2["owner"] == "team-a"
    assert p2["cost_center"] == 42
    patched = client.patch(
        f"{V3}/projects/{p2['id']}", json={"project": {"owner": "team-b"}}, headers=auth_headers(admin_token)
    )
    assert patched.json()["project"]["owner"] == "team-b"
    assert patched.json()["project"]["cost_center"] == 42


def test_list_filters(client: TestClient, admin_token: str) -> None:
    p1 = create_project(client, admin_token, "p1")
    create_project(client, admin_token, "child", parent_id=p1["id"])
    create_project(client, admin_token, "off", enabled=False)
    assert names(client, admin_token) == {"admin", "demo", "p1", "child", "off"}
    assert names(client, admin_token, name="p1") == {"p1"}
    assert names(client, admin_token, enabled="false") == {"off"}
    assert names(client, admin_token, domain_id="default", enabled="true") == {"admin", "demo", "p1", "child"}
    assert names(client, admin_token, domain_id="nowhere") == set()
    assert names(client, admin_token, parent_id=p1["id"]) == {"child"}
    assert names(client, admin_token, parent_id="default") == {"admin", "demo", "p1", "off"}
    assert names(client, admin_token, is_domain="false") == names(client, admin_token)
    domains = client.get(f"{V3}/projects", params={"is_domain": "true"}, headers=auth_headers(admin_token))
    (default,) = domains.json()["projects"]
    assert default["id"] == "default"
    assert default["is_domain"] is True


def test_names_are_unique_per_domain(client: TestClient, admin_token: str) -> None:
    create_project(client, admin_token, "p1")
    body = {"project": {"name": "p1", "domain_id": "default"}}
    resp = client.post(f"{V3}/projects", json=body, headers=auth_headers(admin_token))
    assert resp.status_code == 409
    assert resp.json()["error"]["title"] == "Conflict"
    dom = client.post(f"{V3}/domains", json={"domain": {"name": "d2"}}, headers=auth_headers(admin_token))
    other = create_project(client, admin_token, "p1", domain_id=dom.json()["domain"]["id"])
    assert other["domain_id"] == dom.json()["domain"]["id"]
    renamed = client.patch(
        f"{V3}/projects/{other['id']}", json={"project": {"name": "p1"}}, headers=auth_headers(admin_token)
    )
    assert renamed.status_code == 200
    demo = project_named(client, admin_token, "demo")
    clash = client.patch(
        f"{V3}/projects/{demo['id']}", json={"project": {"name": "p1"}}, headers=auth_headers(admin_token)
    )
    assert clash.status_code == 409


def test_hierarchy_shapes_and_rules(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    a = create_project(client, admin_token, "a")
    b = create_project(client, admin_token, "b", parent_id=a["id"])
    c = create_project(client, admin_token, "c", parent_id=b["id"])
    d = create_project(client, admin_token, "d", parent_id=b["id"])
    assert b["parent_id"] == a["id"]
    assert c["domain_id"] == "default"
    parents = client.get(f"{V3}/projects/{c['id']}?parents_as_ids", headers=h).json()["project"]["parents"]
    assert parents == {b["id"]: {a["id"]: {"default": None}}}
    subtree = client.get(f"{V3}/projects/{a['id']}?subtree_as_ids", headers=h).json()["project"]["subtree"]
    assert subtree == {b["id"]: {c["id"]: None, d["id"]: None}}
    both = client.get(f"{V3}/projects/{a['id']}?subtree_as_ids&subtree_as_list", headers=h)
    assert both.status_code == 400
    # A project with children cannot be deleted.
    resp = client.delete(f"{V3}/projects/{b['id']}", headers=h)
    assert resp.status_code == 403
    assert client.get(f"{V3}/projects/{b['id']}", headers=h).status_code == 200
    # Nor moved: the parent is fixed at creation.
    moved = client.patch(f"{V3}/projects/{c['id']}", json={"project": {"parent_id": a["id"]}}, headers=h)
    assert moved.status_code == 403


def test_a_parent_must_exist_and_share_the_domain(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    p1 = create_project(client, admin_token, "p1")
    dom = client.post(f"{V3}/domains", json={"domain": {"name": "d2"}}, headers=h).json()["domain"]
    cases = [
        {"name": "x", "domain_id": dom["id"], "parent_id": p1["id"]},
        {"name": "x", "parent_id": "no-such-project"},
        {"name": "x", "domain_id": "no-such-domain"},
        {"name": "x", "domain_id": "default", "parent_id": dom["id"]},
    ]
    for body in cases:
        resp = client.post(f"{V3}/projects", json={"project": body}, headers=h)
        assert resp.status_code == 400, (body, resp.text)
    assert "x" not in names(client, admin_token)
    # Naming the domain itself as the parent is a top-level project.
    top = create_project(client, admin_token, "top", domain_id=dom["id"], parent_id=dom["id"])
    assert top["parent_id"] == dom["id"]


def test_hierarchy_depth_is_limited(client: TestClient, admin_token: str) -> None:
    parent = None
    for level in range(5):
        extra = {"parent_id": parent} if parent else {}
        parent = create_project(client, admin_token, f"level{level}", **extra)["id"]
    body = {"project": {"name": "too-deep", "parent_id": parent}}
    assert client.post(f"{V3}/projects", json=body, headers=auth_headers(admin_token)).status_code == 403


def test_enabling_and_disabling_follow_the_tree(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    parent = create_project(client, admin_token, "parent")
    child = create_project(client, admin_token, "child", parent_id=parent["id"])

    def set_enabled(pid: str, enabled: bool) -> int:
        return client.patch(
            f"{V3}/projects/{pid}", json={"project": {"enabled": enabled}}, headers=h
        ).status_code

    assert set_enabled(parent["id"], False) == 403  # its child is still enabled
    assert set_enabled(child["id"], False) == 200
    assert set_enabled(parent["id"], False) == 200
    assert set_enabled(child["id"], True) == 403  # its parent is disabled
    body = {"project": {"name": "late", "parent_id": parent["id"]}}
    assert client.post(f"{V3}/projects", json=body, headers=h).status_code == 400
    assert set_enabled(parent["id"], True) == 200
    assert set_enabled(child["id"], True) == 200


def test_update_rules(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    p1 = create_project(client, admin_token, "p1")
    url = f"{V3}/projects/{p1['id']}"
    resp = client.patch(url, json={"project": {"description": "new", "tags": ["a", "b"]}}, headers=h)
    assert resp.status_code == 200
    assert resp.json()["project"]["description"] == "new"
    assert resp.json()["project"]["tags"] == ["a", "b"]
    assert client.patch(url, json={"project": {"domain_id": "elsewhere"}}, headers=h).status_code == 400
    assert client.patch(url, json={"project": {"id": "other"}}, headers=h).status_code == 400
    assert client.patch(url, json={"project": {"is_domain": True}}, headers=h).status_code == 400
    assert client.patch(url, json={"project": {"enabled": "no"}}, headers=h).status_code == 400
    assert client.patch(url, json={"project": {"name": ""}}, headers=h).status_code == 400
    assert client.patch(url, json={"project": {"parent_id": "default"}}, headers=h).status_code == 200
    assert client.get(url, headers=h).json()["project"]["name"] == "p1"


def test_unknown_project_is_a_404(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    for resp in (
        client.get(f"{V3}/projects/nope", headers=h),
        client.patch(f"{V3}/projects/nope", json={"project": {"name": "x"}}, headers=h),
        client.delete(f"{V3}/projects/nope", headers=h),
        client.get(f"{V3}/projects/nope/tags", headers=h),
    ):
        assert resp.status_code == 404
        assert resp.json()["error"]["message"] == "Could not find project: nope."


def test_immutable_projects_refuse_changes_until_unlocked(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    p1 = create_project(client, admin_token, "p1", options={"immutable": True})
    assert p1["options"] == {"immutable": True}
    url = f"{V3}/projects/{p1['id']}"
    assert client.patch(url, json={"project": {"description": "x"}}, headers=h).status_code == 403
    assert client.delete(url, headers=h).status_code == 403
    assert client.put(f"{url}/tags/t1", headers=h).status_code == 403
    assert (
        client.patch(url, json={"project": {"options": {"immutable": False}}}, headers=h).status_code == 200
    )
    assert client.delete(url, headers=h).status_code == 204


def test_tags_subresource(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    p1 = create_project(client, admin_token, "p1", tags=["red"])
    url = f"{V3}/projects/{p1['id']}/tags"
    assert client.get(url, headers=h).json()["tags"] == ["red"]
    replaced = client.put(url, json={"tags": ["green", "blue"]}, headers=h)
    assert replaced.status_code == 200
    assert replaced.json()["tags"] == ["green", "blue"]
    added = client.put(f"{url}/yellow", headers=h)
    assert added.status_code == 201
    assert added.headers["Location"].endswith(f"/v3/projects/{p1['id']}/tags/yellow")
    assert client.get(f"{url}/yellow", headers=h).status_code == 204
    assert client.head(f"{url}/yellow", headers=h).status_code == 204
    missing = client.get(f"{url}/purple", headers=h)
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "Could not find project tag: purple."
    assert client.delete(f"{url}/green", headers=h).status_code == 204
    assert client.delete(f"{url}/green", headers=h).status_code == 404
    assert client.get(f"{V3}/projects/{p1['id']}", headers=h).json()["project"]["tags"] == ["blue", "yellow"]
    assert client.put(url, json={"tags": ["a,b"]}, headers=h).status_code == 400
    assert client.put(url, json={"tags": ["dup", "dup"]}, headers=h).status_code == 400
    assert client.put(url, json={"tags": [f"t{i}" for i in range(81)]}, headers=h).status_code == 400
    assert client.put(f"{url}/{'x' * 256}", headers=h).status_code == 400
    assert client.get(url, headers=h).json()["tags"] == ["blue", "yellow"]
    assert client.delete(url, headers=h).status_code == 204
    assert client.get(url, headers=h).json()["tags"] == []


def test_tag_filters(client: TestClient, admin_token: str) -> None:
    create_project(client, admin_token, "ab", tags=["a", "b"])
    create_project(client, admin_token, "a", tags=["a"])
    create_project(client, admin_token, "c", tags=["c"])
    assert names(client, admin_token, tags="a,b") == {"ab"}
    assert names(client, admin_token, **{"tags-any": "b,c"}) == {"ab", "c"}
    assert names(client, admin_token, **{"not-tags": "a,b"}) == {"admin", "demo", "a", "c"}
    assert names(client, admin_token, **{"not-tags-any": "a,c"}) == {"admin", "demo"}


def test_a_member_reads_its_project_and_changes_nothing(
    client: TestClient, admin_token: str, demo_token: str
) -> None:
    demo = auth_headers(demo_token)
    mine = project_named(client, admin_token, "demo")
    assert client.get(f"{V3}/projects/{mine['id']}", headers=demo).status_code == 200
    assert client.get(f"{V3}/projects/{mine['id']}/tags", headers=demo).status_code == 200
    assert client.get(f"{V3}/projects", headers=demo).status_code == 403
    assert (
        client.post(f"{V3}/projects", json={"project": {"name": "sneaky"}}, headers=demo).status_code == 403
    )
    assert (
        client.patch(f"{V3}/projects/{mine['id']}", json={"project": {"name": "x"}}, headers=demo).status_code
        == 403
    )
    assert client.put(f"{V3}/projects/{mine['id']}/tags/x", headers=demo).status_code == 403
    assert client.delete(f"{V3}/projects/{mine['id']}", headers=demo).status_code == 403
    assert client.get(f"{V3}/projects/no-such-project", headers=demo).status_code == 403
    assert names(client, admin_token) == {"admin", "demo"}
    assert project_named(client, admin_token, "demo") == mine
    assert token_works(client, demo_token)


def test_a_member_cannot_read_another_project(client: TestClient, admin_token: str, demo_token: str) -> None:
    other = project_named(client, admin_token, "admin")
    assert client.get(f"{V3}/projects/{other['id']}", headers=auth_headers(demo_token)).status_code == 403


def test_disabling_a_project_invalidates_its_tokens(
    client: TestClient, admin_token: str, demo_token: str
) -> None:
    h = auth_headers(admin_token)
    demo = project_named(client, admin_token, "demo")
    url = f"{V3}/projects/{demo['id']}"
    assert client.patch(url, json={"project": {"enabled": False}}, headers=h).status_code == 200
    assert not token_works(client, demo_token)
    assert client.get(TOKENS, headers={**h, "X-Subject-Token": demo_token}).status_code == 404
    assert client.post(TOKENS, json=password_auth("demo", DEMO_PASSWORD, "demo")).status_code == 401
    assert token_works(client, admin_token)
    assert client.patch(url, json={"project": {"enabled": True}}, headers=h).status_code == 200
    assert not token_works(client, demo_token)  # the old token stays revoked
    assert token_works(client, issue_token(client, "demo", DEMO_PASSWORD, "demo"))


def test_deleting_a_project_removes_its_assignments_and_tokens(
    client: TestClient, cloud: Cloud, admin_token: str, demo_token: str
) -> None:
    h = auth_headers(admin_token)
    demo = project_named(client, admin_token, "demo")
    assert client.delete(f"{V3}/projects/{demo['id']}", headers=h).status_code == 204
    assert client.get(f"{V3}/projects/{demo['id']}", headers=h).status_code == 404
    assert not token_works(client, demo_token)
    assert client.get(TOKENS, headers={**h, "X-Subject-Token": demo_token}).status_code == 404
    with cloud.db.read() as s:
        assert s.scalars(select(Assignment).where(Assignment.target_id == demo["id"])).all() == []
    assert token_works(client, admin_token)


def test_nul_characters_are_refused_not_a_server_error(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    p1 = create_project(client, admin_token, "p1")
    assert client.get(f"{V3}/projects/a%00b", headers=h).status_code == 400
    assert client.get(f"{V3}/projects?parent_id=a%00b", headers=h).status_code == 400
    assert client.post(f"{V3}/projects", json={"project": {"name": "a\x00b"}}, headers=h).status_code == 400
    assert client.put(f"{V3}/projects/{p1['id']}/tags/a%00b", headers=h).status_code == 400
    assert names(client, admin_token) == {"admin", "demo", "p1"}
