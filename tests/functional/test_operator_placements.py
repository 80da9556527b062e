"""The Operator API's placements (issue 12): making, re-parenting without cycles, tagging and
removing them, and what the zone views and the scheduler see of it at once."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.image.seed import seed_first_image
from tests.functional.conftest import auth_headers
from tests.functional.test_compute_servers import wait

OP = "/operator"
API = "/compute/v2.1"


def make(client: TestClient, token: str, name: str, **extra: Any) -> dict[str, Any]:
    resp = client.post(f"{OP}/placements", json={"name": name, **extra}, headers=auth_headers(token))
    assert resp.status_code == 201, resp.text
    return resp.json()


def get(client: TestClient, token: str, pid: str) -> dict[str, Any]:
    resp = client.get(f"{OP}/placements/{pid}", headers=auth_headers(token))
    assert resp.status_code == 200, resp.text
    return resp.json()


def names(client: TestClient, token: str) -> list[str]:
    listed = client.get(f"{OP}/placements?limit=1000", headers=auth_headers(token))
    assert listed.status_code == 200, listed.text
    return [p["name"] for p in listed.json()["placements"]]


def test_create_show_list_and_page(client: TestClient, system_admin_token: str, admin_token: str) -> None:
    h = auth_headers(system_admin_token)
    a = make(client, system_admin_token, "hall-a", description="the A hall")
    b = make(client, system_admin_token, "rack-b", parent_ids=[a["id"]])
    assert (a["description"], a["parent_ids"], a["children"]) == ("the A hall", [], [])
    assert b["parent_ids"] == [a["id"]] and get(client, system_admin_token, a["id"])["children"] == [b["id"]]
    assert b["_links"]["self"]["href"].endswith(f"/operator/placements/{b['id']}")
    nova = next(
        p for p in client.get(f"{OP}/placements", headers=h).json()["placements"] if p["name"] == "nova"
    )
    assert len(nova["host_ids"]) == 4 and nova["hosts"] == [f"fake-host-{i}" for i in range(1, 5)]
    seen, href = [], f"{OP}/placements?limit=1"
    while href:
        got = client.get(href, headers=h).json()
        assert len(got["placements"]) == 1
        seen += [p["name"] for p in got["placements"]]
        href = got["_links"].get("next", {}).get("href")
    assert seen == sorted(["hall-a", "rack-b", "nova"])
    vnext = client.get(f"/compute/vnext/placements/{a['id']}", headers=auth_headers(admin_token))
    assert vnext.status_code == 200, vnext.text
    assert [c["id"] for c in vnext.json()["children"]] == [b["id"]]


@pytest.mark.parametrize(
    "doc",
    [
        {},
        {"name": ""},
        {"name": "a:b"},
        {"name": 3},
        {"name": "x", "colour": "red"},
        {"name": "x", "parent_ids": ["nope"]},
        {"name": "x", "parent_ids": "nope"},
        [1],
    ],
    ids=str,
)
def test_bad_bodies_are_400_and_make_nothing(
    client: TestClient, system_admin_token: str, doc: object
) -> None:
    before = names(client, system_admin_token)
    resp = client.post(f"{OP}/placements", json=doc, headers=auth_headers(system_admin_token))
    assert resp.status_code == 400, resp.text
    assert resp.json()["errors"][0]["status"] == 400
    assert names(client, system_admin_token) == before


def test_a_taken_name_is_409(client: TestClient, system_admin_token: str) -> None:
    h = auth_headers(system_admin_token)
    a = make(client, system_admin_token, "hall-a")
    b = make(client, system_admin_token, "hall-b")
    dup = client.post(f"{OP}/placements", json={"name": "hall-a"}, headers=h)
    assert dup.status_code == 409 and dup.json()["errors"][0]["code"] == "compute.placement.name_exists"
    rename = client.patch(f"{OP}/placements/{b['id']}", json={"name": "hall-a"}, headers=h)
    assert rename.status_code == 409
    assert get(client, system_admin_token, b["id"])["name"] == "hall-b"
    same = client.patch(f"{OP}/placements/{a['id']}", json={"name": "hall-a", "description": "d"}, headers=h)
    assert same.status_code == 200 and same.json()["description"] == "d"
    assert names(client, system_admin_token).count("hall-a") == 1


def test_a_cycle_is_409_and_changes_nothing(client: TestClient, system_admin_token: str) -> None:
    h = auth_headers(system_admin_token)
    a = make(client, system_admin_token, "a")
    b = make(client, system_admin_token, "b", parent_ids=[a["id"]])
    c = make(client, system_admin_token, "c", parent_ids=[b["id"]])
    for parents in ([b["id"]], [c["id"]], [a["id"]]):
        resp = client.patch(
            f"{OP}/placements/{a['id']}", json={"name": "a2", "parent_ids": parents}, headers=h
        )
        assert resp.status_code == 409, resp.text
        assert resp.json()["errors"][0]["code"] == "operator.placement.cycle"
    after = get(client, system_admin_token, a["id"])
    assert (after["name"], after["parent_ids"]) == ("a", [])
    assert get(client, system_admin_token, b["id"])["parent_ids"] == [a["id"]]
    unknown = client.patch(f"{OP}/placements/{b['id']}", json={"parent_ids": ["nope"]}, headers=h)
    assert unknown.status_code == 400
    # Re-parenting replaces the parent set: c moves from b to a, then becomes a root.
    moved = client.patch(f"{OP}/placements/{c['id']}", json={"parent_ids": [a["id"]]}, headers=h)
    assert moved.status_code == 200 and moved.json()["parent_ids"] == [a["id"]]
    assert get(client, system_admin_token, b["id"])["children"] == []
    root = client.patch(f"{OP}/placements/{c['id']}", json={"parent_ids": []}, headers=h)
    assert root.json()["parent_ids"] == []


def test_delete_refuses_a_placement_with_hosts_or_children(
    client: TestClient, system_admin_token: str
) -> None:
    h = auth_headers(system_admin_token)
    nova = next(
        p for p in client.get(f"{OP}/placements", headers=h).json()["placements"] if p["name"] == "nova"
    )
    held = client.delete(f"{OP}/placements/{nova['id']}", headers=h)
    assert held.status_code == 409, held.text
    assert held.json()["errors"][0]["code"] == "operator.placement.not_empty"
    parent = make(client, system_admin_token, "hall-a")
    child = make(client, system_admin_token, "rack-1", parent_ids=[parent["id"]])
    assert client.delete(f"{OP}/placements/{parent['id']}", headers=h).status_code == 409
    assert client.delete(f"{OP}/placements/{child['id']}", headers=h).status_code == 204
    assert client.delete(f"{OP}/placements/{parent['id']}", headers=h).status_code == 204
    assert client.get(f"{OP}/placements/{parent['id']}", headers=h).status_code == 404
    assert client.delete(f"{OP}/placements/{parent['id']}", headers=h).status_code == 404
    assert "nova" in names(client, system_admin_token)


def test_tags_round_trip(client: TestClient, system_admin_token: str) -> None:
    h = auth_headers(system_admin_token)
    p = make(client, system_admin_token, "rack-1")
    tags = f"{OP}/placements/{p['id']}/tags"
    for tag in ("ssd", "gpu", "ssd"):
        assert client.put(f"{tags}/{tag}", headers=h).status_code == 204
    listed = client.get(tags, headers=h)
    assert listed.status_code == 200 and listed.json()["tags"] == ["gpu", "ssd"]
    assert get(client, system_admin_token, p["id"])["tags"] == ["gpu", "ssd"]
    assert client.delete(f"{tags}/ssd", headers=h).status_code == 204
    absent = client.delete(f"{tags}/ssd", headers=h)
    assert absent.status_code == 404 and absent.json()["errors"][0]["status"] == 404
    assert client.get(tags, headers=h).json()["tags"] == ["gpu"]
    assert client.put(f"{tags}/{'x' * 61}", headers=h).status_code == 400
    assert client.put(f"{OP}/placements/nope/tags/ssd", headers=h).status_code == 404
    assert client.get(tags, headers=h).json()["tags"] == ["gpu"]


def test_a_host_registered_in_a_new_zone_is_in_that_zone_at_once(
    cloud: Cloud, client: TestClient, system_admin_token: str, admin_token: str
) -> None:
    h = auth_headers(system_admin_token)
    zone = make(client, system_admin_token, "zone-b")
    rack = make(client, system_admin_token, "rack-1", parent_ids=[zone["id"]])
    doc = {"name": "b-host-1", "vcpus": 4, "memory_mb": 8192, "disk_gb": 40, "placement_id": rack["id"]}
    host = client.post(f"{OP}/hosts", json=doc, headers=h)
    assert host.status_code == 201, host.text
    assert host.json()["placement_ids"] == [rack["id"]]
    zones = client.get(f"{API}/os-availability-zone", headers=auth_headers(admin_token)).json()
    assert {"zoneName": "zone-b", "zoneState": {"available": True}, "hosts": None} in zones[
        "availabilityZoneInfo"
    ]
    image_id = seed_first_image(cloud.db, cloud.image_data)
    body = {
        "server": {
            "name": "in-b",
            "imageRef": image_id,
            "flavorRef": "1",
            "networks": "none",
            "availability_zone": "zone-b",
        }
    }
    headers = {**auth_headers(admin_token), "OpenStack-API-Version": "compute 2.79"}
    resp = client.post(f"{API}/servers", json=body, headers=headers)
    assert resp.status_code == 202, resp.text
    server = wait(client, admin_token, resp.json()["server"]["id"], "ACTIVE")
    assert (server["OS-EXT-SRV-ATTR:host"], server["OS-EXT-AZ:availability_zone"]) == ("b-host-1", "zone-b")
    # The rack moves under nova: its host (and the server on it) are in nova's zone from now on.
    nova = next(
        p for p in client.get(f"{OP}/placements", headers=h).json()["placements"] if p["name"] == "nova"
    )
    moved = client.patch(f"{OP}/placements/{rack['id']}", json={"parent_ids": [nova["id"]]}, headers=h)
    assert moved.status_code == 200, moved.text
    zones = client.get(f"{API}/os-availability-zone", headers=auth_headers(admin_token)).json()
    assert "zone-b" not in {z["zoneName"] for z in zones["availabilityZoneInfo"]}
    held = client.delete(f"{OP}/placements/{rack['id']}", headers=h)
    assert held.status_code == 409
