"""os-server-groups over HTTP, as a Nova client sees it."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from tests.functional.test_compute_quotas import BASE, add_server, headers, project_id

URL = f"{BASE}/os-server-groups"


def create(client: TestClient, token: str, version: str = "2.64", **group: Any) -> Any:
    group.setdefault("name", "g1")
    if tuple(map(int, version.split("."))) >= (2, 64) and "policies" not in group:
        group.setdefault("policy", "anti-affinity")
    elif "policy" not in group:
        group.setdefault("policies", ["anti-affinity"])
    return client.post(URL, headers=headers(token, version), json={"server_group": group})


def created(client: TestClient, token: str, version: str = "2.64", **group: Any) -> dict[str, Any]:
    resp = create(client, token, version, **group)
    assert resp.status_code == 200, resp.text
    return resp.json()["server_group"]


@pytest.fixture
def demo_id(client: TestClient, admin_token: str) -> str:
    return project_id(client, admin_token, "demo")


# -- create and the shapes per version ------------------------------------------------------------
def test_create_below_2_13_has_policies_metadata_and_no_owner(client: TestClient, demo_token: str) -> None:
    group = created(client, demo_token, "2.1", name="web", policies=["affinity"])
    assert set(group) == {"id", "name", "policies", "members", "metadata"}
    assert (group["name"], group["policies"], group["members"], group["metadata"]) == (
        "web",
        ["affinity"],
        [],
        {},
    )


def test_create_at_2_13_shows_the_owner(client: TestClient, demo_token: str, demo_id: str) -> None:
    group = created(client, demo_token, "2.13", policies=["anti-affinity"])
    assert group["project_id"] == demo_id and group["user_id"]
    assert "policy" not in group and "rules" not in group


def test_create_at_2_64_takes_policy_and_rules(client: TestClient, demo_token: str, demo_id: str) -> None:
    group = created(client, demo_token, "2.64", rules={"max_server_per_host": 3})
    assert set(group) == {"id", "name", "policy", "rules", "members", "project_id", "user_id"}
    assert (group["policy"], group["rules"]) == ("anti-affinity", {"max_server_per_host": 3})
    shown = client.get(f"{URL}/{group['id']}", headers=headers(demo_token, "2.63")).json()["server_group"]
    assert (shown["policies"], shown["metadata"]) == (["anti-affinity"], {})
    plain = created(client, demo_token, "2.64", name="aff", policy="affinity")
    assert plain["rules"] == {}


def test_soft_policies_arrive_at_2_15(client: TestClient, demo_token: str) -> None:
    assert create(client, demo_token, "2.14", policies=["soft-affinity"]).status_code == 400
    group = created(client, demo_token, "2.15", policies=["soft-anti-affinity"])
    assert group["policies"] == ["soft-anti-affinity"]


@pytest.mark.parametrize(
    ("version", "group"),
    [
        ("2.1", {"name": "g", "policies": []}),
        ("2.1", {"name": "g", "policies": ["affinity", "anti-affinity"]}),
        ("2.1", {"name": "g", "policies": ["legacy"]}),
        ("2.1", {"name": "g"}),
        ("2.1", {"name": "g", "policies": ["affinity"], "rules": {}}),
        ("2.1", {"name": "g", "policy": "affinity"}),
        ("2.64", {"name": "g", "policies": ["affinity"]}),
        ("2.64", {"name": "g"}),
        ("2.64", {"name": "g", "policy": "friendly"}),
        ("2.64", {"name": "g", "policy": "affinity", "rules": {"max_server_per_host": 2}}),
        ("2.64", {"name": "g", "policy": "anti-affinity", "rules": {"max_server_per_host": 0}}),
        ("2.64", {"name": "g", "policy": "anti-affinity", "rules": {"max_server_per_host": "x"}}),
        ("2.64", {"name": "g", "policy": "anti-affinity", "rules": {"other": 1}}),
        ("2.64", {"name": "", "policy": "affinity"}),
        ("2.64", {"name": " g", "policy": "affinity"}),
        ("2.64", {"name": "g" * 256, "policy": "affinity"}),
        ("2.64", {"name": 5, "policy": "affinity"}),
        ("2.64", {"policy": "affinity"}),
    ],
)
def test_bad_bodies_are_400(client: TestClient, demo_token: str, version: str, group: dict[str, Any]) -> None:
    resp = client.post(URL, headers=headers(demo_token, version), json={"server_group": group})
    assert resp.status_code == 400, resp.text
    assert resp.json()["badRequest"]["code"] == 400
    assert client.get(URL, headers=headers(demo_token)).json()["server_groups"] == []


def test_rules_only_with_anti_affinity_says_so(client: TestClient, demo_token: str) -> None:
    resp = create(client, demo_token, "2.64", policy="soft-affinity", rules={"max_server_per_host": 2})
    assert resp.json()["badRequest"]["message"] == "Only anti-affinity policy supports rules."


def test_the_server_groups_quota_is_enforced(
    client: TestClient, admin_token: str, demo_token: str, demo_id: str
) -> None:
    put = client.put(
        f"{BASE}/os-quota-sets/{demo_id}",
        headers=headers(admin_token),
        json={"quota_set": {"server_groups": 1}},
    )
    assert put.status_code == 200
    created(client, demo_token)
    resp = create(client, demo_token, name="second")
    assert resp.status_code == 403
    assert resp.json() == {"forbidden": {"code": 403, "message": "Quota exceeded, too many server groups."}}
    assert len(client.get(URL, headers=headers(demo_token)).json()["server_groups"]) == 1


# -- list -------------------------------------------------------------------------------------------------
def test_list_shows_own_projects_groups_only(client: TestClient, admin_token: str, demo_token: str) -> None:
    mine = created(client, demo_token, name="mine")
    theirs = created(client, admin_token, name="theirs")
    assert [g["id"] for g in client.get(URL, headers=headers(demo_token)).json()["server_groups"]] == [
        mine["id"]
    ]
    assert [g["id"] for g in client.get(URL, headers=headers(admin_token)).json()["server_groups"]] == [
        theirs["id"]
    ]


def test_admin_lists_all_projects_and_a_member_asking_gets_their_own(
    client: TestClient, admin_token: str, demo_token: str
) -> None:
    mine = created(client, demo_token, name="mine")
    theirs = created(client, admin_token, name="theirs")
    everything = client.get(f"{URL}?all_projects=True", headers=headers(admin_token, "2.13")).json()
    assert {g["id"] for g in everything["server_groups"]} == {mine["id"], theirs["id"]}
    asked = client.get(f"{URL}?all_projects=True", headers=headers(demo_token))
    assert asked.status_code == 200
    assert [g["id"] for g in asked.json()["server_groups"]] == [mine["id"]]


def test_list_pages_with_limit_and_offset(client: TestClient, demo_token: str) -> None:
    ids = [created(client, demo_token, name=f"g{i}")["id"] for i in range(4)]
    listed = [g["id"] for g in client.get(URL, headers=headers(demo_token)).json()["server_groups"]]
    assert listed == ids
    page = client.get(f"{URL}?limit=2&offset=1", headers=headers(demo_token)).json()["server_groups"]
    assert [g["id"] for g in page] == ids[1:3]
    assert len(client.get(f"{URL}?limit=0", headers=headers(demo_token)).json()["server_groups"]) == 4


@pytest.mark.parametrize("query", ["limit=-1", "limit=x", "offset=-3", "offset=1.5"])
def test_bad_paging_is_400(client: TestClient, demo_token: str, query: str) -> None:
    resp = client.get(f"{URL}?{query}", headers=headers(demo_token))
    assert resp.status_code == 400 and resp.json()["badRequest"]["code"] == 400


def test_unknown_list_parameters_are_refused_from_2_75(client: TestClient, demo_token: str) -> None:
    assert client.get(f"{URL}?sort=name", headers=headers(demo_token, "2.74")).status_code == 200
    assert client.get(f"{URL}?sort=name", headers=headers(demo_token, "2.75")).status_code == 400


# -- show, delete ---------------------------------------------------------------------------------------
def test_another_projects_group_is_not_found(client: TestClient, admin_token: str, demo_token: str) -> None:
    theirs = created(client, admin_token, name="theirs")
    resp = client.get(f"{URL}/{theirs['id']}", headers=headers(demo_token))
    assert resp.status_code == 404
    assert resp.json()["itemNotFound"]["message"] == f"Instance group {theirs['id']} could not be found."
    assert client.delete(f"{URL}/{theirs['id']}", headers=headers(demo_token)).status_code == 404
    assert client.get(f"{URL}/{theirs['id']}", headers=headers(admin_token)).status_code == 200


def test_admin_sees_and_deletes_a_members_group(
    client: TestClient, admin_token: str, demo_token: str
) -> None:
    mine = created(client, demo_token)
    assert (
        client.get(f"{URL}/{mine['id']}", headers=headers(admin_token)).json()["server_group"]["name"] == "g1"
    )
    assert client.delete(f"{URL}/{mine['id']}", headers=headers(admin_token)).status_code == 204
    assert client.get(f"{URL}/{mine['id']}", headers=headers(demo_token)).status_code == 404


def test_delete_own_group(client: TestClient, demo_token: str) -> None:
    group = created(client, demo_token)
    resp = client.delete(f"{URL}/{group['id']}", headers=headers(demo_token))
    assert resp.status_code == 204 and resp.content == b""
    assert client.delete(f"{URL}/{group['id']}", headers=headers(demo_token)).status_code == 404
    assert client.get(URL, headers=headers(demo_token)).json()["server_groups"] == []


def test_unknown_group_is_404(client: TestClient, demo_token: str) -> None:
    resp = client.get(f"{URL}/00000000-0000-0000-0000-000000000000", headers=headers(demo_token))
    assert resp.status_code == 404 and resp.json()["itemNotFound"]["code"] == 404


def test_members_shows_live_servers_only(
    cloud: Cloud, client: TestClient, demo_token: str, demo_id: str
) -> None:
    group = created(client, demo_token)
    live = add_server(cloud, demo_id)
    gone = add_server(cloud, demo_id, deleted=True)
    with cloud.db.transaction() as s:
        cloud.server_groups.add_member(s, group["id"], live)
        cloud.server_groups.add_member(s, group["id"], gone)
    shown = client.get(f"{URL}/{group['id']}", headers=headers(demo_token)).json()["server_group"]
    assert shown["members"] == [live]
    listed = client.get(URL, headers=headers(demo_token)).json()["server_groups"]
    assert listed[0]["members"] == [live]
    detail = client.get(f"{BASE}/os-quota-sets/{demo_id}/detail", headers=headers(demo_token)).json()
    assert detail["quota_set"]["server_groups"]["in_use"] == 1


def test_reads_need_a_token(client: TestClient) -> None:
    assert client.get(URL).status_code == 401
    assert client.post(URL, json={"server_group": {"name": "g", "policies": ["affinity"]}}).status_code == 401
