"""Compute vNext's batch create: one batch, seen by both APIs (docs/compute-vnext.md 4.2, 6.5,
6.6)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.compute.server_types import type_uuid
from pocketstack.core.identity.common import utcnow
from pocketstack.core.image.seed import seed_first_image
from pocketstack.core.placement import dag
from pocketstack.store.compute_models import Host, Placement, PlacementHost, PlacementParent, Server, Task
from tests.functional.conftest import auth_headers
from tests.functional.test_compute_servers import API, hdr

V = "/compute/vnext"
TINY = type_uuid("1")


@pytest.fixture
def image_id(cloud: Cloud) -> str:
    return seed_first_image(cloud.db, cloud.image_data)


def project_of(client: TestClient, token: str) -> str:
    resp = client.get("/identity/v3/auth/tokens", headers={"X-Auth-Token": token, "X-Subject-Token": token})
    return resp.json()["token"]["project"]["id"]


def create(client: TestClient, token: str, body: dict[str, Any], status: int = 202) -> dict[str, Any]:
    url = f"{V}/projects/{project_of(client, token)}/servers"
    resp = client.post(url, json=body, headers=auth_headers(token))
    assert resp.status_code == status, resp.text
    return resp.json()


def batch(
    client: TestClient, token: str, image_id: str, *items: dict[str, Any], **defaults: Any
) -> list[str]:
    body = {"defaults": {"type_id": TINY, "template_id": image_id, **defaults}, "servers": list(items)}
    return [s["id"] for s in create(client, token, body)["servers"]]


def settled(client: TestClient, token: str, server_id: str) -> dict[str, Any]:
    """The server once its CREATE task is over (ACTIVE or ERROR)."""
    deadline = time.monotonic() + 20
    while True:
        server = client.get(f"{V}/servers/{server_id}", headers=auth_headers(token)).json()
        if server["virt_state"] in ("ACTIVE", "ERROR") and server["task"] is None:
            return server
        assert time.monotonic() < deadline, server["virt_state"]
        time.sleep(0.05)


def v21_servers(client: TestClient, token: str) -> dict[str, dict[str, Any]]:
    detail = client.get(f"{API}/servers/detail", headers=hdr(token, "2.96")).json()["servers"]
    return {s["id"]: s for s in detail}


def host_of(client: TestClient, admin_token: str, server_id: str) -> str:
    return client.get(f"{V}/servers/{server_id}", headers=auth_headers(admin_token)).json()["_elevated"][
        "host"
    ]


def test_a_batch_of_three_shows_in_v21_with_the_same_state_and_addresses(
    client: TestClient, demo_token: str, image_id: str
) -> None:
    key = client.post(f"{API}/os-keypairs", json={"keypair": {"name": "k"}}, headers=hdr(demo_token))
    assert key.status_code in (200, 201), key.text
    body = {
        "defaults": {"type_id": TINY, "template_id": image_id, "tags": ["web"], "hostname_pattern": "x"},
        "servers": [
            {"hostname": "web-a", "keypair_id": "k"},
            {"hostname": "web-b", "properties": {"role": "db"}, "tags": []},
            {"hostname_pattern": "web-%(rand_num)3d", "user_data": "aGVsbG8="},
        ],
    }
    answer = create(client, demo_token, body)
    entries = answer["servers"]
    assert len(entries) == 3 and answer["_links"]["describedby"]["href"].endswith(
        "/schemas/ServerBatchResult"
    )
    assert all(
        e["_links"]["task"]["href"].startswith("http") and e["launched_at"].endswith("Z") for e in entries
    )
    vnext = [settled(client, demo_token, e["id"]) for e in entries]
    assert [s["virt_state"] for s in vnext] == ["ACTIVE"] * 3
    assert [s["hostname"] for s in vnext][:2] == ["web-a", "web-b"]
    assert vnext[2]["hostname"].startswith("web-") and len(vnext[2]["hostname"]) == 7
    assert [s["tags"] for s in vnext] == [["web"], [], ["web"]] and vnext[1]["properties"] == {"role": "db"}
    assert [s["keypair_id"] for s in vnext] == ["k", None, None]
    nova = v21_servers(client, demo_token)
    for server in vnext:
        mirror = nova[server["id"]]
        assert mirror["status"] == "ACTIVE" and mirror["OS-EXT-STS:vm_state"] == "active"
        assert mirror["name"] == server["hostname"] == mirror["OS-EXT-SRV-ATTR:hostname"]
        nova_ips = sorted(a["addr"] for addrs in mirror["addresses"].values() for a in addrs)
        ips = sorted(a["address"] for i in server["networking"]["interfaces"] for a in i["addresses"])
        assert ips == nova_ips and ips
    actions = client.get(f"{API}/servers/{entries[0]['id']}/os-instance-actions", headers=hdr(demo_token))
    assert [a["action"] for a in actions.json()["instanceActions"]] == ["create"]
    schema = client.get(f"{V}/schemas/ServerBatch", headers=auth_headers(demo_token))
    assert schema.status_code == 200 and "servers" in schema.json()["properties"]


def test_hostname_patterns_give_unique_names_or_a_400(
    client: TestClient, demo_token: str, image_id: str
) -> None:
    first = batch(client, demo_token, image_id, *[{}] * 4, hostname_pattern="db-%(rand_num)1d")
    names = {settled(client, demo_token, sid)["hostname"] for sid in first}
    assert len(names) == 4 and all(n.startswith("db-") and n[3:].isdigit() for n in names)
    project = project_of(client, demo_token)
    body = {"defaults": {"type_id": TINY, "template_id": image_id, "hostname_pattern": "db-%(rand_num)1d"}}
    too_many = create(client, demo_token, {**body, "servers": [{}] * 7}, 400)
    assert "6 free names" in too_many["errors"][0]["detail"]
    taken = create(client, demo_token, {**body, "servers": [{}, {"hostname": sorted(names)[0]}]}, 400)
    assert "servers[1]" in taken["errors"][0]["detail"]
    twice = create(client, demo_token, {**body, "servers": [{"hostname": "a"}, {"hostname": "a"}]}, 400)
    assert "servers[1]" in twice["errors"][0]["detail"]
    for bad in ("Upper", "-dash", "two-%(rand_num)1d-%(rand_num)1d", "zero-%(rand_num)0d"):
        create(client, demo_token, {**body, "servers": [{"hostname_pattern": bad}]}, 400)
    create(
        client,
        demo_token,
        {**body, "servers": [{"hostname_pattern": "lit"}, {"hostname_pattern": "lit"}]},
        400,
    )
    listed = client.get(f"{V}/projects/{project}/servers", headers=auth_headers(demo_token)).json()
    assert {s["id"] for s in listed["servers"]} == set(first)


def test_a_bad_item_makes_nothing(client: TestClient, demo_token: str, image_id: str) -> None:
    good = {"hostname_pattern": "ok-%(rand_num)4d"}
    cases = [
        ({"hostname": "bad", "template_id": str(uuid.uuid4())}, "servers[2]"),
        ({"hostname": "bad", "type_id": str(uuid.uuid4())}, "servers[2]"),
        ({"hostname": "bad", "keypair_id": "nope"}, "servers[2]"),
        ({"hostname": "bad", "placement_id": str(uuid.uuid4())}, "servers[2]"),
        ({"hostname": "bad", "affinity": {"near": {"server_ids": [str(uuid.uuid4())]}}}, "servers[2]"),
        ({"hostname": "bad", "affinity": {"near": {"server_tags": ["nothing-has-it"]}}}, "servers[2]"),
        ({"hostname": "bad", "colour": "red"}, "servers.2.colour"),
        ({"hostname": "bad", "user_data": "not base64!"}, "servers.2.user_data"),
        ({}, "servers[2]"),  # neither hostname nor pattern
    ]
    for item, named in cases:
        body = {"defaults": {"type_id": TINY, "template_id": image_id}, "servers": [good, good, item]}
        answer = create(client, demo_token, body, 400)
        assert named in answer["errors"][0]["detail"], (item, answer)
    over = {"defaults": {"type_id": TINY, "template_id": image_id, **good}, "servers": [{}] * 11}
    assert create(client, demo_token, over, 403)["errors"][0]["status"] == 403  # instances quota: 10
    assert client.get(f"{API}/servers", headers=hdr(demo_token)).json()["servers"] == []


def test_another_project_is_404_and_an_admin_is_told_to_scope(
    client: TestClient, demo_token: str, admin_token: str, image_id: str
) -> None:
    body = {"servers": [{"hostname": "a", "type_id": TINY, "template_id": image_id}]}
    demo_project = project_of(client, demo_token)
    admin_project = project_of(client, admin_token)
    resp = client.post(f"{V}/projects/{admin_project}/servers", json=body, headers=auth_headers(demo_token))
    assert resp.status_code == 404
    resp = client.post(f"{V}/projects/{demo_project}/servers", json=body, headers=auth_headers(admin_token))
    assert resp.status_code == 403 and "scope" in resp.json()["errors"][0]["detail"]


def test_affinity_near_and_not_near(
    client: TestClient, demo_token: str, admin_token: str, image_id: str
) -> None:
    (anchor,) = batch(client, demo_token, image_id, {"hostname": "anchor", "tags": ["db"]})
    settled(client, demo_token, anchor)
    ids = batch(
        client,
        demo_token,
        image_id,
        {"hostname": "near-id", "affinity": {"near": {"server_ids": [anchor]}}},
        {"hostname": "near-tag", "affinity": {"near": {"server_tags": ["db"]}}},
        {"hostname": "far", "affinity": {"not_near": {"server_ids": [anchor], "server_tags": ["db"]}}},
    )
    shown = [settled(client, demo_token, sid) for sid in ids]
    assert [s["virt_state"] for s in shown] == ["ACTIVE"] * 3
    assert shown[0]["affinity"]["near"]["server_ids"] == [anchor]
    assert shown[2]["affinity"]["not_near"]["server_ids"] == [anchor]
    home = host_of(client, admin_token, anchor)
    assert [host_of(client, admin_token, sid) == home for sid in ids] == [True, True, False]


def test_an_impossible_affinity_fails_the_build_with_no_valid_host(
    client: TestClient, cloud: Cloud, demo_token: str, admin_token: str, image_id: str
) -> None:
    (anchor,) = batch(client, demo_token, image_id, {"hostname": "anchor"})
    settled(client, demo_token, anchor)
    both = {"near": {"server_ids": [anchor]}, "not_near": {"server_ids": [anchor]}}
    (sid,) = batch(client, demo_token, image_id, {"hostname": "nowhere", "affinity": both})
    server = settled(client, demo_token, sid)
    assert server["virt_state"] == "ERROR" and server["fault"]["message"].startswith("No valid host")
    with cloud.db.read() as s:
        task = s.scalar(select(Task).where(Task.server_id == sid, Task.action == "create"))
        assert task.status == "failed" and "No valid host" in (task.message or "")
    actions = client.get(f"{API}/servers/{sid}/os-instance-actions", headers=hdr(admin_token, "2.84")).json()
    (action,) = actions["instanceActions"]
    assert action["action"] == "create" and action["message"] == "Error"
    detail = client.get(
        f"{API}/servers/{sid}/os-instance-actions/{action['request_id']}", headers=hdr(admin_token, "2.84")
    ).json()["instanceAction"]
    assert any("No valid host" in (e.get("details") or "") for e in detail["events"])


def test_placement_id_narrows_to_the_placement_or_below(
    client: TestClient, cloud: Cloud, demo_token: str, admin_token: str, image_id: str
) -> None:
    with cloud.db.transaction() as s:
        root = dag.placement_id(s, dag.DEFAULT_ZONE)
        rack = str(uuid.uuid4())
        host = s.scalars(select(Host).order_by(Host.name)).first()
        s.add(Placement(id=rack, name="rack-1", description="", created_at=utcnow()))
        s.flush()
        s.add(PlacementParent(child_id=rack, parent_id=root))
        s.add(PlacementHost(placement_id=rack, host_id=host.id))
        host_name = host.name
    ids = batch(
        client,
        demo_token,
        image_id,
        {"hostname": "in-root", "placement_id": root},
        *[{"hostname": f"in-rack-{i}", "placement_id": rack} for i in range(2)],
    )
    shown = [settled(client, demo_token, sid) for sid in ids]
    assert [s["virt_state"] for s in shown] == ["ACTIVE"] * 3 and shown[0]["placement_id"] == root
    assert v21_servers(client, demo_token)[ids[0]]["OS-EXT-AZ:availability_zone"] == dag.DEFAULT_ZONE
    assert [host_of(client, admin_token, sid) for sid in ids[1:]] == [host_name, host_name]
    unknown = {"hostname": "x", "placement_id": str(uuid.uuid4())}
    body = {"defaults": {"type_id": TINY, "template_id": image_id}, "servers": [unknown]}
    assert "servers[0]" in create(client, demo_token, body, 400)["errors"][0]["detail"]


def run_task(client: TestClient, token: str, sid: str, body: dict[str, Any]) -> dict[str, Any]:
    """The task ``body`` starts on server ``sid``, once finished."""
    task = client.post(f"{V}/servers/{sid}/tasks", json=body, headers=auth_headers(token))
    assert task.status_code == 202, task.text
    deadline = time.monotonic() + 20
    while (done := client.get(f"{V}/server_tasks/{task.json()['id']}", headers=auth_headers(token)).json())[
        "state"
    ] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return done


def test_a_placement_inside_a_zone_is_kept_by_id_and_is_no_pinned_zone(
    client: TestClient, cloud: Cloud, demo_token: str, admin_token: str, image_id: str
) -> None:
    """Revision 0010: a server asked for in a placement below the zones keeps it as
    ``servers.placement_id``; v2.1 sees no pinned zone (its zone is its host's), and the server
    is built and moved only onto hosts of that placement."""
    with cloud.db.transaction() as s:
        root = dag.placement_id(s, dag.DEFAULT_ZONE)
        rack = str(uuid.uuid4())
        hosts = list(s.scalars(select(Host).order_by(Host.name)))[-2:]  # not the first the spreader picks
        s.add(Placement(id=rack, name="rack-kept", description="", created_at=utcnow()))
        s.flush()
        s.add(PlacementParent(child_id=rack, parent_id=root))
        s.add_all(PlacementHost(placement_id=rack, host_id=h.id) for h in hosts)
        in_rack = {h.name for h in hosts}
    ids = batch(
        client, demo_token, image_id, *[{"hostname": f"kept-{i}", "placement_id": rack} for i in range(3)]
    )
    shown = [settled(client, demo_token, sid) for sid in ids]
    assert [s["virt_state"] for s in shown] == ["ACTIVE"] * 3
    assert [s["placement_id"] for s in shown] == [rack] * 3
    assert {host_of(client, admin_token, sid) for sid in ids} <= in_rack
    with cloud.db.read() as s:
        rows = s.execute(select(Server.placement_id, Server.requested_zone).where(Server.id.in_(ids))).all()
    assert set(rows) == {(rack, None)}
    for sid in ids:
        v21 = client.get(f"{API}/servers/{sid}", headers=hdr(demo_token, "2.104")).json()["server"]
        assert v21["pinned_availability_zone"] is None
        assert v21["OS-EXT-AZ:availability_zone"] == dag.DEFAULT_ZONE
    # A move that names no placement re-schedules inside the rack: onto its other host.
    sid = ids[0]
    before = host_of(client, admin_token, sid)
    done = run_task(client, admin_token, sid, {"action": "MOVE"})
    assert done["state"] == "SUCCEEDED", done
    moved = settled(client, demo_token, sid)
    assert host_of(client, admin_token, sid) == (in_rack - {before}).pop()
    assert moved["placement_id"] == rack
    # A MOVE to the zone widens what the server asked for to the zone, pinned by name; a MOVE
    # back into the rack narrows it again, by id alone, and lands there.
    for target, stored in ((root, (root, dag.DEFAULT_ZONE)), (rack, (rack, None))):
        done = run_task(client, admin_token, sid, {"action": "MOVE", "placement_id": target})
        assert done["state"] == "SUCCEEDED", done
        assert settled(client, demo_token, sid)["placement_id"] == target
        with cloud.db.read() as s:
            row = s.execute(select(Server.placement_id, Server.requested_zone).where(Server.id == sid)).one()
        assert tuple(row) == stored
    assert host_of(client, admin_token, sid) in in_rack


def test_a_zone_asked_for_by_v21_is_its_root_placement(
    client: TestClient, cloud: Cloud, demo_token: str, image_id: str
) -> None:
    """A v2.1 server pinned to a zone keeps the zone's root as ``servers.placement_id``;
    unpinning it (2.104) lets go of both."""
    body = {"server": {"name": "pinned", "imageRef": image_id, "flavorRef": "1", "networks": "none"}}
    body["server"]["availability_zone"] = dag.DEFAULT_ZONE
    resp = client.post(f"{API}/servers", json=body, headers=hdr(demo_token, "2.104"))
    assert resp.status_code == 202, resp.text
    sid = resp.json()["server"]["id"]
    with cloud.db.read() as s:
        root = dag.placement_id(s, dag.DEFAULT_ZONE)
        assert s.get(Server, sid).placement_id == root
    assert settled(client, demo_token, sid)["placement_id"] == root
    unpin = {"server": {"pinned_availability_zone": None}}
    assert client.put(f"{API}/servers/{sid}", json=unpin, headers=hdr(demo_token, "2.104")).status_code == 200
    with cloud.db.read() as s:
        assert (s.get(Server, sid).placement_id, s.get(Server, sid).requested_zone) == (None, None)
