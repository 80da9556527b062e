"""os-services: the list with its filters, PUT by UUID (2.53+) and the older enable / disable /
disable-log-reason / force-down actions, and DELETE."""

from __future__ import annotations

from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.identity.common import utcnow
from pocketstack.core.placement.hosts import short_id
from pocketstack.store.compute_models import ControlService
from tests.functional.test_compute_operator import (
    add_migration,
    add_server,
    aggregate_action,
    call,
    create_aggregate,
    ensure_hosts,
    fault,
)

HIGH = "ffffffff-ffff-4fff-8fff-ffffffffffff"
FIELDS = {"id", "binary", "host", "zone", "status", "state", "updated_at", "disabled_reason"}


def services(client: TestClient, token: str, version: str = "2.53", query: str = "") -> list[dict]:
    resp = call(client, token, "GET", f"/os-services{query}", version)
    assert resp.status_code == 200, resp.text
    return resp.json()["services"]


def compute_service(client: TestClient, token: str, host: str) -> dict:
    (svc,) = services(client, token, query=f"?host={host}&binary=nova-compute")
    return svc


def test_list_has_a_compute_service_per_host_and_internal_control_services(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    hosts = ensure_hosts(cloud)
    listed = services(client, admin_token)
    compute = [s for s in listed if s["binary"] == "nova-compute"]
    assert sorted(s["host"] for s in compute) == [h.name for h in hosts]
    assert {s["zone"] for s in compute} == {"nova"}
    control = [s for s in listed if s["binary"] != "nova-compute"]
    assert {s["binary"] for s in control} >= {"nova-scheduler", "nova-conductor"}
    assert {s["zone"] for s in control} == {"internal"}
    assert all(set(s) == FIELDS | {"forced_down"} for s in listed)
    svc = next(s for s in compute if s["host"] == hosts[0].name)
    assert svc["id"] == hosts[0].service_id
    assert (svc["status"], svc["state"], svc["forced_down"]) == ("enabled", "up", False)


def test_list_fields_and_ids_by_microversion(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    hosts = ensure_hosts(cloud)
    old = services(client, admin_token, "2.1")
    assert all(set(s) == FIELDS and isinstance(s["id"], int) for s in old)
    compute = next(s for s in old if s["host"] == hosts[0].name)
    assert compute["id"] == short_id(hosts[0].service_id)
    assert all("forced_down" in s for s in services(client, admin_token, "2.11"))


def test_list_filters(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    hosts = ensure_hosts(cloud)
    assert {s["binary"] for s in services(client, admin_token, query="?binary=nova-scheduler")} == {
        "nova-scheduler"
    }
    by_host = services(client, admin_token, query=f"?host={hosts[1].name}")
    assert [(s["host"], s["binary"]) for s in by_host] == [(hosts[1].name, "nova-compute")]
    assert services(client, admin_token, query="?host=nowhere") == []
    fault(call(client, admin_token, "GET", "/os-services?foo=1", "2.75"), 400)
    assert call(client, admin_token, "GET", "/os-services?foo=1", "2.74").status_code == 200


def test_disable_with_reason_then_enable(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    host = ensure_hosts(cloud)[0]
    svc = compute_service(client, admin_token, host.name)
    body = {"status": "disabled", "disabled_reason": "maintenance"}
    resp = call(client, admin_token, "PUT", f"/os-services/{svc['id']}", "2.53", json=body)
    assert resp.status_code == 200, resp.text
    changed = resp.json()["service"]
    assert (changed["status"], changed["disabled_reason"], changed["id"]) == (
        "disabled",
        "maintenance",
        svc["id"],
    )
    assert set(changed) == FIELDS | {"forced_down"}
    assert compute_service(client, admin_token, host.name)["status"] == "disabled"
    resp = call(client, admin_token, "PUT", f"/os-services/{svc['id']}", "2.53", json={"status": "enabled"})
    assert (resp.json()["service"]["status"], resp.json()["service"]["disabled_reason"]) == ("enabled", None)


def test_force_down_and_up(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    host = ensure_hosts(cloud)[0]
    svc = compute_service(client, admin_token, host.name)
    resp = call(client, admin_token, "PUT", f"/os-services/{svc['id']}", "2.53", json={"forced_down": True})
    assert (resp.json()["service"]["state"], resp.json()["service"]["forced_down"]) == ("down", True)
    assert resp.json()["service"]["status"] == "enabled"  # forcing down leaves the status alone
    resp = call(
        client, admin_token, "PUT", f"/os-services/{svc['id']}", "2.53", json={"forced_down": "false"}
    )
    assert resp.json()["service"]["state"] == "up"


def test_update_errors(client: TestClient, cloud: Cloud, admin_token: str, demo_token: str) -> None:
    host = ensure_hosts(cloud)[0]
    svc = compute_service(client, admin_token, host.name)
    path = f"/os-services/{svc['id']}"
    assert "No updates" in fault(call(client, admin_token, "PUT", path, "2.53", json={}), 400)
    only_reason = {"disabled_reason": "x"}
    fault(call(client, admin_token, "PUT", path, "2.53", json=only_reason), 400)
    both = {"status": "enabled", "disabled_reason": "x"}
    assert "disabled_reason" in fault(call(client, admin_token, "PUT", path, "2.53", json=both), 400)
    for bad in ({"status": "off"}, {"forced_down": "perhaps"}, {"extra": 1}, {"disabled_reason": None}):
        fault(call(client, admin_token, "PUT", path, "2.53", json=bad), 400)
    fault(
        call(client, admin_token, "PUT", "/os-services/not-a-uuid", "2.53", json={"status": "enabled"}), 400
    )
    missing = "/os-services/00000000-0000-4000-8000-000000000000"
    fault(call(client, admin_token, "PUT", missing, "2.53", json={"status": "enabled"}), 404)
    scheduler = services(client, admin_token, query="?binary=nova-scheduler")[0]
    resp = call(
        client, admin_token, "PUT", f"/os-services/{scheduler['id']}", "2.53", json={"status": "disabled"}
    )
    assert "nova-scheduler" in fault(resp, 400)
    fault(call(client, demo_token, "PUT", path, "2.53", json={"status": "disabled"}), 403)
    fault(call(client, demo_token, "GET", "/os-services", "2.53"), 403)


def test_forcing_up_refused_while_done_evacuations_remain(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    host = ensure_hosts(cloud)[0]
    svc = compute_service(client, admin_token, host.name)
    path = f"/os-services/{svc['id']}"
    call(client, admin_token, "PUT", path, "2.53", json={"forced_down": True})
    add_migration(cloud, migration_type="evacuation", status="done", source_host=host.name)
    assert "evacuation" in fault(
        call(client, admin_token, "PUT", path, "2.53", json={"forced_down": False}), 400
    )


def test_legacy_actions_below_253(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    host = ensure_hosts(cloud)[0]
    target = {"host": host.name, "binary": "nova-compute"}
    resp = call(client, admin_token, "PUT", "/os-services/disable", json=target)
    assert resp.status_code == 200 and resp.json() == {"service": {**target, "status": "disabled"}}
    resp = call(
        client,
        admin_token,
        "PUT",
        "/os-services/disable-log-reason",
        json={**target, "disabled_reason": "why"},
    )
    assert resp.json() == {"service": {**target, "status": "disabled", "disabled_reason": "why"}}
    assert compute_service(client, admin_token, host.name)["disabled_reason"] == "why"
    resp = call(client, admin_token, "PUT", "/os-services/enable", json=target)
    assert resp.json() == {"service": {**target, "status": "enabled"}}
    resp = call(
        client, admin_token, "PUT", "/os-services/force-down", "2.11", json={**target, "forced_down": True}
    )
    assert resp.json() == {"service": {**target, "forced_down": True}}
    assert compute_service(client, admin_token, host.name)["state"] == "down"


def test_legacy_action_errors(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    host = ensure_hosts(cloud)[0]
    target = {"host": host.name, "binary": "nova-compute"}
    fault(call(client, admin_token, "PUT", "/os-services/disable-log-reason", json=target), 400)
    fault(call(client, admin_token, "PUT", "/os-services/force-down", "2.11", json=target), 400)
    fault(call(client, admin_token, "PUT", "/os-services/force-down", "2.10", json=target), 404)
    fault(call(client, admin_token, "PUT", "/os-services/reboot", json=target), 404)
    fault(call(client, admin_token, "PUT", "/os-services/enable", json={**target, "host": "nowhere"}), 404)
    fault(
        call(client, admin_token, "PUT", "/os-services/enable", json={**target, "binary": "nova-conductor"}),
        400,
    )
    fault(call(client, admin_token, "PUT", "/os-services/enable", json={"host": host.name}), 400)
    fault(call(client, admin_token, "PUT", "/os-services/enable", "2.53", json={"status": "enabled"}), 400)


def test_delete_compute_service_removes_its_host(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    hosts = ensure_hosts(cloud)
    host = hosts[-1]
    agg = create_aggregate(client, admin_token, "with-doomed", "az-doomed")
    assert aggregate_action(client, admin_token, agg, "add_host", {"host": host.name}).status_code == 200
    svc = compute_service(client, admin_token, host.name)
    resp = call(client, admin_token, "DELETE", f"/os-services/{svc['id']}", "2.53")
    assert resp.status_code == 204 and resp.content == b""
    assert host.name not in {s["host"] for s in services(client, admin_token)}
    assert call(client, admin_token, "GET", f"/os-hypervisors/{host.id}", "2.53").status_code == 404
    assert call(client, admin_token, "GET", f"/os-aggregates/{agg}").json()["aggregate"]["hosts"] == []
    fault(call(client, admin_token, "DELETE", f"/os-services/{svc['id']}", "2.53"), 404)


def test_delete_refused_while_servers_or_migrations_are_on_the_host(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    hosts = ensure_hosts(cloud)
    add_server(cloud, hosts[0].name)
    svc = compute_service(client, admin_token, hosts[0].name)
    assert "instances" in fault(call(client, admin_token, "DELETE", f"/os-services/{svc['id']}", "2.53"), 409)
    add_migration(cloud, status="migrating", source_host=hosts[2].name, dest_host=hosts[1].name)
    svc = compute_service(client, admin_token, hosts[1].name)
    assert "migrations" in fault(
        call(client, admin_token, "DELETE", f"/os-services/{svc['id']}", "2.53"), 409
    )
    assert hosts[0].name in {s["host"] for s in services(client, admin_token)}


def test_delete_errors_and_legacy_ids(
    client: TestClient, cloud: Cloud, admin_token: str, demo_token: str
) -> None:
    ensure_hosts(cloud)
    scheduler = services(client, admin_token, "2.1", "?binary=nova-scheduler")[0]
    fault(call(client, demo_token, "DELETE", f"/os-services/{scheduler['id']}"), 403)
    fault(call(client, admin_token, "DELETE", "/os-services/abc"), 400)
    fault(call(client, admin_token, "DELETE", "/os-services/12345"), 404)
    fault(call(client, admin_token, "DELETE", "/os-services/abc", "2.53"), 400)
    assert call(client, admin_token, "DELETE", f"/os-services/{scheduler['id']}").status_code == 204
    assert services(client, admin_token, query="?binary=nova-scheduler") == []
    # the integer of a UUID with every one of its first 48 bits set is found too
    with cloud.db.transaction() as s:
        s.add(ControlService(id=HIGH, binary="nova-conductor", host="edge", created_at=utcnow()))
    assert short_id(HIGH) == 2**48 - 1
    assert call(client, admin_token, "DELETE", f"/os-services/{2**48 - 1}").status_code == 204
    fault(call(client, admin_token, "DELETE", f"/os-services/{2**48}"), 404)
