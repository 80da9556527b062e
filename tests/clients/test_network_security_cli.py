"""Security groups and network RBAC with the unchanged `openstack` CLI: a group, a rule for SSH,
rule lists, a port in the group, a network shared with another project by an RBAC policy and
used by it, policy lists, then deletes in reverse order."""

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


def test_security_group_rule_and_port(cli: ClientRunner) -> None:
    group = cli.openstack("security", "group", "create", "--description", "web servers", "sg-web")
    assert (group["name"], group["description"], group["stateful"]) == ("sg-web", "web servers", True)
    rule = cli.openstack(
        "security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", "22", "sg-web"
    )
    assert (rule["protocol"], rule["port_range_min"], rule["port_range_max"]) == ("tcp", 22, 22)
    assert (rule["direction"], rule["ether_type"], rule["remote_ip_prefix"]) == (
        "ingress",
        "IPv4",
        "0.0.0.0/0",
    )
    listed = rows(cli, "security", "group", "rule", "list", "sg-web")
    assert {(r["IP Protocol"], r["Port Range"]) for r in listed} >= {("tcp", "22:22")}
    assert len(listed) == 3  # the two egress rules every new group gets, and ours
    names = {r["Name"] for r in rows(cli, "security", "group", "list")}
    assert {"default", "sg-web"} <= names

    cli.openstack("network", "create", "sg-net")
    cli.openstack("subnet", "create", "--network", "sg-net", "--subnet-range", "10.90.0.0/24", "sg-subnet")
    port = cli.openstack("port", "create", "--network", "sg-net", "--security-group", "sg-web", "sg-port")
    assert port["security_group_ids"] == [group["id"]]
    plain = cli.openstack("port", "create", "--network", "sg-net", "sg-plain")
    default = cli.openstack("security", "group", "show", "default")
    assert plain["security_group_ids"] == [default["id"]]
    failed = cli.openstack_fails("security", "group", "delete", "sg-web")
    assert "in use" in failed.stderr

    for args in (
        ("port", "delete", "sg-plain"),
        ("port", "delete", "sg-port"),
        ("subnet", "delete", "sg-subnet"),
        ("network", "delete", "sg-net"),
        ("security", "group", "rule", "delete", rule["id"]),
        ("security", "group", "delete", "sg-web"),
    ):
        cli.openstack(*args, fmt=False)
    assert "sg-web" not in {r["Name"] for r in rows(cli, "security", "group", "list")}


def test_network_rbac_shares_a_network_with_a_project(cli: ClientRunner) -> None:
    cli.openstack("network", "create", "rbac-net", cloud=ADMIN)
    cli.openstack(
        "subnet",
        "create",
        "--network",
        "rbac-net",
        "--subnet-range",
        "10.91.0.0/24",
        "rbac-subnet",
        cloud=ADMIN,
    )
    assert "rbac-net" not in {r["Name"] for r in rows(cli, "network", "list")}
    policy = cli.openstack(
        "network",
        "rbac",
        "create",
        "--target-project",
        "demo",
        "--action",
        "access_as_shared",
        "--type",
        "network",
        "rbac-net",
        cloud=ADMIN,
    )
    assert (policy["action"], policy["object_type"]) == ("access_as_shared", "network")
    listed = rows(cli, "network", "rbac", "list", cloud=ADMIN)
    assert policy["id"] in {r["ID"] for r in listed}
    shown = cli.openstack("network", "rbac", "show", policy["id"], cloud=ADMIN)
    assert shown["target_project_id"] == policy["target_project_id"]
    assert "rbac-net" in {r["Name"] for r in rows(cli, "network", "list")}
    cli.openstack("port", "create", "--network", "rbac-net", "rbac-port")
    failed = cli.openstack_fails("network", "rbac", "delete", policy["id"], cloud=ADMIN)
    assert "cannot be removed" in failed.stderr or "409" in failed.stderr

    cli.openstack("port", "delete", "rbac-port", fmt=False)
    cli.openstack("network", "rbac", "delete", policy["id"], cloud=ADMIN, fmt=False)
    assert "rbac-net" not in {r["Name"] for r in rows(cli, "network", "list")}
    cli.openstack("subnet", "delete", "rbac-subnet", cloud=ADMIN, fmt=False)
    cli.openstack("network", "delete", "rbac-net", cloud=ADMIN, fmt=False)
    assert policy["id"] not in {r["ID"] for r in rows(cli, "network", "rbac", "list", cloud=ADMIN)}
