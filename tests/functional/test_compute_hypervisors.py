"""os-hypervisors: list, detail, show, statistics, uptime, search and servers, across the
microversions that change them (2.28, 2.33, 2.53, 2.75, 2.88)."""

from __future__ import annotations

import json

from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.placement.hosts import short_id
from tests.functional.test_compute_operator import add_server, call, ensure_hosts, fault

CAPACITY = {
    "vcpus",
    "memory_mb",
    "local_gb",
    "vcpus_used",
    "memory_mb_used",
    "local_gb_used",
    "free_ram_mb",
    "free_disk_gb",
    "current_workload",
    "running_vms",
    "disk_available_least",
    "cpu_info",
}


def hypervisors(client: TestClient, token: str, version: str, query: str = "", detail: bool = False) -> dict:
    resp = call(client, token, "GET", f"/os-hypervisors{'/detail' if detail else ''}{query}", version)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_list_below_253_names_hypervisors_by_integer(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    hosts = ensure_hosts(cloud)
    listed = hypervisors(client, admin_token, "2.1")["hypervisors"]
    assert {h["hypervisor_hostname"] for h in listed} == {h.name for h in hosts}
    assert all(isinstance(h["id"], int) for h in listed)
    assert set(listed[0]) == {"id", "hypervisor_hostname", "state", "status"}
    assert {(h["state"], h["status"]) for h in listed} == {("up", "enabled")}
    by_name = {h.name: h for h in hosts}
    for item in listed:  # the integer is stable: it is derived from the UUID
        assert item["id"] == short_id(by_name[item["hypervisor_hostname"]].id)


def test_list_from_253_uses_uuids(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    hosts = ensure_hosts(cloud)
    listed = hypervisors(client, admin_token, "2.53")["hypervisors"]
    assert {h["id"] for h in listed} == {h.id for h in hosts}
    assert "hypervisors_links" not in hypervisors(client, admin_token, "2.53")


def test_detail_fields_follow_the_microversion(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    hosts = ensure_hosts(cloud)
    old = hypervisors(client, admin_token, "2.1", detail=True)["hypervisors"][0]
    assert set(old) >= CAPACITY and isinstance(old["cpu_info"], str) and "uptime" not in old
    assert isinstance(json.loads(old["cpu_info"]), dict)
    assert isinstance(old["service"]["id"], int)
    v228 = hypervisors(client, admin_token, "2.28", detail=True)["hypervisors"][0]
    assert isinstance(v228["cpu_info"], dict)
    v253 = hypervisors(client, admin_token, "2.53", detail=True)["hypervisors"][0]
    host = next(h for h in hosts if h.id == v253["id"])
    assert v253["service"] == {"id": host.service_id, "host": host.name, "disabled_reason": None}
    assert v253["host_ip"] == host.host_ip and v253["hypervisor_type"] and v253["hypervisor_version"]
    v288 = hypervisors(client, admin_token, "2.88", detail=True)["hypervisors"][0]
    assert not CAPACITY & set(v288)
    assert "uptime" in v288


def test_usage_counts_the_servers_and_reserved_memory(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    hosts = ensure_hosts(cloud)
    host = hosts[0]
    add_server(cloud, host.name, vcpus=2, ram=1024, disk=10, ephemeral=5)
    add_server(cloud, host.name, vcpus=1, ram=512, disk=1, task_state="rebooting")
    resp = call(client, admin_token, "GET", f"/os-hypervisors/{host.id}", "2.53")
    shown = resp.json()["hypervisor"]
    assert shown["vcpus"] == host.vcpus and shown["vcpus_used"] == 3
    assert shown["memory_mb_used"] == host.reserved_memory_mb + 1536
    assert shown["free_ram_mb"] == host.memory_mb - shown["memory_mb_used"]
    assert shown["local_gb_used"] == 16 and shown["free_disk_gb"] == host.disk_gb - 16
    assert shown["running_vms"] == 2 and shown["current_workload"] == 1


def test_paging_with_limit_and_marker(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    hosts = ensure_hosts(cloud)
    first = hypervisors(client, admin_token, "2.53", "?limit=2")
    assert len(first["hypervisors"]) == 2
    (link,) = first["hypervisors_links"]
    marker = first["hypervisors"][-1]["id"]
    assert link["rel"] == "next" and f"marker={marker}" in link["href"] and "limit=2" in link["href"]
    rest = hypervisors(client, admin_token, "2.53", f"?marker={marker}")["hypervisors"]
    assert [h["id"] for h in first["hypervisors"] + rest] == sorted(h.id for h in hosts)
    old = hypervisors(client, admin_token, "2.33", "?limit=1")
    assert isinstance(old["hypervisors"][0]["id"], int)
    after = hypervisors(client, admin_token, "2.33", f"?marker={old['hypervisors'][0]['id']}")["hypervisors"]
    assert len(after) == len(hosts) - 1
    # below 2.33 there is no paging: limit is ignored
    assert len(hypervisors(client, admin_token, "2.1", "?limit=1")["hypervisors"]) == len(hosts)


def test_bad_paging_is_400(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    ensure_hosts(cloud)
    assert "marker" in fault(call(client, admin_token, "GET", "/os-hypervisors?marker=nope", "2.53"), 400)
    fault(call(client, admin_token, "GET", "/os-hypervisors?marker=nope", "2.33"), 400)
    fault(call(client, admin_token, "GET", "/os-hypervisors?limit=-1", "2.53"), 400)
    fault(call(client, admin_token, "GET", "/os-hypervisors?foo=1", "2.53"), 400)
    resp = call(client, admin_token, "GET", "/os-hypervisors?hypervisor_hostname_pattern=a&limit=1", "2.53")
    fault(resp, 400)
    fault(call(client, admin_token, "GET", "/os-hypervisors?with_servers=maybe", "2.53"), 400)
    # below 2.53 Nova lets unknown parameters through
    assert call(client, admin_token, "GET", "/os-hypervisors?foo=1", "2.33").status_code == 200


def test_hostname_pattern_and_with_servers(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    hosts = ensure_hosts(cloud)
    host = hosts[0]
    server = add_server(cloud, host.name, name="on-host")
    found = hypervisors(
        client, admin_token, "2.53", f"?hypervisor_hostname_pattern={host.name}&with_servers=true"
    )
    (item,) = [h for h in found["hypervisors"] if h["hypervisor_hostname"] == host.name]
    assert item["servers"] == [{"name": "on-host", "uuid": server}]
    empty = hypervisors(
        client, admin_token, "2.75", f"?hypervisor_hostname_pattern={hosts[1].name}&with_servers=1"
    )
    assert empty["hypervisors"][0]["servers"] == []
    before = hypervisors(
        client, admin_token, "2.74", f"?hypervisor_hostname_pattern={hosts[1].name}&with_servers=1"
    )
    assert "servers" not in before["hypervisors"][0]
    resp = call(client, admin_token, "GET", "/os-hypervisors?hypervisor_hostname_pattern=no-such", "2.53")
    assert "no-such" in fault(resp, 404)
    fault(call(client, admin_token, "GET", "/os-hypervisors?hypervisor_hostname_pattern=a%25b", "2.53"), 400)


def test_show_by_id_and_its_errors(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    host = ensure_hosts(cloud)[0]
    assert (
        call(client, admin_token, "GET", f"/os-hypervisors/{short_id(host.id)}").json()["hypervisor"][
            "hypervisor_hostname"
        ]
        == host.name
    )
    shown = call(client, admin_token, "GET", f"/os-hypervisors/{host.id}", "2.53").json()["hypervisor"]
    assert shown["id"] == host.id and shown["hypervisor_hostname"] == host.name
    fault(call(client, admin_token, "GET", "/os-hypervisors/not-a-uuid", "2.53"), 400)
    fault(
        call(client, admin_token, "GET", "/os-hypervisors/00000000-0000-4000-8000-000000000000", "2.53"), 404
    )
    fault(call(client, admin_token, "GET", "/os-hypervisors/abc"), 404)
    fault(call(client, admin_token, "GET", "/os-hypervisors/99999999999999999999"), 404)
    fault(call(client, admin_token, "GET", f"/os-hypervisors/{host.id}?foo=1", "2.53"), 400)


def test_statistics_sum_enabled_hosts_and_are_gone_at_288(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    hosts = ensure_hosts(cloud)
    add_server(cloud, hosts[0].name, vcpus=3)
    stats = call(client, admin_token, "GET", "/os-hypervisors/statistics", "2.87").json()[
        "hypervisor_statistics"
    ]
    assert stats["count"] == len(hosts) and stats["vcpus"] == sum(h.vcpus for h in hosts)
    assert stats["vcpus_used"] == 3 and stats["running_vms"] == 1
    services = call(client, admin_token, "GET", "/os-services", "2.53").json()["services"]
    svc = next(s for s in services if s["host"] == hosts[0].name)
    call(client, admin_token, "PUT", f"/os-services/{svc['id']}", "2.53", json={"status": "disabled"})
    stats = call(client, admin_token, "GET", "/os-hypervisors/statistics").json()["hypervisor_statistics"]
    assert stats["count"] == len(hosts) - 1 and stats["vcpus_used"] == 0
    fault(call(client, admin_token, "GET", "/os-hypervisors/statistics", "2.88"), 404)


def test_uptime_below_288(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    host = ensure_hosts(cloud)[0]
    resp = call(client, admin_token, "GET", f"/os-hypervisors/{host.id}/uptime", "2.53")
    assert resp.status_code in (200, 501), resp.text  # 501 where the system keeps no uptime
    if resp.status_code == 200:
        body = resp.json()["hypervisor"]
        assert body["id"] == host.id and " up " in body["uptime"] and "load average" in body["uptime"]
    fault(call(client, admin_token, "GET", f"/os-hypervisors/{host.id}/uptime", "2.88"), 404)
    fault(call(client, admin_token, "GET", "/os-hypervisors/1/uptime", "2.53"), 400)


def test_search_and_servers_routes_below_253(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    hosts = ensure_hosts(cloud)
    server = add_server(cloud, hosts[0].name, name="s1")
    found = call(client, admin_token, "GET", f"/os-hypervisors/{hosts[0].name}/search").json()["hypervisors"]
    assert [h["hypervisor_hostname"] for h in found] == [hosts[0].name] and "servers" not in found[0]
    with_servers = call(client, admin_token, "GET", f"/os-hypervisors/{hosts[0].name}/servers").json()
    assert with_servers["hypervisors"][0]["servers"] == [{"name": "s1", "uuid": server}]
    fault(call(client, admin_token, "GET", "/os-hypervisors/zzz-none/search"), 404)
    fault(call(client, admin_token, "GET", f"/os-hypervisors/{hosts[0].name}/search", "2.53"), 404)
    fault(call(client, admin_token, "GET", f"/os-hypervisors/{hosts[0].name}/servers", "2.53"), 404)


def test_forced_down_and_disabled_hosts_show_as_such(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    hosts = ensure_hosts(cloud)
    services = call(client, admin_token, "GET", "/os-services", "2.53").json()["services"]
    svc = next(s for s in services if s["host"] == hosts[0].name)
    body = {"status": "disabled", "disabled_reason": "maintenance", "forced_down": True}
    assert call(client, admin_token, "PUT", f"/os-services/{svc['id']}", "2.53", json=body).status_code == 200
    shown = call(client, admin_token, "GET", f"/os-hypervisors/{hosts[0].id}", "2.53").json()["hypervisor"]
    assert (shown["state"], shown["status"]) == ("down", "disabled")
    assert shown["service"]["disabled_reason"] == "maintenance"


def test_every_route_is_admin_only(client: TestClient, cloud: Cloud, demo_token: str) -> None:
    host = ensure_hosts(cloud)[0]
    for path, version in (
        ("/os-hypervisors", "2.53"),
        ("/os-hypervisors/detail", "2.53"),
        (f"/os-hypervisors/{host.id}", "2.53"),
        (f"/os-hypervisors/{host.id}/uptime", "2.53"),
        ("/os-hypervisors/statistics", "2.1"),
        ("/os-hypervisors/fake/search", "2.1"),
        ("/os-hypervisors/fake/servers", "2.1"),
    ):
        fault(call(client, demo_token, "GET", path, version), 403)
