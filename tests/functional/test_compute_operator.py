"""The operator side of Compute v2.1, shared helpers, and os-availability-zone.

The other operator APIs have their own files (test_compute_hypervisors, _services,
_aggregates, _usage), which import the helpers below. Hosts come from the fake driver at start;
``ensure_hosts`` adds some only when a cloud has fewer. Servers and migrations are written as
rows, so these tests need nothing of the server API but the rows it would leave.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.identity.common import utcnow
from pocketstack.core.placement import dag
from pocketstack.store.compute_models import (
    Allocation,
    ControlService,
    Host,
    Migration,
    Placement,
    PlacementHost,
    Server,
)
from pocketstack.store.models import Project
from tests.functional.conftest import auth_headers

V21 = "/compute/v2.1"


def call(
    client: TestClient, token: str, method: str, path: str, version: str | None = None, **kw: Any
) -> httpx.Response:
    headers = auth_headers(token)
    if version:
        headers["OpenStack-API-Version"] = f"compute {version}"
    return client.request(method, V21 + path, headers=headers, **kw)


def fault(resp: httpx.Response, status: int) -> str:
    """Assert Nova's fault envelope with ``status``; returns the message."""
    assert resp.status_code == status, resp.text
    (name, body), *rest = resp.json().items()
    assert not rest and body["code"] == status, resp.text
    names = {400: "badRequest", 403: "forbidden", 404: "itemNotFound", 409: "conflictingRequest"}
    assert name == names.get(status, "computeFault"), resp.text
    return body["message"]


def ensure_hosts(cloud: Cloud, count: int = 4) -> list[Host]:
    """At least ``count`` hosts (in placement ``nova``) and the control services; all hosts by
    name."""
    now = utcnow()
    with cloud.db.transaction() as s:
        hosts = list(s.scalars(select(Host).order_by(Host.name)))
        zone = s.scalar(select(Placement).where(Placement.name == "nova"))
        for n in range(len(hosts), count):
            if zone is None:
                zone = Placement(id=str(uuid.uuid4()), name="nova", description="", created_at=now)
                s.add(zone)
                s.flush()
            host = Host(
                id=str(uuid.uuid4()),
                name=f"test-host-{n + 1}",
                driver="fake",
                host_ip=f"192.0.2.{n + 1}",
                vcpus=16,
                memory_mb=32768,
                disk_gb=500,
                reserved_memory_mb=512,
                service_id=str(uuid.uuid4()),
                traits={},
                created_at=now,
                updated_at=now,
            )
            s.add(host)
            s.flush()
            s.add(PlacementHost(placement_id=zone.id, host_id=host.id))
        if s.scalar(select(ControlService.id).limit(1)) is None:
            for binary in ("nova-scheduler", "nova-conductor"):
                s.add(ControlService(id=str(uuid.uuid4()), binary=binary, host="control", created_at=now))
    with cloud.db.read() as s:
        return list(s.scalars(select(Host).order_by(Host.name)))


def project_id(cloud: Cloud, name: str) -> str:
    with cloud.db.read() as s:
        return s.scalar(select(Project.id).where(Project.name == name))


def add_server(
    cloud: Cloud,
    host: str | None,
    *,
    project: str = "p-usage",
    name: str = "vm",
    vcpus: int = 2,
    ram: int = 2048,
    disk: int = 20,
    ephemeral: int = 0,
    launched_at: datetime | None = None,
    terminated_at: datetime | None = None,
    vm_state: str = "active",
    task_state: str | None = None,
    server_id: str | None = None,
) -> str:
    """A server row (and its allocation on ``host`` while it is not terminated)."""
    now = utcnow()
    server_id = server_id or str(uuid.uuid4())
    launched = launched_at if launched_at is not None else now - timedelta(hours=1)
    with cloud.db.transaction() as s:
        s.add(
            Server(
                id=server_id,
                project_id=project,
                user_id="u-usage",
                name=name,
                hostname=name,
                flavor_id="1",
                flavor={"name": "m1.test", "vcpus": vcpus, "ram": ram, "disk": disk, "ephemeral": ephemeral},
                vm_state="deleted" if terminated_at else vm_state,
                task_state=task_state,
                host=host,
                reservation_id=str(uuid.uuid4()),
                created_at=launched - timedelta(minutes=1),
                updated_at=now,
                launched_at=launched,
                terminated_at=terminated_at,
                deleted=terminated_at is not None,
                deleted_at=terminated_at,
            )
        )
        host_id = s.scalar(select(Host.id).where(Host.name == host)) if host else None
        if host_id and terminated_at is None:
            s.add(
                Allocation(
                    consumer_id=server_id,
                    host_id=host_id,
                    vcpus=vcpus,
                    memory_mb=ram,
                    disk_gb=disk + ephemeral,
                    created_at=now,
                )
            )
    return server_id


def add_migration(cloud: Cloud, **fields: Any) -> Migration:
    now = utcnow()
    values: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "server_id": str(uuid.uuid4()),
        "project_id": "p-mig",
        "user_id": "u-mig",
        "migration_type": "resize",
        "status": "finished",
        "source_host": "src",
        "dest_host": "dst",
        "old_flavor_id": "1",
        "new_flavor_id": "2",
        "created_at": now,
        "updated_at": now,
        **fields,
    }
    with cloud.db.transaction() as s:
        migration = Migration(**values)
        s.add(migration)
        s.flush()
    return migration


def create_aggregate(client: TestClient, token: str, name: str, zone: str | None = None) -> int:
    body: dict[str, Any] = {"name": name}
    if zone is not None:
        body["availability_zone"] = zone
    resp = call(client, token, "POST", "/os-aggregates", json={"aggregate": body})
    assert resp.status_code == 200, resp.text
    return resp.json()["aggregate"]["id"]


def aggregate_action(client: TestClient, token: str, agg_id: int, action: str, value: Any) -> httpx.Response:
    return call(client, token, "POST", f"/os-aggregates/{agg_id}/action", "2.41", json={action: value})


# -- os-availability-zone ----------------------------------------------------------------------
def zone_names(client: TestClient, token: str) -> dict[str, bool]:
    resp = call(client, token, "GET", "/os-availability-zone")
    assert resp.status_code == 200, resp.text
    info = resp.json()["availabilityZoneInfo"]
    assert all(z["hosts"] is None for z in info)
    return {z["zoneName"]: z["zoneState"]["available"] for z in info}


def test_zone_list_shows_the_default_zone_to_any_user_and_hides_internal(
    client: TestClient, cloud: Cloud, demo_token: str
) -> None:
    ensure_hosts(cloud)
    assert zone_names(client, demo_token) == {"nova": True}


def test_zone_detail_lists_hosts_and_services_with_the_internal_zone(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    hosts = ensure_hosts(cloud)
    resp = call(client, admin_token, "GET", "/os-availability-zone/detail")
    assert resp.status_code == 200
    info = {z["zoneName"]: z for z in resp.json()["availabilityZoneInfo"]}
    assert set(info) == {"nova", "internal"}
    nova = info["nova"]
    assert nova["zoneState"] == {"available": True}
    assert set(nova["hosts"]) == {h.name for h in hosts}
    compute = nova["hosts"][hosts[0].name]["nova-compute"]
    assert compute["available"] is True and compute["active"] is True
    assert compute["updated_at"] is not None and not compute["updated_at"].endswith("Z")
    internal = {binary for services in info["internal"]["hosts"].values() for binary in services}
    assert {"nova-scheduler", "nova-conductor"} <= internal


def test_zone_detail_is_admin_only(client: TestClient, demo_token: str) -> None:
    fault(call(client, demo_token, "GET", "/os-availability-zone/detail"), 403)


def test_aggregate_zone_appears_and_disappears_with_its_hosts(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    hosts = ensure_hosts(cloud)
    agg = create_aggregate(client, admin_token, "agg-az", "az1")
    assert "az1" not in zone_names(client, admin_token)  # a zone without hosts is not shown
    assert aggregate_action(client, admin_token, agg, "add_host", {"host": hosts[0].name}).status_code == 200
    assert zone_names(client, admin_token) == {"az1": True, "nova": True}
    assert cloud.zones.zone_of_host(hosts[0].name) == "az1"
    with cloud.db.read() as s:  # the scheduler's view agrees: the host moved out of "nova"
        assert hosts[0].id in dag.hosts_in(s, "az1") and hosts[0].id not in dag.hosts_in(s, "nova")
    detail = call(client, admin_token, "GET", "/os-availability-zone/detail").json()["availabilityZoneInfo"]
    by_zone = {z["zoneName"]: z["hosts"] for z in detail}
    assert list(by_zone["az1"]) == [hosts[0].name] and hosts[0].name not in by_zone["nova"]
    assert (
        aggregate_action(client, admin_token, agg, "remove_host", {"host": hosts[0].name}).status_code == 200
    )
    assert zone_names(client, admin_token) == {"nova": True}
    assert cloud.zones.zone_of_host(hosts[0].name) == "nova"
    with cloud.db.read() as s:  # the placement made for az1 went away with its last host
        assert s.scalar(select(Placement).where(Placement.name == "az1")) is None
        assert hosts[0].id in dag.hosts_in(s, "nova")


def test_zone_with_only_disabled_services_is_listed_not_available(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    hosts = ensure_hosts(cloud)
    agg = create_aggregate(client, admin_token, "agg-off", "az-off")
    assert aggregate_action(client, admin_token, agg, "add_host", {"host": hosts[1].name}).status_code == 200
    svc = next(
        s
        for s in call(client, admin_token, "GET", "/os-services", "2.53").json()["services"]
        if s["host"] == hosts[1].name
    )
    resp = call(client, admin_token, "PUT", f"/os-services/{svc['id']}", "2.53", json={"status": "disabled"})
    assert resp.status_code == 200
    assert zone_names(client, admin_token) == {"nova": True, "az-off": False}
    detail = call(client, admin_token, "GET", "/os-availability-zone/detail").json()["availabilityZoneInfo"]
    assert detail[-1] == {"zoneName": "az-off", "zoneState": {"available": False}, "hosts": None}
    assert "az-off" not in cloud.zones.available_zones()
