"""Routers and floating IPs with the unchanged `openstack` CLI: a router with its gateway on
``public`` and an interface on a subnet, a floating IP from ``public`` put on a port and taken
off again, then everything deleted in reverse order, as a user would run it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.clients.harness import ClientRunner

pytestmark = pytest.mark.clients
ADMIN = "pocketstack-admin"


def show(cli: ClientRunner, *args: str, cloud: str = "pocketstack") -> dict[str, Any]:
    result = cli.openstack(*args, cloud=cloud)
    assert isinstance(result, dict)
    return result


def rows(cli: ClientRunner, *args: str) -> list[dict[str, Any]]:
    result = cli.openstack(*args)
    assert isinstance(result, list)
    return result


def test_router_and_floating_ip_life_cycle(cli: ClientRunner) -> None:
    public = show(cli, "network", "show", "public")
    cli.openstack("network", "create", "l3-net")
    subnet = show(
        cli, "subnet", "create", "--network", "l3-net", "--subnet-range", "10.70.0.0/24", "l3-subnet"
    )
    port = show(cli, "port", "create", "--network", "l3-net", "l3-port")
    router = show(cli, "router", "create", "l3-router")
    assert (router["status"], router["admin_state_up"]) == ("ACTIVE", True)

    cli.openstack("router", "set", "--external-gateway", "public", "l3-router", fmt=False)
    cli.openstack("router", "add", "subnet", "l3-router", "l3-subnet", fmt=False)
    shown = show(cli, "router", "show", "l3-router")
    assert public["id"] in str(shown["external_gateway_info"])
    assert "10.70.0.1" in str(shown["interfaces_info"]) and subnet["id"] in str(shown["interfaces_info"])
    assert [r["Name"] for r in rows(cli, "router", "list")] == ["l3-router"]

    fip = show(cli, "floating", "ip", "create", "public")
    address = fip["floating_ip_address"]
    assert address.startswith("172.24.4.") and fip["status"] == "DOWN" and fip["port_id"] is None
    cli.openstack("floating", "ip", "set", "--port", "l3-port", fip["id"], fmt=False)
    bound = show(cli, "floating", "ip", "show", address)
    assert (bound["port_id"], bound["router_id"], bound["status"]) == (port["id"], router["id"], "ACTIVE")
    assert bound["fixed_ip_address"] == port["fixed_ips"][0]["ip_address"]
    assert [r["ID"] for r in rows(cli, "floating", "ip", "list", "--port", "l3-port")] == [fip["id"]]
    failed = cli.openstack_fails("router", "remove", "subnet", "l3-router", "l3-subnet")
    assert (
        "RouterInterfaceInUseByFloatingIP" in failed.stderr
        or "409" in failed.stderr
        or "required" in failed.stderr
    )
    cli.openstack("floating", "ip", "unset", "--port", fip["id"], fmt=False)
    free = show(cli, "floating", "ip", "show", fip["id"])
    assert (free["port_id"], free["router_id"], free["status"]) == (None, None, "DOWN")

    usage = {row["Resource"]: row for row in rows(cli, "quota", "show", "--usage")}
    assert (usage["routers"]["In Use"], usage["floating_ips"]["In Use"]) == (1, 1), usage

    cli.openstack("floating", "ip", "delete", fip["id"], fmt=False)
    cli.openstack("router", "remove", "subnet", "l3-router", "l3-subnet", fmt=False)
    cli.openstack("router", "unset", "--external-gateway", "l3-router", fmt=False)
    assert show(cli, "router", "show", "l3-router")["external_gateway_info"] in (None, "", {})
    for kind, name in (
        ("router", "l3-router"),
        ("port", "l3-port"),
        ("subnet", "l3-subnet"),
        ("network", "l3-net"),
    ):
        cli.openstack(kind, "delete", name, fmt=False)
    assert rows(cli, "router", "list") == [] and rows(cli, "floating", "ip", "list") == []


def test_members_may_not_choose_snat_and_admins_see_gateway_ports(cli: ClientRunner) -> None:
    cli.openstack("router", "create", "snat-router")
    failed = cli.openstack_fails(
        "router", "set", "--external-gateway", "public", "--disable-snat", "snat-router"
    )
    assert (
        "403" in failed.stderr
        or "not authorized" in failed.stderr.lower()
        or "disallowed" in failed.stderr.lower()
    )
    cli.openstack(
        "router",
        "set",
        "--external-gateway",
        "public",
        "--disable-snat",
        "snat-router",
        cloud=ADMIN,
        fmt=False,
    )
    info = show(cli, "router", "show", "snat-router")["external_gateway_info"]
    assert "False" in str(info) or "false" in str(info)
    ports = cli.openstack("port", "list", "--device-owner", "network:router_gateway", cloud=ADMIN)
    assert isinstance(ports, list) and len(ports) == 1
    cli.openstack("router", "delete", "snat-router", fmt=False)
