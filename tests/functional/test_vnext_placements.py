"""Compute vNext's placements: the placement DAG, read (docs/compute-vnext.md 6.4)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.errors import Conflict
from pocketstack.core.placement.placements import PlacementService
from tests.functional.conftest import auth_headers

PLACEMENTS = "/compute/vnext/placements"


@pytest.fixture
def tree(cloud: Cloud) -> dict[str, str]:
    """Two roots and a rack under both (parents overlap), with a row under the rack."""
    svc = PlacementService(cloud.db)
    ids = {"east": svc.create("east", "the east hall"), "west": svc.create("west")}
    ids["rack-1"] = svc.create("rack-1", parents=[ids["east"], ids["west"]])
    ids["row-a"] = svc.create("row-a", parents=[ids["rack-1"]])
    svc.tag(ids["rack-1"], "ssd")
    svc.tag(ids["rack-1"], "gpu")
    svc.tag(ids["row-a"], "ssd")
    return ids


def test_list_and_filters(client: TestClient, demo_token: str, tree: dict[str, str]) -> None:
    h = auth_headers(demo_token)
    listed = client.get(PLACEMENTS, headers=h)
    assert listed.status_code == 200, listed.text
    by_name = {p["name"]: p for p in listed.json()["placements"]}
    assert {"east", "west", "rack-1", "row-a"} <= set(by_name)
    rack = by_name["rack-1"]
    assert rack["parent_ids"] == sorted([tree["east"], tree["west"]]) and rack["tags"] == ["gpu", "ssd"]
    assert "_elevated" not in rack and "children" not in rack
    assert rack["_links"]["children"]["href"].endswith(f"{PLACEMENTS}?parent_placement={rack['id']}")
    assert by_name["east"]["description"] == "the east hall" and by_name["east"]["parent_ids"] == []

    under_east = client.get(f"{PLACEMENTS}?parent_placement={tree['east']}", headers=h).json()["placements"]
    assert [p["name"] for p in under_east] == ["rack-1"]
    ssd = client.get(f"{PLACEMENTS}?tag=ssd", headers=h).json()["placements"]
    assert [p["name"] for p in ssd] == ["rack-1", "row-a"]
    both = client.get(f"{PLACEMENTS}?tag=ssd&tag=gpu", headers=h).json()["placements"]
    assert [p["name"] for p in both] == ["rack-1"]
    assert client.get(f"{PLACEMENTS}?parent_placement=nope", headers=h).status_code == 400

    seen, url = [], f"{PLACEMENTS}?limit=2"
    while url:
        page = client.get(url, headers=h).json()
        assert len(page["placements"]) <= 2
        seen += [p["id"] for p in page["placements"]]
        url = page["_links"].get("next", {}).get("href")
    assert seen == [p["id"] for p in listed.json()["placements"]]
    assert client.get(f"{PLACEMENTS}?marker=nope", headers=h).status_code == 400


def test_show_with_children(
    client: TestClient, demo_token: str, admin_token: str, tree: dict[str, str]
) -> None:
    h = auth_headers(demo_token)
    east = client.get(f"{PLACEMENTS}/{tree['east']}", headers=h)
    assert east.status_code == 200, east.text
    children = east.json()["children"]
    assert [(c["id"], c["name"]) for c in children] == [(tree["rack-1"], "rack-1")]
    assert children[0]["_links"]["self"]["href"].endswith(f"{PLACEMENTS}/{tree['rack-1']}")
    assert east.json()["_links"]["describedby"]["href"].endswith("/schemas/PlacementShape")
    rack = client.get(f"{PLACEMENTS}/{tree['rack-1']}", headers=h).json()
    assert [c["name"] for c in rack["children"]] == ["row-a"]
    assert client.get(f"{PLACEMENTS}/{tree['row-a']}", headers=h).json()["children"] == []
    missing = client.get(f"{PLACEMENTS}/00000000-0000-0000-0000-000000000000", headers=h)
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "compute.placement.not_found"
    elevated = client.get(f"{PLACEMENTS}/{tree['east']}", headers=auth_headers(admin_token)).json()
    assert elevated["_elevated"] == {"hosts": []}


def test_links_make_no_cycle(cloud: Cloud, tree: dict[str, str]) -> None:
    svc = PlacementService(cloud.db)
    with pytest.raises(Conflict):
        svc.link(tree["east"], tree["row-a"])
    with pytest.raises(Conflict):
        svc.create("east")
