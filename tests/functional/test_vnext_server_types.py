"""Compute vNext's server types: flavors with an owner, shares with users and projects, and
tags; v2.1's flavor views agree (docs/compute-vnext.md 6.1)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.image.seed import seed_first_image
from tests.functional.conftest import auth_headers, issue_token
from tests.functional.test_compute_servers import API, wait

V = "/compute/vnext"
TYPES = f"{V}/server_types"
V3 = "/identity/v3"
FLAVORS = "/compute/v2.1/flavors"
PASSWORD = "secret-password-1"


def _new_user(client: TestClient, admin: str, name: str) -> tuple[str, str, str]:
    """A user with the member role on a project of its own name: (user id, project id, token)."""
    h = auth_headers(admin)
    project = client.post(
        f"{V3}/projects", json={"project": {"name": name, "domain_id": "default"}}, headers=h
    )
    assert project.status_code == 201, project.text
    user = client.post(
        f"{V3}/users", json={"user": {"name": name, "domain_id": "default", "password": PASSWORD}}, headers=h
    )
    assert user.status_code == 201, user.text
    member = client.get(f"{V3}/roles?name=member", headers=h).json()["roles"][0]["id"]
    pid, uid = project.json()["project"]["id"], user.json()["user"]["id"]
    assert client.put(f"{V3}/projects/{pid}/users/{uid}/roles/{member}", headers=h).status_code == 204
    return uid, pid, issue_token(client, name, PASSWORD, name)


def _make(client: TestClient, token: str, name: str, expect: int = 201, **fields: Any) -> dict[str, Any]:
    spec = {"name": name, "vcpus": 2, "ram_mb": 1024, "root_disk_gb": 10, **fields}
    resp = client.post(TYPES, json=spec, headers=auth_headers(token))
    assert resp.status_code == expect, resp.text
    return resp.json()


@pytest.fixture
def demo_project(client: TestClient, demo_token: str) -> str:
    got = client.get(f"{V3}/auth/tokens", headers={**auth_headers(demo_token), "X-Subject-Token": demo_token})
    return got.json()["token"]["project"]["id"]


def test_a_member_makes_reads_changes_and_deletes_a_private_type(
    client: TestClient, demo_token: str, demo_project: str
) -> None:
    h = auth_headers(demo_token)
    made = _make(client, demo_token, "small-box", description="two cores", ephemeral_disk_gb=5)
    assert made["visibility"] == "PRIVATE" and made["owner_project_id"] == demo_project
    assert (made["vcpus"], made["ram_mb"], made["root_disk_gb"], made["ephemeral_disk_gb"]) == (
        2,
        1024,
        10,
        5,
    )
    assert made["shares"] == {"users": [], "projects": []} and made["tags"] == []
    assert "_elevated" not in made
    tid = made["id"]
    assert made["_links"]["self"]["href"].endswith(f"{TYPES}/{tid}")
    assert client.get(f"{TYPES}/{tid}", headers=h).json()["name"] == "small-box"
    assert client.get(f"{TYPES}/small-box", headers=h).json()["id"] == tid  # by name
    listed = client.get(TYPES, headers=h).json()
    assert tid in {t["id"] for t in listed["server_types"]}
    assert listed["_links"]["describedby"]["href"].endswith("/schemas/ServerTypeList")
    # v2.1 sees the same flavor (the type's id is the flavor's id)
    assert client.get(f"{FLAVORS}/{tid}", headers=h).json()["flavor"]["name"] == "small-box"

    patched = client.patch(f"{TYPES}/{tid}", json={"name": "small-2", "description": None}, headers=h)
    assert patched.status_code == 200, patched.text
    assert (patched.json()["name"], patched.json()["description"]) == ("small-2", None)
    for refused in ({"shares": {"users": []}}, {"tags": ["x"]}, {"vcpus": 4}, {"colour": "red"}):
        resp = client.patch(f"{TYPES}/{tid}", json=refused, headers=h)
        assert resp.status_code == 400, refused
        assert resp.json()["errors"][0]["status"] == 400
    assert client.patch(f"{TYPES}/{tid}", json={"name": "m1.tiny"}, headers=h).status_code == 409
    assert _make(client, demo_token, "small-2", expect=409)["errors"][0]["status"] == 409

    assert client.delete(f"{TYPES}/{tid}", headers=h).status_code == 204
    assert client.get(f"{TYPES}/{tid}", headers=h).status_code == 404
    assert client.get(f"{FLAVORS}/{tid}", headers=h).status_code == 404


def test_public_types_need_the_publish_rule(client: TestClient, demo_token: str, admin_token: str) -> None:
    refused = _make(client, demo_token, "for-all", expect=403, visibility="PUBLIC")
    assert refused["errors"][0]["code"].startswith("policy.")
    private = _make(client, demo_token, "mine")
    resp = client.patch(
        f"{TYPES}/{private['id']}", json={"visibility": "PUBLIC"}, headers=auth_headers(demo_token)
    )
    assert resp.status_code == 403
    public = _make(client, admin_token, "for-all", visibility="PUBLIC")
    assert public["_elevated"] == {"disabled": False, "rxtx_factor": 1.0}
    seen = client.get(f"{TYPES}/{public['id']}", headers=auth_headers(demo_token)).json()
    assert seen["visibility"] == "PUBLIC" and "shares" not in seen  # not the demo project's type
    # the operator's types (v2.1's flavors) show too, with UUIDs; only admins change them
    tiny = client.get(f"{TYPES}/m1.tiny", headers=auth_headers(demo_token)).json()
    assert tiny["owner_project_id"] is None and len(tiny["id"]) == 36
    assert client.get(f"{TYPES}/{tiny['id']}", headers=auth_headers(demo_token)).json()["name"] == "m1.tiny"
    patch = {"description": "tiny"}
    assert (
        client.patch(f"{TYPES}/{tiny['id']}", json=patch, headers=auth_headers(demo_token)).status_code == 403
    )
    assert (
        client.patch(f"{TYPES}/{tiny['id']}", json=patch, headers=auth_headers(admin_token)).status_code
        == 200
    )
    only_public = client.get(f"{TYPES}?visibility=PUBLIC", headers=auth_headers(demo_token)).json()
    assert "mine" not in {t["name"] for t in only_public["server_types"]}
    assert client.get(f"{TYPES}?visibility=SOME", headers=auth_headers(demo_token)).status_code == 400


def test_another_projects_private_type_is_404(client: TestClient, demo_token: str, admin_token: str) -> None:
    tid = _make(client, demo_token, "hidden")["id"]
    _, _, other = _new_user(client, admin_token, "other")
    h = auth_headers(other)
    assert client.get(f"{TYPES}/{tid}", headers=h).status_code == 404
    assert client.get(f"{TYPES}/hidden", headers=h).status_code == 404
    assert client.delete(f"{TYPES}/{tid}", headers=h).status_code == 404
    assert "hidden" not in {t["name"] for t in client.get(TYPES, headers=h).json()["server_types"]}
    assert client.get(f"{FLAVORS}/{tid}", headers=h).status_code == 404
    # an admin sees every type
    assert client.get(f"{TYPES}/{tid}", headers=auth_headers(admin_token)).status_code == 200


def test_shares_with_a_user_and_a_project(client: TestClient, demo_token: str, admin_token: str) -> None:
    h = auth_headers(demo_token)
    alice, _, alice_token = _new_user(client, admin_token, "alice")
    _, beta, bob_token = _new_user(client, admin_token, "bob")
    tid = _make(client, demo_token, "shared-box")["id"]
    for token in (alice_token, bob_token):
        assert client.get(f"{TYPES}/{tid}", headers=auth_headers(token)).status_code == 404

    assert client.put(f"{TYPES}/{tid}/shares/users/{alice}", headers=h).status_code == 204
    assert client.put(f"{TYPES}/{tid}/shares/projects/{beta}", headers=h).status_code == 204
    assert client.put(f"{TYPES}/{tid}/shares/users/{alice}", headers=h).status_code == 204  # again: no change
    shares = client.get(f"{TYPES}/{tid}/shares", headers=h).json()
    assert (shares["users"], shares["projects"]) == ([alice], [beta])
    for token in (alice_token, bob_token):
        seen = client.get(f"{TYPES}/{tid}", headers=auth_headers(token))
        assert seen.status_code == 200 and "shares" not in seen.json()
        v21 = client.get(f"{FLAVORS}/detail", headers=auth_headers(token)).json()["flavors"]
        assert tid in {f["id"] for f in v21}
    # v2.1's flavor access lists the project share (the same row)
    access = client.get(f"{FLAVORS}/{tid}/os-flavor-access", headers=auth_headers(admin_token)).json()
    assert access == {"flavor_access": [{"flavor_id": tid, "tenant_id": beta}]}
    # the user the type is shared with may not change its shares
    assert client.get(f"{TYPES}/{tid}/shares", headers=auth_headers(alice_token)).status_code == 403

    unknown = "0" * 32
    assert client.put(f"{TYPES}/{tid}/shares/users/{unknown}", headers=h).status_code == 400
    assert client.put(f"{TYPES}/{tid}/shares/projects/{unknown}", headers=h).status_code == 400
    resp = client.put(f"{TYPES}/{tid}/shares", json={"users": [unknown], "projects": []}, headers=h)
    assert resp.status_code == 400
    resp = client.put(f"{TYPES}/{tid}/shares", json={"users": [], "projects": [beta]}, headers=h)
    assert resp.status_code == 200 and (resp.json()["users"], resp.json()["projects"]) == ([], [beta])
    assert client.get(f"{TYPES}/{tid}", headers=auth_headers(alice_token)).status_code == 404
    assert client.delete(f"{TYPES}/{tid}/shares/users/{alice}", headers=h).status_code == 404
    assert client.delete(f"{TYPES}/{tid}/shares/projects/{beta}", headers=h).status_code == 204
    assert client.get(f"{TYPES}/{tid}", headers=auth_headers(bob_token)).status_code == 404
    assert client.put(f"{TYPES}/{tid}/shares/users/{alice}", headers=h).status_code == 204
    assert client.delete(f"{TYPES}/{tid}/shares", headers=h).status_code == 204
    assert client.get(f"{TYPES}/{tid}/shares", headers=h).json()["users"] == []

    made = _make(client, demo_token, "born-shared", shares={"users": [alice], "projects": []})
    assert made["shares"]["users"] == [alice]
    assert client.get(f"{TYPES}/born-shared", headers=auth_headers(alice_token)).status_code == 200
    public = _make(client, admin_token, "everyones", visibility="PUBLIC")["id"]
    resp = client.put(f"{TYPES}/{public}/shares/users/{alice}", headers=auth_headers(admin_token))
    assert resp.status_code == 409


def test_tags(client: TestClient, demo_token: str) -> None:
    h = auth_headers(demo_token)
    tid = _make(client, demo_token, "tagged", tags=["gpu"])["id"]
    other = _make(client, demo_token, "untagged")["id"]
    assert client.get(f"{TYPES}/{tid}/tags", headers=h).json()["tags"] == ["gpu"]
    resp = client.put(f"{TYPES}/{tid}/tags", json={"tags": ["fast", "gpu"]}, headers=h)
    assert resp.status_code == 200 and resp.json()["tags"] == ["fast", "gpu"]
    assert client.put(f"{TYPES}/{tid}/tags/ssd", headers=h).status_code == 204
    assert client.get(f"{TYPES}/{tid}", headers=h).json()["tags"] == ["fast", "gpu", "ssd"]
    both = client.get(f"{TYPES}?tag=gpu&tag=ssd", headers=h).json()["server_types"]
    assert [t["id"] for t in both] == [tid]
    assert other not in {t["id"] for t in client.get(f"{TYPES}?tag=fast", headers=h).json()["server_types"]}
    assert client.delete(f"{TYPES}/{tid}/tags/ssd", headers=h).status_code == 204
    assert client.delete(f"{TYPES}/{tid}/tags/ssd", headers=h).status_code == 404
    assert client.put(f"{TYPES}/{tid}/tags", json={"tags": ["a/b"]}, headers=h).status_code == 400
    assert (
        client.put(f"{TYPES}/{tid}/tags", json={"tags": [f"t{i}" for i in range(51)]}, headers=h).status_code
        == 400
    )


def test_lists_page_by_marker(client: TestClient, demo_token: str) -> None:
    h = auth_headers(demo_token)
    for name in ("p1", "p2", "p3"):
        _make(client, demo_token, name)
    everything = client.get(f"{TYPES}?limit=1000", headers=h).json()["server_types"]
    seen, url = [], f"{TYPES}?limit=2"
    while url:
        page = client.get(url, headers=h).json()
        seen += [t["id"] for t in page["server_types"]]
        url = page["_links"].get("next", {}).get("href")
    assert seen == [t["id"] for t in everything] and len(seen) == len(set(seen))
    assert client.get(f"{TYPES}?marker=nope", headers=h).status_code == 400


def test_a_user_boots_a_v21_server_with_a_type_shared_with_them(
    client: TestClient, cloud: Cloud, demo_token: str, admin_token: str
) -> None:
    image_id = seed_first_image(cloud.db, cloud.image_data)
    alice, _, alice_token = _new_user(client, admin_token, "alice")
    tid = _make(client, demo_token, "alices-box", ram_mb=512, root_disk_gb=1)["id"]
    body = {"server": {"name": "a", "imageRef": image_id, "flavorRef": tid, "networks": "none"}}
    assert client.post(f"{API}/servers", json=body, headers=auth_headers(alice_token)).status_code == 400
    assert (
        client.put(f"{TYPES}/{tid}/shares/users/{alice}", headers=auth_headers(demo_token)).status_code == 204
    )
    resp = client.post(f"{API}/servers", json=body, headers=auth_headers(alice_token))
    assert resp.status_code == 202, resp.text
    server = wait(client, alice_token, resp.json()["server"]["id"], "ACTIVE")
    assert server["flavor"]["original_name"] == "alices-box"


def test_the_shapes_are_discoverable(client: TestClient) -> None:
    names = {s["name"] for s in client.get(f"{V}/schemas").json()["schemas"]}
    assert {"ServerTypeShape", "ServerTypeList", "ServerTypeCreate", "ServerTypeUpdate"} <= names
    assert {
        "SharesList",
        "SharesUpdate",
        "TypeTags",
        "TagsUpdate",
        "PlacementShape",
        "PlacementList",
    } <= names
    create = client.get(f"{V}/schemas/ServerTypeCreate").json()
    assert {"name", "vcpus", "ram_mb", "root_disk_gb"} <= set(create["required"])
    paths = client.get(f"{V}/openapi.json").json()["paths"]
    assert {"get", "patch", "delete"} <= set(paths["/server_types/{type_id}"])
