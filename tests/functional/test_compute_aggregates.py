"""os-aggregates: create, list, show, update, delete, the add_host / remove_host /
set_metadata actions, and how an aggregate's availability zone moves its hosts."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.identity.common import utcnow
from pocketstack.core.placement import dag
from pocketstack.store.compute_models import Placement, PlacementParent
from tests.functional.test_compute_operator import (
    add_server,
    aggregate_action,
    call,
    create_aggregate,
    ensure_hosts,
    fault,
)

BASE = {"availability_zone", "created_at", "deleted", "deleted_at", "id", "name", "updated_at"}


def show(client: TestClient, token: str, agg: int, version: str = "2.41") -> dict:
    resp = call(client, token, "GET", f"/os-aggregates/{agg}", version)
    assert resp.status_code == 200, resp.text
    return resp.json()["aggregate"]


def test_create_answers_200_without_hosts_and_metadata(client: TestClient, admin_token: str) -> None:
    body = {"aggregate": {"name": "agg1", "availability_zone": "london"}}
    resp = call(client, admin_token, "POST", "/os-aggregates", "2.41", json=body)
    assert resp.status_code == 200, resp.text
    created = resp.json()["aggregate"]
    assert set(created) == BASE | {"uuid"}
    assert (created["name"], created["availability_zone"], created["deleted"]) == ("agg1", "london", False)
    assert created["updated_at"] is None and not created["created_at"].endswith("Z")
    old = call(client, admin_token, "POST", "/os-aggregates", "2.40", json={"aggregate": {"name": "agg2"}})
    assert "uuid" not in old.json()["aggregate"] and old.json()["aggregate"]["availability_zone"] is None


def test_list_and_show(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    host = ensure_hosts(cloud)[0]
    agg = create_aggregate(client, admin_token, "agg-show", "az-show")
    aggregate_action(client, admin_token, agg, "add_host", {"host": host.name})
    shown = show(client, admin_token, agg)
    assert set(shown) == BASE | {"hosts", "metadata", "uuid"}
    assert shown["hosts"] == [host.name] and shown["metadata"] == {"availability_zone": "az-show"}
    listed = call(client, admin_token, "GET", "/os-aggregates", "2.41").json()["aggregates"]
    assert listed == [shown]
    assert "uuid" not in show(client, admin_token, agg, "2.40")


def test_create_errors(client: TestClient, admin_token: str, demo_token: str) -> None:
    create_aggregate(client, admin_token, "taken")
    assert "taken" in fault(
        call(client, admin_token, "POST", "/os-aggregates", json={"aggregate": {"name": "taken"}}), 409
    )
    for bad in (
        {},
        {"aggregate": {}},
        {"aggregate": {"name": ""}},
        {"aggregate": {"name": " padded "}},
        {"aggregate": {"name": "x" * 256}},
        {"aggregate": {"name": "ok", "availability_zone": "a:b"}},
        {"aggregate": {"name": "ok", "availability_zone": ""}},
        {"aggregate": {"name": "ok", "extra": 1}},
        {"aggregate": {"name": 5}},
    ):
        fault(call(client, admin_token, "POST", "/os-aggregates", json=bad), 400)
    fault(call(client, demo_token, "POST", "/os-aggregates", json={"aggregate": {"name": "mine"}}), 403)
    fault(call(client, demo_token, "GET", "/os-aggregates"), 403)


def test_legacy_v2_strips_names_and_ignores_unknown_fields(client: TestClient, admin_token: str) -> None:
    body = {"aggregate": {"name": "  spaced  ", "availability_zone": " az-legacy "}, "junk": 1}
    resp = client.post("/compute/v2/os-aggregates", json=body, headers={"X-Auth-Token": admin_token})
    assert resp.status_code == 200, resp.text
    assert (resp.json()["aggregate"]["name"], resp.json()["aggregate"]["availability_zone"]) == (
        "spaced",
        "az-legacy",
    )


def test_update_name_and_zone(client: TestClient, admin_token: str) -> None:
    agg = create_aggregate(client, admin_token, "before", "az-a")
    create_aggregate(client, admin_token, "other")
    resp = call(
        client, admin_token, "PUT", f"/os-aggregates/{agg}", "2.41", json={"aggregate": {"name": " after "}}
    )
    assert resp.status_code == 200 and resp.json()["aggregate"]["name"] == "after"
    assert resp.json()["aggregate"]["updated_at"] is not None
    body = {"aggregate": {"availability_zone": "az-b"}}
    updated = call(client, admin_token, "PUT", f"/os-aggregates/{agg}", json=body).json()["aggregate"]
    assert updated["availability_zone"] == "az-b" and updated["metadata"] == {"availability_zone": "az-b"}
    fault(
        call(client, admin_token, "PUT", f"/os-aggregates/{agg}", json={"aggregate": {"name": "other"}}), 409
    )
    fault(call(client, admin_token, "PUT", f"/os-aggregates/{agg}", json={"aggregate": {}}), 400)
    null_zone = {"aggregate": {"availability_zone": None}}
    assert "empty" in fault(call(client, admin_token, "PUT", f"/os-aggregates/{agg}", json=null_zone), 400)
    fault(call(client, admin_token, "PUT", "/os-aggregates/999", json={"aggregate": {"name": "x"}}), 404)
    fault(call(client, admin_token, "PUT", "/os-aggregates/abc", json={"aggregate": {"name": "x"}}), 400)


def test_show_and_delete_errors(client: TestClient, admin_token: str, demo_token: str) -> None:
    fault(call(client, admin_token, "GET", "/os-aggregates/abc"), 400)
    fault(call(client, admin_token, "GET", "/os-aggregates/12345"), 404)
    fault(call(client, admin_token, "GET", "/os-aggregates/99999999999999999999"), 404)
    fault(call(client, admin_token, "DELETE", "/os-aggregates/12345"), 404)
    agg = create_aggregate(client, admin_token, "doomed")
    fault(call(client, demo_token, "DELETE", f"/os-aggregates/{agg}"), 403)
    fault(call(client, demo_token, "GET", f"/os-aggregates/{agg}"), 403)


def test_delete_needs_an_empty_aggregate(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    host = ensure_hosts(cloud)[0]
    agg = create_aggregate(client, admin_token, "busy")
    aggregate_action(client, admin_token, agg, "add_host", {"host": host.name})
    assert "not empty" in fault(call(client, admin_token, "DELETE", f"/os-aggregates/{agg}"), 400)
    aggregate_action(client, admin_token, agg, "remove_host", {"host": host.name})
    resp = call(client, admin_token, "DELETE", f"/os-aggregates/{agg}")
    assert resp.status_code == 200 and resp.content == b""
    fault(call(client, admin_token, "GET", f"/os-aggregates/{agg}"), 404)


def test_add_and_remove_host_errors(
    client: TestClient, cloud: Cloud, admin_token: str, demo_token: str
) -> None:
    hosts = ensure_hosts(cloud)
    agg = create_aggregate(client, admin_token, "hosts")
    assert aggregate_action(client, admin_token, agg, "add_host", {"host": hosts[0].name}).status_code == 200
    assert "already has" in fault(
        aggregate_action(client, admin_token, agg, "add_host", {"host": hosts[0].name}), 409
    )
    fault(aggregate_action(client, admin_token, agg, "add_host", {"host": "no-such-host"}), 404)
    fault(aggregate_action(client, admin_token, 9999, "add_host", {"host": hosts[0].name}), 404)
    fault(aggregate_action(client, admin_token, agg, "remove_host", {"host": hosts[1].name}), 404)
    fault(aggregate_action(client, admin_token, agg, "remove_host", {"host": "no-such-host"}), 404)
    fault(aggregate_action(client, admin_token, agg, "add_host", {"host": "bad host!"}), 400)
    fault(aggregate_action(client, admin_token, agg, "add_host", {}), 400)
    fault(aggregate_action(client, admin_token, agg, "frobnicate", {}), 400)
    both = {"add_host": {"host": hosts[1].name}, "remove_host": {"host": hosts[0].name}}
    fault(call(client, admin_token, "POST", f"/os-aggregates/{agg}/action", json=both), 400)
    fault(aggregate_action(client, demo_token, agg, "add_host", {"host": hosts[1].name}), 403)
    fault(aggregate_action(client, demo_token, agg, "set_metadata", {"metadata": {"a": "b"}}), 403)


def test_a_host_cannot_be_in_two_zones(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    hosts = ensure_hosts(cloud)
    east = create_aggregate(client, admin_token, "east", "az-east")
    west = create_aggregate(client, admin_token, "west", "az-west")
    plain = create_aggregate(client, admin_token, "plain")
    aggregate_action(client, admin_token, east, "add_host", {"host": hosts[0].name})
    assert "az-east" in fault(
        aggregate_action(client, admin_token, west, "add_host", {"host": hosts[0].name}), 409
    )
    # an aggregate without a zone, or with the same zone, may hold the host too
    assert (
        aggregate_action(client, admin_token, plain, "add_host", {"host": hosts[0].name}).status_code == 200
    )
    same = create_aggregate(client, admin_token, "east-2", "az-east")
    assert aggregate_action(client, admin_token, same, "add_host", {"host": hosts[0].name}).status_code == 200
    # giving the plain aggregate another zone is refused (400, as Nova), by update or metadata
    body = {"aggregate": {"availability_zone": "az-west"}}
    fault(call(client, admin_token, "PUT", f"/os-aggregates/{plain}", json=body), 400)
    fault(
        aggregate_action(
            client, admin_token, plain, "set_metadata", {"metadata": {"availability_zone": "x"}}
        ),
        400,
    )
    assert cloud.zones.zone_of_host(hosts[0].name) == "az-east"
    # leaving one of two aggregates of the same zone keeps the host in it
    aggregate_action(client, admin_token, same, "remove_host", {"host": hosts[0].name})
    assert cloud.zones.zone_of_host(hosts[0].name) == "az-east"


def test_zone_changes_refused_for_hosts_with_servers(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    hosts = ensure_hosts(cloud)
    add_server(cloud, hosts[0].name)
    zoned = create_aggregate(client, admin_token, "zoned", "az-busy")
    assert "instance" in fault(
        aggregate_action(client, admin_token, zoned, "add_host", {"host": hosts[0].name}), 409
    )
    plain = create_aggregate(client, admin_token, "plain-busy")
    assert (
        aggregate_action(client, admin_token, plain, "add_host", {"host": hosts[0].name}).status_code == 200
    )
    body = {"aggregate": {"availability_zone": "az-busy"}}
    assert "instances" in fault(call(client, admin_token, "PUT", f"/os-aggregates/{plain}", json=body), 400)
    # a host without servers moves freely, and back
    assert (
        aggregate_action(client, admin_token, zoned, "add_host", {"host": hosts[1].name}).status_code == 200
    )
    add_server(cloud, hosts[1].name)
    assert "instance" in fault(
        aggregate_action(client, admin_token, zoned, "remove_host", {"host": hosts[1].name}), 409
    )


def test_renaming_the_zone_moves_its_hosts(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    hosts = ensure_hosts(cloud)
    agg = create_aggregate(client, admin_token, "movers", "az-old")
    aggregate_action(client, admin_token, agg, "add_host", {"host": hosts[2].name})
    assert cloud.zones.zone_of_host(hosts[2].name) == "az-old"
    resp = aggregate_action(
        client, admin_token, agg, "set_metadata", {"metadata": {"availability_zone": "az-new"}}
    )
    assert resp.status_code == 200 and resp.json()["aggregate"]["availability_zone"] == "az-new"
    assert cloud.zones.zone_of_host(hosts[2].name) == "az-new"
    zones = {
        z["zoneName"]
        for z in call(client, admin_token, "GET", "/os-availability-zone").json()["availabilityZoneInfo"]
    }
    assert zones == {"az-new", "nova"}


def test_set_metadata_merges_and_removes_keys(client: TestClient, admin_token: str) -> None:
    agg = create_aggregate(client, admin_token, "meta", "az-meta")
    resp = aggregate_action(client, admin_token, agg, "set_metadata", {"metadata": {"a": "1", "b": "2"}})
    assert resp.json()["aggregate"]["metadata"] == {"a": "1", "b": "2", "availability_zone": "az-meta"}
    resp = aggregate_action(
        client, admin_token, agg, "set_metadata", {"metadata": {"a": None, "c": "3", "z": None}}
    )
    assert resp.json()["aggregate"]["metadata"] == {"b": "2", "c": "3", "availability_zone": "az-meta"}
    for bad in ({"metadata": {"bad/key": "v"}}, {"metadata": {"k": 1}}, {"metadata": {"k": "v" * 256}}, {}):
        fault(aggregate_action(client, admin_token, agg, "set_metadata", bad), 400)
    unset_zone = {"metadata": {"availability_zone": None}}
    fault(aggregate_action(client, admin_token, agg, "set_metadata", unset_zone), 400)
    fault(aggregate_action(client, admin_token, 9999, "set_metadata", {"metadata": {"a": "b"}}), 404)


def test_image_cache_is_not_implemented(client: TestClient, admin_token: str) -> None:
    agg = create_aggregate(client, admin_token, "cache")
    body = {"cache": [{"id": "a0b1c2d3-0000-4000-8000-000000000001"}]}
    assert (
        call(client, admin_token, "POST", f"/os-aggregates/{agg}/images", "2.81", json=body).status_code
        == 501
    )
    fault(call(client, admin_token, "POST", f"/os-aggregates/{agg}/images", "2.80", json=body), 404)
    fault(call(client, admin_token, "POST", "/os-aggregates/9999/images", "2.81", json=body), 404)
    fault(call(client, admin_token, "POST", f"/os-aggregates/{agg}/images", "2.81", json={"cache": []}), 400)


def test_a_zone_must_be_a_top_level_placement(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    ensure_hosts(cloud)
    with cloud.db.transaction() as s:
        root = s.scalar(select(Placement).where(Placement.name == "nova"))
        rack = Placement(id=str(uuid.uuid4()), name="rack-1", description="", created_at=utcnow())
        s.add(rack)
        s.flush()
        s.add(PlacementParent(child_id=rack.id, parent_id=root.id))
    body = {"aggregate": {"name": "racked", "availability_zone": "rack-1"}}
    assert "top-level" in fault(call(client, admin_token, "POST", "/os-aggregates", json=body), 400)
    agg = create_aggregate(client, admin_token, "plain-rack")
    meta = {"metadata": {"availability_zone": "rack-1"}}
    fault(aggregate_action(client, admin_token, agg, "set_metadata", meta), 400)


def test_an_aggregate_in_the_default_zone_leaves_its_hosts_there(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    host = ensure_hosts(cloud)[0]
    agg = create_aggregate(client, admin_token, "in-nova", "nova")
    assert aggregate_action(client, admin_token, agg, "add_host", {"host": host.name}).status_code == 200
    assert aggregate_action(client, admin_token, agg, "remove_host", {"host": host.name}).status_code == 200
    assert cloud.zones.zone_of_host(host.name) == "nova"
    with cloud.db.read() as s:  # still where the scheduler looks for zone "nova"
        assert host.id in dag.hosts_in(s, "nova")
