"""The Operator API's hosts (issue 12): registering a simulated host the scheduler uses at once,
disabling it, changing its inventory, and removing it only once nothing is on it."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pytest
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud, build_cloud
from pocketstack.core.image.seed import seed_first_image
from pocketstack.core.placement.hosts import HostService
from tests.functional.conftest import auth_headers
from tests.functional.test_compute_servers import wait

OP = "/operator"
API = "/compute/v2.1"


@pytest.fixture
def image_id(cloud: Cloud) -> str:
    return seed_first_image(cloud.db, cloud.image_data)


def register(client: TestClient, token: str, **extra: Any) -> dict[str, Any]:
    doc = {"name": "extra-host-1", "vcpus": 8, "memory_mb": 16384, "disk_gb": 200, **extra}
    resp = client.post(f"{OP}/hosts", json=doc, headers=auth_headers(token))
    assert resp.status_code == 201, resp.text
    return resp.json()


def boot_on(client: TestClient, token: str, image_id: str, host: str) -> str:
    body = {
        "server": {
            "name": "on-" + host,
            "imageRef": image_id,
            "flavorRef": "1",
            "networks": "none",
            "availability_zone": f"nova:{host}",
        }
    }
    headers = {**auth_headers(token), "OpenStack-API-Version": "compute 2.79"}
    resp = client.post(f"{API}/servers", json=body, headers=headers)
    assert resp.status_code == 202, resp.text
    return resp.json()["server"]["id"]


def host_names(client: TestClient, token: str) -> list[str]:
    listed = client.get(f"{OP}/hosts?limit=100", headers=auth_headers(token))
    assert listed.status_code == 200, listed.text
    return [h["name"] for h in listed.json()["hosts"]]


def test_a_registered_host_takes_a_server_and_is_removed_only_once_empty(
    client: TestClient, system_admin_token: str, admin_token: str, image_id: str
) -> None:
    h = auth_headers(system_admin_token)
    before = host_names(client, system_admin_token)
    assert len(before) == 4
    host = register(client, system_admin_token, traits={"ssd": "true"})
    assert host["name"] == "extra-host-1" and host["driver"] == "fake" and host["enabled"] is True
    assert (host["vcpus"], host["memory_mb"], host["disk_gb"]) == (8, 16384, 200)
    assert host["allocation_ratios"] == {"vcpus": 4.0, "memory_mb": 1.0, "disk_gb": 1.0}
    assert host["traits"]["ssd"] == "true" and host["usage"]["servers"] == 0
    assert host["_links"]["self"]["href"].endswith(f"/operator/hosts/{host['id']}")
    schema = client.get(host["_links"]["describedby"]["href"], headers=h)
    assert schema.status_code == 200 and "usage" in schema.json()["properties"]
    openapi = client.get(f"{OP}/openapi.json").json()["paths"]
    assert {"/hosts", "/hosts/{id}", "/hosts/{id}/servers", "/placements/{id}/tags/{tag}"} <= set(openapi)
    nova = client.get(f"{OP}/placements", headers=h).json()["placements"]
    assert host["placement_ids"] == [next(p["id"] for p in nova if p["name"] == "nova")]
    assert sorted(host_names(client, system_admin_token)) == sorted([*before, "extra-host-1"])

    sid = boot_on(client, admin_token, image_id, "extra-host-1")
    server = wait(client, admin_token, sid, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == "extra-host-1"
    assert server["OS-EXT-AZ:availability_zone"] == "nova"
    shown = client.get(f"{OP}/hosts/{host['id']}", headers=h).json()
    assert shown["usage"]["servers"] == 1 and shown["usage"]["memory_mb"] == 512
    on = client.get(f"{OP}/hosts/{host['id']}/servers", headers=h).json()["servers"]
    assert on == [{"id": sid, "name": "on-extra-host-1"}]
    allocations = client.get(f"{OP}/hosts/{host['id']}/allocations", headers=h).json()["allocations"]
    assert [a["consumer_id"] for a in allocations] == [sid]

    busy = client.delete(f"{OP}/hosts/{host['id']}", headers=h)
    assert busy.status_code == 409, busy.text
    assert busy.json()["errors"][0]["code"] == "operator.host.in_use"
    shrink = client.patch(f"{OP}/hosts/{host['id']}", json={"memory_mb": 256}, headers=h)
    assert shrink.status_code == 409, shrink.text
    assert client.get(f"{OP}/hosts/{host['id']}", headers=h).json()["memory_mb"] == 16384

    assert client.delete(f"{API}/servers/{sid}", headers=auth_headers(admin_token)).status_code == 204
    for _ in range(200):
        if not client.get(f"{OP}/hosts/{host['id']}/servers", headers=h).json()["servers"]:
            break
        time.sleep(0.05)
    gone = client.delete(f"{OP}/hosts/{host['id']}", headers=h)
    assert gone.status_code == 204, gone.text
    assert client.get(f"{OP}/hosts/{host['id']}", headers=h).status_code == 404
    assert sorted(host_names(client, system_admin_token)) == sorted(before)


def test_a_disabled_host_is_skipped_by_the_scheduler(
    client: TestClient, system_admin_token: str, admin_token: str, image_id: str
) -> None:
    h = auth_headers(system_admin_token)
    host = register(client, system_admin_token)
    off = client.patch(
        f"{OP}/hosts/{host['id']}",
        json={"enabled": False, "disabled_reason": "maintenance"},
        headers={**h, "Content-Type": "application/merge-patch+json"},
    )
    assert off.status_code == 200, off.text
    assert (off.json()["enabled"], off.json()["disabled_reason"]) == (False, "maintenance")
    sid = boot_on(client, admin_token, image_id, "extra-host-1")
    server = wait(client, admin_token, sid, "ERROR")
    assert server.get("OS-EXT-SRV-ATTR:host") is None
    assert "No valid host" in server["fault"]["message"]
    services = client.get(f"{API}/os-services?host=extra-host-1", headers=auth_headers(admin_token)).json()[
        "services"
    ]
    assert [(s["status"], s["disabled_reason"]) for s in services] == [("disabled", "maintenance")]

    on = client.patch(f"{OP}/hosts/{host['id']}", json={"enabled": True}, headers=h)
    assert (on.json()["enabled"], on.json()["disabled_reason"]) == (True, None)
    again = boot_on(client, admin_token, image_id, "extra-host-1")
    assert wait(client, admin_token, again, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == "extra-host-1"


def test_patch_changes_inventory_ratios_reserved_and_merges_traits(
    client: TestClient, system_admin_token: str, admin_token: str
) -> None:
    h = auth_headers(system_admin_token)
    host = register(client, system_admin_token, traits={"a": "1", "b": "2"})
    resp = client.patch(
        f"{OP}/hosts/{host['id']}",
        json={
            "vcpus": 16,
            "allocation_ratios": {"vcpus": 2.0},
            "reserved": {"memory_mb": 1024},
            "traits": {"a": None, "c": "3"},
        },
        headers=h,
    )
    assert resp.status_code == 200, resp.text
    got = resp.json()
    assert got["vcpus"] == 16 and got["memory_mb"] == 16384
    assert got["allocation_ratios"] == {"vcpus": 2.0, "memory_mb": 1.0, "disk_gb": 1.0}
    assert got["reserved"] == {"vcpus": 0, "memory_mb": 1024, "disk_gb": 0}
    assert {k: v for k, v in got["traits"].items() if k in "abc"} == {"b": "2", "c": "3"}
    hv = client.get(f"{API}/os-hypervisors/detail", headers=auth_headers(admin_token))
    assert hv.status_code == 200, hv.text
    by_name = {x["hypervisor_hostname"]: x for x in hv.json()["hypervisors"]}
    assert by_name["extra-host-1"]["vcpus"] == 16


@pytest.mark.parametrize(
    "doc",
    [
        {"name": "bad", "vcpus": -1, "memory_mb": 1024, "disk_gb": 10},
        {"name": "bad", "vcpus": 0, "memory_mb": 1024, "disk_gb": 10},
        {"name": "bad", "vcpus": "2", "memory_mb": 1024, "disk_gb": 10},
        {"name": "bad", "vcpus": 2, "memory_mb": 1024, "disk_gb": 10, "color": "red"},
        {"vcpus": 2, "memory_mb": 1024, "disk_gb": 10},
        {"name": "bad host", "vcpus": 2, "memory_mb": 1024, "disk_gb": 10},
        {"name": "bad", "vcpus": 2, "memory_mb": 1024, "disk_gb": 10, "placement_id": "nope"},
        {"name": "bad", "vcpus": 2, "memory_mb": 1024, "disk_gb": 10, "host_ip": "999.1.1.1"},
        {"name": "bad", "vcpus": 2, "memory_mb": 1024, "disk_gb": 10, "allocation_ratios": {"vcpus": 0}},
        [1],
    ],
    ids=str,
)
def test_bad_bodies_are_400_and_register_nothing(
    client: TestClient, system_admin_token: str, doc: object
) -> None:
    before = host_names(client, system_admin_token)
    resp = client.post(f"{OP}/hosts", json=doc, headers=auth_headers(system_admin_token))
    assert resp.status_code == 400, resp.text
    assert resp.json()["errors"][0]["status"] == 400
    assert host_names(client, system_admin_token) == before


@pytest.mark.parametrize(
    "doc",
    [{"vcpus": -2}, {"enabled": "no"}, {"vcpus": None}, {"size": 3}, {"reserved": {"disk_gb": -1}}],
    ids=str,
)
def test_bad_patches_are_400_and_change_nothing(
    client: TestClient, system_admin_token: str, doc: dict[str, Any]
) -> None:
    h = auth_headers(system_admin_token)
    host = register(client, system_admin_token)
    resp = client.patch(f"{OP}/hosts/{host['id']}", json=doc, headers=h)
    assert resp.status_code == 400, resp.text
    after = client.get(f"{OP}/hosts/{host['id']}", headers=h).json()
    assert {k: after[k] for k in ("vcpus", "enabled", "reserved")} == {
        k: host[k] for k in ("vcpus", "enabled", "reserved")
    }


def test_a_taken_name_is_409_and_unknown_hosts_are_404(client: TestClient, system_admin_token: str) -> None:
    h = auth_headers(system_admin_token)
    register(client, system_admin_token)
    doc = {"name": "extra-host-1", "vcpus": 1, "memory_mb": 1024, "disk_gb": 1}
    again = client.post(f"{OP}/hosts", json=doc, headers=h)
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "operator.host.name_exists"
    settings_host = client.post(f"{OP}/hosts", json={**doc, "name": "fake-host-1"}, headers=h)
    assert settings_host.status_code == 409
    assert host_names(client, system_admin_token).count("extra-host-1") == 1
    for method in ("GET", "DELETE"):
        assert client.request(method, f"{OP}/hosts/nope", headers=h).status_code == 404
    assert client.patch(f"{OP}/hosts/nope", json={"enabled": False}, headers=h).status_code == 404


def test_a_registered_host_survives_a_restart(
    cloud: Cloud, client: TestClient, system_admin_token: str
) -> None:
    host = register(client, system_admin_token)
    client.patch(
        f"{OP}/hosts/{host['id']}", json={"enabled": False}, headers=auth_headers(system_admin_token)
    )
    again = build_cloud(cloud.settings)
    try:
        found = HostService(again.db).find(host["id"])
        assert found is not None and found.host.name == "extra-host-1" and found.host.enabled is False
    finally:
        again.close()


def test_another_driver_cannot_register_a_host(
    cloud: Cloud, client: TestClient, system_admin_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cloud, "settings", replace(cloud.settings, compute_driver="libvirt"))
    doc = {"name": "extra-host-1", "vcpus": 1, "memory_mb": 1024, "disk_gb": 1}
    resp = client.post(f"{OP}/hosts", json=doc, headers=auth_headers(system_admin_token))
    assert resp.status_code == 501, resp.text
    assert "fake" in resp.json()["errors"][0]["detail"]
    monkeypatch.undo()
    assert "extra-host-1" not in host_names(client, system_admin_token)
