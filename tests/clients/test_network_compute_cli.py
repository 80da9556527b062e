"""Servers on Network v2 with the unchanged `openstack` CLI, as the networking issue's users run
it: a network, a subnet, a port, a security group and a router to ``public``, a server on them
with a floating IP and the user's port attached, then every delete in reverse order; a server
with ``--nic auto`` in a project that has no network yet (get-me-a-network); network quotas set
with the CLI, and a server refused when its project has no ports left."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clients.harness import ClientRunner

pytestmark = pytest.mark.clients
ADMIN = "pocketstack-admin"
IMAGE = "pocketstack-tiny"


def show(cli: ClientRunner, *args: str, cloud: str = "pocketstack") -> dict[str, Any]:
    result = cli.openstack(*args, cloud=cloud)
    assert isinstance(result, dict), result
    return result


def rows(cli: ClientRunner, *args: str, cloud: str = "pocketstack") -> list[dict[str, Any]]:
    result = cli.openstack(*args, cloud=cloud)
    assert isinstance(result, list), result
    return result


def run(cli: ClientRunner, *args: str, cloud: str = "pocketstack") -> None:
    cli.openstack(*args, cloud=cloud, fmt=False)


def addresses(server: dict[str, Any]) -> dict[str, list[str]]:
    """``addresses`` as the CLI prints it with -f json: {network name: [address, ...]}."""
    value = server["addresses"]
    assert isinstance(value, dict), value
    return value


@pytest.fixture(scope="module")
def topology(cli: ClientRunner) -> Iterator[dict[str, Any]]:
    """What the user builds before booting, in the issue's order, and its deletes in reverse order
    afterwards (the calls are split off the test only to keep each phase short)."""
    net = show(cli, "network", "create", "app-net")
    subnet = show(
        cli,
        "subnet",
        "create",
        "--network",
        "app-net",
        "--subnet-range",
        "10.80.0.0/24",
        "--allocation-pool",
        "start=10.80.0.100,end=10.80.0.150",
        "--dns-nameserver",
        "10.80.0.2",
        "app-subnet",
    )
    assert subnet["allocation_pools"] == [{"start": "10.80.0.100", "end": "10.80.0.150"}]
    assert (subnet["gateway_ip"], subnet["dns_nameservers"]) == ("10.80.0.1", ["10.80.0.2"])
    port = show(
        cli,
        "port",
        "create",
        "--network",
        "app-net",
        "--fixed-ip",
        "subnet=app-subnet,ip-address=10.80.0.10",
        "app-port",
    )
    assert port["fixed_ips"] == [{"subnet_id": subnet["id"], "ip_address": "10.80.0.10"}]
    assert (port["device_id"], port["status"]) == ("", "DOWN")
    group = show(cli, "security", "group", "create", "app-sg")
    rule = show(cli, "security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", "22", "app-sg")
    assert rule["security_group_id"] == group["id"]
    assert (rule["protocol"], rule["port_range_min"], rule["port_range_max"]) == ("tcp", 22, 22)
    router = show(cli, "router", "create", "app-router")
    run(cli, "router", "set", "--external-gateway", "public", "app-router")
    run(cli, "router", "add", "subnet", "app-router", "app-subnet")
    fip = show(cli, "floating", "ip", "create", "public")
    assert fip["floating_ip_address"].startswith("172.24.4.") and fip["port_id"] is None
    state = {"net": net, "subnet": subnet, "port": port, "router": router, "fip": fip, "done": False}
    yield state

    if not state["done"]:  # the test failed half-way: take its server away first
        cli.run("openstack", "--os-cloud", "pocketstack", "server", "delete", "--wait", "app-vm", check=False)
    run(cli, "floating", "ip", "delete", fip["floating_ip_address"])
    run(cli, "router", "remove", "subnet", "app-router", "app-subnet")
    run(cli, "router", "delete", "app-router")
    run(cli, "port", "delete", "app-port")
    run(cli, "security", "group", "delete", "app-sg")
    run(cli, "subnet", "delete", "app-subnet")
    run(cli, "network", "delete", "app-net")
    assert [n["Name"] for n in rows(cli, "network", "list")] == ["public"]
    assert rows(cli, "port", "list") == []


def test_server_on_a_network_with_floating_ip_and_port(cli: ClientRunner, topology: dict[str, Any]) -> None:
    address, port = topology["fip"]["floating_ip_address"], topology["port"]
    server = show(
        cli,
        "server",
        "create",
        "--image",
        IMAGE,
        "--flavor",
        "m1.tiny",
        "--network",
        "app-net",
        "--security-group",
        "app-sg",
        "--wait",
        "app-vm",
    )
    assert server["status"] == "ACTIVE"
    (fixed,) = addresses(server)["app-net"]
    assert fixed.startswith("10.80.0.") and 100 <= int(fixed.rsplit(".", 1)[1]) <= 150, fixed
    assert server["security_groups"] in ([{"name": "app-sg"}], "name='app-sg'"), server["security_groups"]

    run(cli, "server", "add", "floating", "ip", "app-vm", address)
    shown = show(cli, "server", "show", "app-vm")
    assert sorted(addresses(shown)["app-net"]) == sorted([fixed, address]), shown["addresses"]
    bound = show(cli, "floating", "ip", "show", address)
    assert (bound["fixed_ip_address"], bound["status"]) == (fixed, "ACTIVE")
    assert bound["router_id"] == topology["router"]["id"]
    made_by_server = bound["port_id"]

    run(cli, "server", "add", "port", "app-vm", "app-port")
    on_server = rows(cli, "port", "list", "--server", "app-vm", "--long")
    assert {p["ID"] for p in on_server} == {made_by_server, port["id"]}, on_server
    assert {(p["Device Owner"], p["Status"]) for p in on_server} == {("compute:nova", "ACTIVE")}, on_server
    shown = show(cli, "server", "show", "app-vm")
    assert sorted(addresses(shown)["app-net"]) == sorted([fixed, address, "10.80.0.10"]), shown["addresses"]

    run(cli, "server", "remove", "floating", "ip", "app-vm", address)
    shown = show(cli, "server", "show", "app-vm")
    assert sorted(addresses(shown)["app-net"]) == sorted([fixed, "10.80.0.10"]), shown["addresses"]

    other_project = show(cli, "project", "show", "admin", cloud=ADMIN)["id"]
    policy = show(
        cli,
        "network",
        "rbac",
        "create",
        "--type",
        "network",
        "--action",
        "access_as_shared",
        "--target-project",
        other_project,
        "app-net",
    )
    assert (policy["object_id"], policy["target_project_id"]) == (topology["net"]["id"], other_project)
    usage = {row["Resource"]: row["In Use"] for row in rows(cli, "quota", "show", "--usage")}
    expected = {
        "networks": 1,
        "subnets": 1,
        "ports": 3,  # the server's own, the user's, and the router's interface
        "routers": 1,
        "floating_ips": 1,
        "security_groups": 2,  # default and app-sg
        "rbac_policies": 1,
        "instances": 1,
    }
    assert {name: usage.get(name) for name in expected} == expected, usage
    run(cli, "network", "rbac", "delete", policy["id"])

    run(cli, "server", "delete", "--wait", "app-vm")
    topology["done"] = True
    left = {p["ID"] for p in rows(cli, "port", "list", "--network", "app-net")}
    assert made_by_server not in left, "the port the server made outlived it"
    assert port["id"] in left, "the user's port went with the server"
    kept = show(cli, "port", "show", "app-port")
    assert (kept["device_id"], kept["device_owner"], kept["status"]) == ("", "", "DOWN")
    assert kept["fixed_ips"] == port["fixed_ips"]


def member_cloud(cli: ClientRunner, tmp_path: Path, project: str) -> ClientRunner:
    """A member user of ``project`` made by the admin with the CLI, and a clouds.yaml for them."""
    run(
        cli,
        "user",
        "create",
        "--project",
        project,
        "--password",
        f"{project}-pw",
        f"{project}-user",
        cloud=ADMIN,
    )
    run(cli, "role", "add", "--project", project, "--user", f"{project}-user", "member", cloud=ADMIN)
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(
        "clouds:\n"
        f"  {project}:\n"
        "    auth:\n"
        f"      auth_url: {cli.server.url}/identity\n"
        f"      username: {project}-user\n"
        f"      password: {project}-pw\n"
        f"      project_name: {project}\n"
        "      user_domain_name: Default\n"
        "      project_domain_name: Default\n"
        "    region_name: RegionOne\n"
        "    identity_api_version: 3\n"
    )
    return ClientRunner(cli.venv, cli.server, clouds)


def test_nic_auto_gets_a_network_for_a_project_without_one(cli: ClientRunner, tmp_path: Path) -> None:
    project = show(cli, "project", "create", "fresh", cloud=ADMIN)
    fresh = member_cloud(cli, tmp_path, "fresh")
    assert [n["Name"] for n in rows(fresh, "network", "list", cloud="fresh")] == ["public"]

    server = show(
        fresh,
        "server",
        "create",
        "--image",
        IMAGE,
        "--flavor",
        "m1.tiny",
        "--nic",
        "auto",
        "--wait",
        "auto-vm",
        cloud="fresh",
    )
    assert server["status"] == "ACTIVE"
    ((network_name, ips),) = addresses(server).items()
    assert len(ips) == 1, server["addresses"]
    networks = {n["Name"]: n for n in rows(fresh, "network", "list", "--long", cloud="fresh")}
    assert network_name in networks and network_name != "public", networks
    assert networks[network_name]["Project"] == project["id"]
    (port,) = rows(fresh, "port", "list", "--server", "auto-vm", cloud="fresh")
    assert port["Fixed IP Addresses"][0]["ip_address"] == ips[0]
    (router,) = rows(fresh, "router", "list", "--long", cloud="fresh")
    assert networks["public"]["ID"] in str(router["External gateway info"]), router
    run(fresh, "server", "delete", "--wait", "auto-vm", cloud="fresh")
    assert rows(fresh, "port", "list", "--device-owner", "compute:nova", cloud="fresh") == []


def test_admin_sets_network_quotas_with_the_cli(cli: ClientRunner) -> None:
    """`openstack quota set` with network resources sends Neutron's ``check_limit: true`` (or
    ``force: true`` with --force) beside the limits, as OSC has done since Neutron's
    quota-check-limit extension; the limits are taken."""
    run(cli, "quota", "set", "--ports", "40", "--networks", "20", "admin", cloud=ADMIN)
    limits = {row["Resource"]: row["Limit"] for row in rows(cli, "quota", "show", "admin", cloud=ADMIN)}
    assert (limits["ports"], limits["networks"]) == (40, 20), limits


def test_server_create_over_the_port_quota_is_refused(cli: ClientRunner, tmp_path: Path) -> None:
    """Nova checks the port quota before it accepts a server, for ``auto`` as for a named
    network: 403 "Maximum number of ports exceeded", and no server is left behind."""
    run(cli, "project", "create", "tight", cloud=ADMIN)
    tight = member_cloud(cli, tmp_path, "tight")
    run(tight, "network", "create", "tight-net", cloud="tight")
    run(
        tight,
        "subnet",
        "create",
        "--network",
        "tight-net",
        "--subnet-range",
        "10.81.0.0/24",
        "tight-sub",
        cloud="tight",
    )
    # The admin caps the project's ports at none (openstacksdk sends only the limit).
    cli.python(
        "import openstack\n"
        "conn = openstack.connect(cloud='pocketstack-admin')\n"
        "project = conn.identity.find_project('tight')\n"
        "conn.network.update_quota(project.id, port=0)\n"
    )
    for nic in (["--network", "tight-net"], ["--nic", "auto"]):
        failed = tight.openstack_fails(
            "server", "create", "--image", IMAGE, "--flavor", "m1.tiny", *nic, "over", cloud="tight"
        )
        assert "403" in failed.stderr, (nic, failed.stderr)
        assert "Maximum number of ports exceeded" in failed.stderr, (nic, failed.stderr)
    assert rows(tight, "server", "list", cloud="tight") == []
