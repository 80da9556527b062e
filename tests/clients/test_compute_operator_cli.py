"""The operator side of Compute v2.1 with the unchanged `openstack` CLI, as an admin would use
it: hypervisors, compute services, aggregates and their zones, availability zones, usage.

The hosts are the fake driver's, which ``pocketstack up`` registers at start.
"""

from __future__ import annotations

import pytest

from tests.clients.harness import ClientRunner

pytestmark = pytest.mark.clients
ADMIN = "pocketstack-admin"


def host_names(cli: ClientRunner) -> list[str]:
    rows = cli.openstack("hypervisor", "list", cloud=ADMIN)
    assert isinstance(rows, list) and rows
    return sorted(row["Hypervisor Hostname"] for row in rows)


def compute_service(cli: ClientRunner, host: str) -> dict:
    rows = cli.openstack("compute", "service", "list", "--long", "--host", host, cloud=ADMIN)
    (row,) = [r for r in rows if r["Binary"] == "nova-compute"]
    return row


def test_hypervisor_list_and_show(cli: ClientRunner) -> None:
    rows = cli.openstack("hypervisor", "list", cloud=ADMIN)
    assert {row["State"] for row in rows} == {"up"}
    assert all(row["Host IP"] and row["Hypervisor Type"] for row in rows)
    name = host_names(cli)[0]
    shown = cli.openstack("hypervisor", "show", name, cloud=ADMIN)
    assert shown["hypervisor_hostname"] == name
    assert (shown["state"], shown["status"]) == ("up", "enabled")
    assert shown["service_host"] == name
    assert cli.openstack_fails("hypervisor", "show", "no-such-hypervisor", cloud=ADMIN).returncode != 0


def test_hypervisors_are_for_admins_only(cli: ClientRunner) -> None:
    proc = cli.openstack_fails("hypervisor", "list")
    assert "403" in proc.stderr or "not authorized" in proc.stderr.lower()


def test_compute_service_list(cli: ClientRunner) -> None:
    rows = cli.openstack("compute", "service", "list", cloud=ADMIN)
    compute = [r for r in rows if r["Binary"] == "nova-compute"]
    assert sorted(r["Host"] for r in compute) == host_names(cli)
    assert {r["Zone"] for r in compute} == {"nova"}
    assert {r["Status"] for r in compute} == {"enabled"} and {r["State"] for r in compute} == {"up"}
    internal = {r["Binary"] for r in rows if r["Zone"] == "internal"}
    assert {"nova-scheduler", "nova-conductor"} <= internal


def test_compute_service_disable_and_enable(cli: ClientRunner) -> None:
    host = host_names(cli)[-1]
    cli.openstack(
        "compute",
        "service",
        "set",
        "--disable",
        "--disable-reason",
        "maintenance",
        host,
        "nova-compute",
        cloud=ADMIN,
        fmt=False,
    )
    row = compute_service(cli, host)
    assert (row["Status"], row["Disabled Reason"]) == ("disabled", "maintenance")
    assert cli.openstack("hypervisor", "show", host, cloud=ADMIN)["status"] == "disabled"
    cli.openstack("compute", "service", "set", "--enable", host, "nova-compute", cloud=ADMIN, fmt=False)
    row = compute_service(cli, host)
    assert row["Status"] == "enabled" and not row["Disabled Reason"]


def test_aggregate_lifecycle_with_a_zone(cli: ClientRunner) -> None:
    host = host_names(cli)[0]
    created = cli.openstack("aggregate", "create", "--zone", "az1", "agg1", cloud=ADMIN)
    assert (created["name"], created["availability_zone"]) == ("agg1", "az1")
    cli.openstack_fails("aggregate", "create", "agg1", cloud=ADMIN)  # names are unique: 409

    added = cli.openstack("aggregate", "add", "host", "agg1", host, cloud=ADMIN)
    assert added["hosts"] == [host]
    cli.openstack_fails("aggregate", "add", "host", "agg1", "no-such-host", cloud=ADMIN)
    zones = {
        r["Zone Name"]: r["Zone Status"]
        for r in cli.openstack("availability", "zone", "list", "--compute", cloud=ADMIN)
    }
    assert zones["az1"] == "available" and zones["nova"] == "available"
    assert compute_service(cli, host)["Zone"] == "az1"
    assert "agg1" in cli.openstack("hypervisor", "show", host, cloud=ADMIN)["aggregates"]

    cli.openstack("aggregate", "set", "--property", "k=v", "agg1", cloud=ADMIN, fmt=False)
    shown = cli.openstack("aggregate", "show", "agg1", cloud=ADMIN)
    assert shown["properties"] == {"k": "v"} and shown["hosts"] == [host]
    assert shown["availability_zone"] == "az1"
    # an aggregate with hosts cannot be deleted (Nova answers 400)
    cli.openstack_fails("aggregate", "delete", "agg1", cloud=ADMIN)

    removed = cli.openstack("aggregate", "remove", "host", "agg1", host, cloud=ADMIN)
    assert removed["hosts"] == []
    assert compute_service(cli, host)["Zone"] == "nova"
    cli.openstack("aggregate", "delete", "agg1", cloud=ADMIN, fmt=False)
    assert "agg1" not in [r["Name"] for r in cli.openstack("aggregate", "list", cloud=ADMIN)]
    zones = {r["Zone Name"] for r in cli.openstack("availability", "zone", "list", "--compute", cloud=ADMIN)}
    assert "az1" not in zones


def test_availability_zone_list(cli: ClientRunner) -> None:
    rows = cli.openstack("availability", "zone", "list", "--compute", cloud=ADMIN)
    zones = {r["Zone Name"]: r["Zone Status"] for r in rows}
    assert zones["nova"] == "available"
    # a member sees the summary, in which the internal zone is hidden
    member = {r["Zone Name"] for r in cli.openstack("availability", "zone", "list", "--compute")}
    assert "nova" in member and "internal" not in member


def test_usage_list(cli: ClientRunner) -> None:
    rows = cli.openstack("usage", "list", cloud=ADMIN)
    assert isinstance(rows, list)
    for row in rows:
        assert {"Project", "Servers", "RAM MB-Hours", "CPU Hours", "Disk GB-Hours"} <= set(row)
