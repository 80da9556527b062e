"""GET /v3/role_assignments: filters, names, effective mode, subtrees and who may list."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from tests.functional.conftest import auth_headers
from tests.functional.test_grants import (
    TOKENS,
    add_domain,
    add_project,
    add_user,
    new_role,
    role_named,
    user_token,
)

V3 = "/identity/v3"
URL = f"{V3}/role_assignments"


@dataclass
class World:
    """d1 holds p1 > child; u1 is member on p1, reader on d1 and inherits observer on d1's projects."""

    admin: dict[str, str]
    d1: str
    p1: str
    child: str
    u1: str
    member: str
    reader: str
    admin_role: str
    observer: str


@pytest.fixture
def world(client: TestClient, cloud: Cloud, admin_token: str) -> World:
    h = auth_headers(admin_token)
    d1 = add_domain(cloud, "d1")
    p1 = add_project(cloud, "p1", domain_id=d1)
    child = add_project(cloud, "child", domain_id=d1, parent_id=p1)
    u1 = add_user(cloud, "u1")
    w = World(
        admin=h,
        d1=d1,
        p1=p1,
        child=child,
        u1=u1,
        member=role_named(cloud, "member"),
        reader=role_named(cloud, "reader"),
        admin_role=role_named(cloud, "admin"),
        observer=new_role(client, admin_token, "observer"),
    )
    for url in (
        f"{V3}/projects/{p1}/users/{u1}/roles/{w.member}",
        f"{V3}/domains/{d1}/users/{u1}/roles/{w.reader}",
        f"{V3}/OS-INHERIT/domains/{d1}/users/{u1}/roles/{w.observer}/inherited_to_projects",
    ):
        assert client.put(url, headers=h).status_code == 204
    return w


def listing(client: TestClient, headers: dict[str, str], **params: str) -> list[dict]:
    resp = client.get(URL, params=params, headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()["role_assignments"]


def summary(items: list[dict]) -> set[tuple]:
    """(role id, user id, scope kind, scope id, inherited) of each assignment."""
    out = set()
    for a in items:
        scope = a["scope"]
        kind = next(k for k in ("project", "domain", "system") if k in scope)
        where = "all" if kind == "system" else scope[kind]["id"]
        out.add((a["role"]["id"], a["user"]["id"], kind, where, "OS-INHERIT:inherited_to" in scope))
    return out


def test_list_by_user_shows_direct_and_inherited_grants_with_links(client: TestClient, world: World) -> None:
    w = world
    items = listing(client, w.admin, **{"user.id": w.u1})
    assert summary(items) == {
        (w.member, w.u1, "project", w.p1, False),
        (w.reader, w.u1, "domain", w.d1, False),
        (w.observer, w.u1, "domain", w.d1, True),
    }
    links = {a["role"]["id"]: a["links"]["assignment"] for a in items}
    assert links[w.member].endswith(f"/identity/v3/projects/{w.p1}/users/{w.u1}/roles/{w.member}")
    assert links[w.reader].endswith(f"/v3/domains/{w.d1}/users/{w.u1}/roles/{w.reader}")
    assert links[w.observer].endswith(
        f"/v3/OS-INHERIT/domains/{w.d1}/users/{w.u1}/roles/{w.observer}/inherited_to_projects"
    )
    inherited = next(a for a in items if a["role"]["id"] == w.observer)
    assert inherited["scope"]["OS-INHERIT:inherited_to"] == "projects"
    assert inherited["user"] == {"id": w.u1} and inherited["role"] == {"id": w.observer}
    body = client.get(URL, params={"user.id": w.u1}, headers=w.admin).json()
    assert body["links"]["self"].endswith(f"/v3/role_assignments?user.id={w.u1}")


def test_unfiltered_list_includes_system_grants(client: TestClient, world: World) -> None:
    items = listing(client, world.admin)
    system = [a for a in items if "system" in a["scope"]]
    assert [(a["role"]["id"], a["scope"]["system"]) for a in system] == [(world.admin_role, {"all": True})]
    assert system[0]["links"]["assignment"].endswith(
        f"/v3/system/users/{system[0]['user']['id']}/roles/{world.admin_role}"
    )
    assert {a["user"]["id"] for a in items} >= {world.u1}
    assert len(items) == 6  # admin: project + system; demo: project; u1: three


def test_scope_role_and_inheritance_filters(client: TestClient, world: World) -> None:
    w = world
    assert summary(listing(client, w.admin, **{"scope.project.id": w.p1})) == {
        (w.member, w.u1, "project", w.p1, False)
    }
    assert summary(listing(client, w.admin, **{"scope.domain.id": w.d1})) == {
        (w.reader, w.u1, "domain", w.d1, False),
        (w.observer, w.u1, "domain", w.d1, True),
    }
    inherited = listing(
        client, w.admin, **{"scope.domain.id": w.d1, "scope.OS-INHERIT:inherited_to": "projects"}
    )
    assert summary(inherited) == {(w.observer, w.u1, "domain", w.d1, True)}
    system = listing(client, w.admin, **{"scope.system": "all"})
    assert {a["role"]["id"] for a in system} == {w.admin_role}
    assert all("system" in a["scope"] for a in system)
    by_role = listing(client, w.admin, **{"role.id": w.reader})
    assert summary(by_role) == {(w.reader, w.u1, "domain", w.d1, False)}
    both = listing(client, w.admin, **{"role.id": w.member, "user.id": w.u1})
    assert summary(both) == {(w.member, w.u1, "project", w.p1, False)}
    assert listing(client, w.admin, **{"user.id": "nobody"}) == []
    assert listing(client, w.admin, **{"group.id": "any-group"}) == []


def test_include_names(client: TestClient, world: World) -> None:
    w = world
    items = listing(client, w.admin, **{"user.id": w.u1, "include_names": "True"})
    by_role = {a["role"]["name"]: a for a in items}
    assert set(by_role) == {"member", "reader", "observer"}
    project = by_role["member"]
    assert project["user"] == {"id": w.u1, "name": "u1", "domain": {"id": "default", "name": "Default"}}
    assert project["role"] == {"id": w.member, "name": "member"}
    assert project["scope"]["project"] == {"id": w.p1, "name": "p1", "domain": {"id": w.d1, "name": "d1"}}
    assert by_role["reader"]["scope"]["domain"] == {"id": w.d1, "name": "d1"}
    # A domain-specific role names its domain.
    local = new_role(client, w.admin["X-Auth-Token"], "local", domain_id=w.d1)
    assert client.put(f"{V3}/projects/{w.p1}/users/{w.u1}/roles/{local}", headers=w.admin).status_code == 204
    named = listing(client, w.admin, **{"role.id": local, "include_names": "1"})
    assert named[0]["role"] == {"id": local, "name": "local", "domain": {"id": w.d1, "name": "d1"}}


def test_effective_expands_inheritance_and_implied_roles(client: TestClient, world: World) -> None:
    w = world
    items = listing(client, w.admin, **{"user.id": w.u1, "effective": ""})
    assert summary(items) == {
        (w.member, w.u1, "project", w.p1, False),
        (w.reader, w.u1, "project", w.p1, False),  # member implies reader
        (w.reader, w.u1, "domain", w.d1, False),
        (w.observer, w.u1, "project", w.p1, True),  # the inherited grant, expanded
        (w.observer, w.u1, "project", w.child, True),
    }
    implied = next(a for a in items if a["role"]["id"] == w.reader and "project" in a["scope"])
    # The assignment link names the grant it comes from; prior_role names the implication.
    assert implied["links"]["assignment"].endswith(f"/v3/projects/{w.p1}/users/{w.u1}/roles/{w.member}")
    assert implied["links"]["prior_role"].endswith(f"/v3/prior_role/{w.reader}/implies/{w.member}")
    expanded = next(a for a in items if a["scope"].get("project", {}).get("id") == w.child)
    assert expanded["links"]["assignment"].endswith(
        f"/v3/OS-INHERIT/domains/{w.d1}/users/{w.u1}/roles/{w.observer}/inherited_to_projects"
    )
    on_child = listing(client, w.admin, **{"user.id": w.u1, "effective": "true", "scope.project.id": w.child})
    assert summary(on_child) == {(w.observer, w.u1, "project", w.child, True)}
    readers = listing(client, w.admin, **{"effective": "1", "role.id": w.reader, "user.id": w.u1})
    assert {(a["scope"].get("project") or a["scope"].get("domain"))["id"] for a in readers} == {w.p1, w.d1}
    # effective=0 is the plain listing, as with Keystone.
    plain = listing(client, w.admin, **{"user.id": w.u1, "effective": "0"})
    assert len(plain) == 3


def test_effective_listing_matches_the_roles_in_the_token(client: TestClient, world: World) -> None:
    w = world
    token = user_token(client, "u1", {"project": {"id": w.child}})
    in_token = client.get(TOKENS, headers={**w.admin, "X-Subject-Token": token}).json()["token"]["roles"]
    listed = listing(client, w.admin, **{"user.id": w.u1, "effective": "", "scope.project.id": w.child})
    assert {r["id"] for r in in_token} == {a["role"]["id"] for a in listed}


def test_effective_leaves_out_domain_specific_roles(client: TestClient, world: World) -> None:
    w = world
    local = new_role(client, w.admin["X-Auth-Token"], "local", domain_id=w.d1)
    helper = new_role(client, w.admin["X-Auth-Token"], "helper")
    assert client.put(f"{V3}/roles/{local}/implies/{helper}", headers=w.admin).status_code == 201
    assert (
        client.put(f"{V3}/projects/{w.child}/users/{w.u1}/roles/{local}", headers=w.admin).status_code == 204
    )
    items = listing(client, w.admin, **{"effective": "", "scope.project.id": w.child, "user.id": w.u1})
    roles = {a["role"]["id"] for a in items}
    assert helper in roles and local not in roles
    plain = listing(client, w.admin, **{"scope.project.id": w.child})
    assert {a["role"]["id"] for a in plain} == {local}


def test_include_subtree(client: TestClient, world: World) -> None:
    w = world
    assert (
        client.put(f"{V3}/projects/{w.child}/users/{w.u1}/roles/{w.reader}", headers=w.admin).status_code
        == 204
    )
    items = listing(client, w.admin, **{"scope.project.id": w.p1, "include_subtree": "True"})
    assert summary(items) == {
        (w.member, w.u1, "project", w.p1, False),
        (w.reader, w.u1, "project", w.child, False),
    }
    leaf = listing(client, w.admin, **{"scope.project.id": w.child, "include_subtree": "True"})
    assert summary(leaf) == {(w.reader, w.u1, "project", w.child, False)}
    missing = client.get(URL, params={"include_subtree": "True"}, headers=w.admin)
    assert missing.status_code == 400
    assert "scope.project.id" in missing.json()["error"]["message"]
    unknown = client.get(URL, params={"include_subtree": "True", "scope.project.id": "nope"}, headers=w.admin)
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"scope.domain.id": "d", "scope.project.id": "p"},
        {"scope.domain.id": "d", "scope.system": "all"},
        {"scope.project.id": "p", "scope.system": "all"},
        {"user.id": "u", "group.id": "g"},
        {"effective": "", "group.id": "g"},
        {"effective": "", "scope.domain.id": "d", "scope.OS-INHERIT:inherited_to": "projects"},
    ],
)
def test_useless_filter_combinations_are_400(client: TestClient, admin_token: str, params: dict) -> None:
    resp = client.get(URL, params=params, headers=auth_headers(admin_token))
    assert resp.status_code == 400
    assert resp.json()["error"]["title"] == "Bad Request"


def test_a_member_cannot_list_role_assignments(client: TestClient, world: World, demo_token: str) -> None:
    demo = auth_headers(demo_token)
    for params in ({}, {"user.id": world.u1}, {"scope.project.id": world.p1, "include_subtree": "1"}):
        resp = client.get(URL, params=params, headers=demo)
        assert resp.status_code == 403, params
        assert world.u1 not in resp.text


def test_a_domain_reader_sees_only_its_domain(client: TestClient, cloud: Cloud, world: World) -> None:
    w = world
    # u1 reads d1 with a domain-scoped token; u2 has a grant in the Default domain.
    u2 = add_user(cloud, "u2")
    elsewhere = add_project(cloud, "elsewhere")
    assert (
        client.put(f"{V3}/projects/{elsewhere}/users/{u2}/roles/{w.member}", headers=w.admin).status_code
        == 204
    )
    reader = auth_headers(user_token(client, "u1", {"domain": {"id": w.d1}}))

    assert summary(listing(client, reader)) == {
        (w.member, w.u1, "project", w.p1, False),
        (w.reader, w.u1, "domain", w.d1, False),
        (w.observer, w.u1, "domain", w.d1, True),
    }
    assert listing(client, reader, **{"user.id": u2}) == []
    assert listing(client, reader, **{"scope.system": "all"}) == []
    assert listing(client, reader, **{"scope.domain.id": "default"}) == []
    assert listing(client, reader, **{"scope.project.id": elsewhere}) == []
    subtree = listing(client, reader, **{"scope.project.id": w.p1, "include_subtree": "1"})
    assert summary(subtree) == {(w.member, w.u1, "project", w.p1, False)}
    other = client.get(URL, params={"scope.project.id": elsewhere, "include_subtree": "1"}, headers=reader)
    assert other.status_code == 403
    # The grant API follows the same line: reading in d1 only, and no changes.
    mine = client.get(f"{V3}/projects/{w.p1}/users/{w.u1}/roles", headers=reader)
    assert [r["id"] for r in mine.json()["roles"]] == [w.member]
    assert client.get(f"{V3}/projects/{elsewhere}/users/{u2}/roles", headers=reader).status_code == 403
    assert client.put(f"{V3}/domains/{w.d1}/users/{u2}/roles/{w.member}", headers=reader).status_code == 403
