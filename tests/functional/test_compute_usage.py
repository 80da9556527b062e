"""os-simple-tenant-usage (hours and totals over a period, paging from 2.40) and os-migrations
(filters, paging and fields by microversion)."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse

from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.identity.common import utcnow
from tests.functional.test_compute_operator import (
    add_migration,
    add_server,
    call,
    ensure_hosts,
    fault,
    project_id,
)

FMT = "%Y-%m-%dT%H:%M:%S"


def window(start: datetime, end: datetime) -> str:
    return f"start={start.strftime(FMT)}&end={end.strftime(FMT)}"


def test_hours_are_clipped_to_the_period(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    host = ensure_hosts(cloud)[0].name
    base = utcnow().replace(microsecond=0) - timedelta(days=2)
    running = add_server(cloud, host, project="p1", name="run", launched_at=base - timedelta(hours=5))
    ended = add_server(
        cloud,
        host,
        project="p1",
        name="gone",
        vcpus=1,
        ram=512,
        disk=10,
        ephemeral=5,
        launched_at=base + timedelta(hours=1),
        terminated_at=base + timedelta(hours=3),
    )
    add_server(cloud, host, project="p1", name="later", launched_at=base + timedelta(hours=20))
    add_server(
        cloud,
        host,
        project="p2",
        name="before",
        launched_at=base - timedelta(hours=9),
        terminated_at=base - timedelta(hours=8),
    )
    resp = call(
        client,
        admin_token,
        "GET",
        f"/os-simple-tenant-usage?detailed=1&{window(base, base + timedelta(hours=10))}",
    )
    assert resp.status_code == 200, resp.text
    (usage,) = resp.json()["tenant_usages"]  # p2's server ended before the period: no p2 entry
    assert usage["tenant_id"] == "p1" and usage["start"] == base.strftime(FMT) + ".000000"
    servers = {s["name"]: s for s in usage["server_usages"]}
    assert set(servers) == {"run", "gone"}
    assert servers["run"]["hours"] == 10.0 and servers["run"]["state"] == "active"
    assert servers["run"]["instance_id"] == running and servers["run"]["ended_at"] is None
    gone = servers["gone"]
    assert gone["hours"] == 2.0 and gone["state"] == "terminated" and gone["instance_id"] == ended
    assert (gone["vcpus"], gone["memory_mb"], gone["local_gb"], gone["flavor"]) == (1, 512, 15, "m1.test")
    assert gone["uptime"] == 2 * 3600
    assert usage["total_hours"] == 12.0
    assert usage["total_vcpus_usage"] == 2 * 10 + 1 * 2
    assert usage["total_memory_mb_usage"] == 2048 * 10 + 512 * 2
    assert usage["total_local_gb_usage"] == 20 * 10 + 15 * 2


def test_summary_without_detailed_has_no_server_usages(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    add_server(cloud, ensure_hosts(cloud)[0].name, project="p1")
    (usage,) = call(client, admin_token, "GET", "/os-simple-tenant-usage").json()["tenant_usages"]
    assert "server_usages" not in usage and usage["total_hours"] > 0


def test_a_member_reads_its_own_project_only(
    client: TestClient, cloud: Cloud, admin_token: str, demo_token: str
) -> None:
    demo = project_id(cloud, "demo")
    add_server(cloud, ensure_hosts(cloud)[0].name, project=demo, name="mine")
    resp = call(client, demo_token, "GET", f"/os-simple-tenant-usage/{demo}")
    assert resp.status_code == 200, resp.text
    usage = resp.json()["tenant_usage"]
    assert usage["tenant_id"] == demo and [s["name"] for s in usage["server_usages"]] == ["mine"]
    fault(call(client, demo_token, "GET", f"/os-simple-tenant-usage/{project_id(cloud, 'admin')}"), 403)
    fault(call(client, demo_token, "GET", "/os-simple-tenant-usage"), 403)
    empty = call(client, admin_token, "GET", "/os-simple-tenant-usage/nobody").json()
    assert empty == {"tenant_usage": {}}


def test_bad_periods_are_400(client: TestClient, admin_token: str) -> None:
    now = utcnow()
    later = window(now + timedelta(hours=1), now)
    assert "start time" in fault(call(client, admin_token, "GET", f"/os-simple-tenant-usage?{later}"), 400)
    fault(call(client, admin_token, "GET", "/os-simple-tenant-usage?start=yesterday"), 400)
    fault(call(client, admin_token, "GET", "/os-simple-tenant-usage/x?end=31-12-2020"), 400)
    fault(call(client, admin_token, "GET", "/os-simple-tenant-usage?foo=1", "2.75"), 400)
    fault(call(client, admin_token, "GET", "/os-simple-tenant-usage/x?detailed=1", "2.75"), 400)
    assert call(client, admin_token, "GET", "/os-simple-tenant-usage?foo=1", "2.74").status_code == 200
    iso = "/os-simple-tenant-usage?start=2020-01-01T00:00:00Z&end=2020-01-02T00:00:00.5%2B00:00"
    assert call(client, admin_token, "GET", iso).status_code == 200


def test_paging_by_server_from_240(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    host = ensure_hosts(cloud)[0].name
    ids = sorted(add_server(cloud, host, project="pp", name=f"s{n}") for n in range(3))
    first = call(client, admin_token, "GET", "/os-simple-tenant-usage?detailed=1&limit=2", "2.40").json()
    assert [s["instance_id"] for s in first["tenant_usages"][0]["server_usages"]] == ids[:2]
    (link,) = first["tenant_usages_links"]
    query = parse_qs(urlparse(link["href"]).query)
    assert query["marker"] == [ids[1]] and query["limit"] == ["2"] and query["detailed"] == ["1"]
    rest = call(
        client, admin_token, "GET", f"/os-simple-tenant-usage?detailed=1&marker={ids[1]}", "2.40"
    ).json()
    assert [s["instance_id"] for s in rest["tenant_usages"][0]["server_usages"]] == ids[2:]
    shown = call(client, admin_token, "GET", "/os-simple-tenant-usage/pp?limit=1", "2.40").json()
    assert "/os-simple-tenant-usage/pp?" in shown["tenant_usage_links"][0]["href"]
    fault(call(client, admin_token, "GET", "/os-simple-tenant-usage?marker=nope", "2.40"), 400)
    # below 2.40 limit means nothing and no links are given
    old = call(client, admin_token, "GET", "/os-simple-tenant-usage?detailed=1&limit=1", "2.39").json()
    assert len(old["tenant_usages"][0]["server_usages"]) == 3 and "tenant_usages_links" not in old


# -- os-migrations -----------------------------------------------------------------------------
def migrations(client: TestClient, token: str, version: str = "2.1", query: str = "") -> dict:
    resp = call(client, token, "GET", f"/os-migrations{query}", version)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_fields_by_microversion(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    hosts = ensure_hosts(cloud)
    m = add_migration(
        cloud, source_host=hosts[0].name, dest_host=hosts[1].name, old_flavor_id="1", new_flavor_id="x"
    )
    (old,) = migrations(client, admin_token)["migrations"]
    assert old == {
        "created_at": m.created_at.strftime(FMT + ".%f"),
        "dest_compute": hosts[1].name,
        "dest_host": hosts[1].host_ip,
        "dest_node": hosts[1].name,
        "id": m.id,
        "instance_uuid": m.server_id,
        "new_instance_type_id": None,  # not a number: Nova's schema allows null, not a string
        "old_instance_type_id": 1,
        "source_compute": hosts[0].name,
        "source_node": hosts[0].name,
        "status": "finished",
        "updated_at": m.updated_at.strftime(FMT + ".%f"),
    }
    (v223,) = migrations(client, admin_token, "2.23")["migrations"]
    assert v223["migration_type"] == "resize" and "links" not in v223 and "uuid" not in v223
    (v259,) = migrations(client, admin_token, "2.59")["migrations"]
    assert v259["uuid"] == m.uuid and "user_id" not in v259
    (v280,) = migrations(client, admin_token, "2.80")["migrations"]
    assert (v280["user_id"], v280["project_id"]) == ("u-mig", "p-mig")


def test_running_live_migrations_link_to_the_server(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    m = add_migration(cloud, migration_type="live-migration", status="running")
    (item,) = migrations(client, admin_token, "2.23")["migrations"]
    self_link = next(link for link in item["links"] if link["rel"] == "self")
    assert self_link["href"].endswith(f"/v2.1/servers/{m.server_id}/migrations/{m.id}")


def test_filters(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    a = add_migration(cloud, source_host="h1", dest_host="h2", status="done", migration_type="migration")
    b = add_migration(cloud, source_host="h2", dest_host="h3", status="error", user_id="u2", project_id="p2")
    c = add_migration(
        cloud, source_host="h3", dest_host="h4", migration_type="live-migration", status="completed"
    )

    def ids(query: str, version: str = "2.80") -> set[int]:
        return {m["id"] for m in migrations(client, admin_token, version, query)["migrations"]}

    assert ids("?host=h2") == {a.id, b.id}
    assert ids("?source_compute=h3") == {c.id}
    assert ids("?status=error") == {b.id}
    assert ids("?migration_type=live-migration") == {c.id}
    assert ids(f"?instance_uuid={a.server_id}") == {a.id}
    assert ids("?user_id=u2") == {b.id} and ids("?project_id=p2") == {b.id}
    assert ids("?status=error&host=h1") == set()
    fault(call(client, admin_token, "GET", "/os-migrations?user_id=u2", "2.79"), 400)
    fault(call(client, admin_token, "GET", "/os-migrations?foo=1", "2.59"), 400)
    assert ids("?foo=1", "2.58") == {a.id, b.id, c.id}


def test_paging_newest_first_and_changes_since(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    now = utcnow()
    made = [
        add_migration(cloud, created_at=now - timedelta(hours=n), updated_at=now - timedelta(hours=n))
        for n in range(3)
    ]
    first = migrations(client, admin_token, "2.59", "?limit=2")
    assert [m["uuid"] for m in first["migrations"]] == [made[0].uuid, made[1].uuid]
    assert f"marker={made[1].uuid}" in first["migrations_links"][0]["href"]
    rest = migrations(client, admin_token, "2.59", f"?marker={made[1].uuid}")["migrations"]
    assert [m["uuid"] for m in rest] == [made[2].uuid]
    since = (now - timedelta(minutes=90)).strftime(FMT)
    assert [
        m["uuid"] for m in migrations(client, admin_token, "2.59", f"?changes-since={since}")["migrations"]
    ] == [
        made[0].uuid,
        made[1].uuid,
    ]
    before = (now - timedelta(minutes=30)).strftime(FMT)
    found = migrations(client, admin_token, "2.66", f"?changes-before={before}")["migrations"]
    assert [m["uuid"] for m in found] == [made[1].uuid, made[2].uuid]
    bad_order = f"?changes-since={before}&changes-before={since}"
    fault(call(client, admin_token, "GET", f"/os-migrations{bad_order}", "2.66"), 400)
    fault(call(client, admin_token, "GET", "/os-migrations?marker=nope", "2.59"), 400)
    fault(call(client, admin_token, "GET", "/os-migrations?changes-since=soon", "2.59"), 400)
    fault(call(client, admin_token, "GET", "/os-migrations?limit=x", "2.59"), 400)
    assert migrations(client, admin_token, "2.59", "?limit=0")["migrations"] == []


def test_migrations_are_admin_only(client: TestClient, demo_token: str) -> None:
    fault(call(client, demo_token, "GET", "/os-migrations"), 403)
