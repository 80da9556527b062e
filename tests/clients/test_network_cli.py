"""Networks with the unchanged `openstack` CLI: a network, a subnet with a pool and a name server,
ports with asked-for and automatic addresses, lists, quota usage, tags, then deletes in reverse
order, as a user would run them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.clients.harness import ClientRunner

pytestmark = pytest.mark.clients
ADMIN = "pocketstack-admin"


def rows(cli: ClientRunner, *args: str, cloud: str = "pocketstack") -> list[dict[str, Any]]:
    result = cli.openstack(*args, cloud=cloud)
    assert isinstance(result, list)
    return result


def test_network_subnet_port_life_cycle(cli: ClientRunner) -> None:
    net = cli.openstack("network", "create", "--tag", "cli", "cli-net")
    assert (net["name"], net["status"], net["router:external"], net["shared"]) == (
        "cli-net",
        "ACTIVE",
        False,
        False,
    )
    subnet = cli.openstack(
        "subnet",
        "create",
        "--network",
        "cli-net",
        "--subnet-range",
        "10.60.0.0/24",
        "--allocation-pool",
        "start=10.60.0.10,end=10.60.0.20",
        "--dns-nameserver",
        "9.9.9.9",
        "cli-subnet",
    )
    assert (subnet["cidr"], subnet["gateway_ip"]) == ("10.60.0.0/24", "10.60.0.1")
    assert subnet["allocation_pools"] == [{"start": "10.60.0.10", "end": "10.60.0.20"}]
    assert subnet["dns_nameservers"] == ["9.9.9.9"]
    fixed = cli.openstack(
        "port",
        "create",
        "--network",
        "cli-net",
        "--fixed-ip",
        "subnet=cli-subnet,ip-address=10.60.0.15",
        "cli-port",
    )
    assert fixed["fixed_ips"] == [{"subnet_id": subnet["id"], "ip_address": "10.60.0.15"}]
    auto = cli.openstack("port", "create", "--network", "cli-net", "--tag", "auto", "cli-auto")
    assert auto["fixed_ips"] == [{"subnet_id": subnet["id"], "ip_address": "10.60.0.10"}]
    assert auto["tags"] == ["auto"] and auto["mac_address"].startswith("fa:16:3e:")

    assert {"cli-net", "public"} <= {row["Name"] for row in rows(cli, "network", "list")}
    assert [row["Name"] for row in rows(cli, "network", "list", "--tags", "cli")] == ["cli-net"]
    listed = {row["Name"]: row for row in rows(cli, "port", "list")}
    assert {"cli-port", "cli-auto"} <= set(listed)
    assert [row["Name"] for row in rows(cli, "port", "list", "--fixed-ip", "ip-address=10.60.0.15")] == [
        "cli-port"
    ]

    usage = {row["Resource"]: row for row in rows(cli, "quota", "show", "--usage")}
    assert (usage["networks"]["Limit"], usage["networks"]["In Use"]) == (100, 1)
    assert (usage["subnets"]["In Use"], usage["ports"]["In Use"], usage["ports"]["Limit"]) == (1, 2, 500)
    limits = {row["Resource"]: row["Limit"] for row in rows(cli, "quota", "show")}
    assert (limits["routers"], limits["floating_ips"], limits["security_groups"]) == (10, 50, 10)

    for kind, name in (
        ("port", "cli-auto"),
        ("port", "cli-port"),
        ("subnet", "cli-subnet"),
        ("network", "cli-net"),
    ):
        cli.openstack(kind, "delete", name, fmt=False)
    assert "cli-net" not in {row["Name"] for row in rows(cli, "network", "list")}
    assert not {"cli-port", "cli-auto"} & {row["Name"] for row in rows(cli, "port", "list")}


def test_members_are_refused_admin_attributes_and_admins_see_the_public_network(cli: ClientRunner) -> None:
    failed = cli.openstack_fails("network", "create", "--external", "mine-external")
    assert (
        "403" in failed.stderr or "disallowed" in failed.stderr.lower() or "not authorized" in failed.stderr
    )
    public = cli.openstack("network", "show", "public", cloud=ADMIN)
    assert (public["router:external"], public["provider:network_type"], public["is_default"]) == (
        True,
        "flat",
        True,
    )
    subnet = cli.openstack("subnet", "show", "public-subnet", cloud=ADMIN)
    assert subnet["cidr"] == "172.24.4.0/24"
