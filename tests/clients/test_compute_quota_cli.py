"""Quotas, limits and server groups with the unchanged `openstack` CLI, as a user of a cloud
without Neutron or Cinder would run it: those services are not in the catalog, so OSC asks
compute alone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.clients.harness import ClientRunner

pytestmark = pytest.mark.clients
ADMIN = "pocketstack-admin"


def as_dict(rows: Any, key: str = "Resource", value: str = "Limit") -> dict[str, Any]:
    """OSC prints quotas and limits as rows of name and value."""
    return {row[key]: row[value] for row in rows}


def test_quota_show_own_and_as_admin(cli: ClientRunner) -> None:
    mine = as_dict(cli.openstack("quota", "show"))
    assert (mine["instances"], mine["cores"], mine["ram"]) == (10, 20, 51200)
    assert (mine["key-pairs"], mine["server-groups"], mine["server-group-members"]) == (100, 10, 10)
    demo = as_dict(cli.openstack("quota", "show", "demo", cloud=ADMIN))
    assert demo == mine
    compute_only = as_dict(cli.openstack("quota", "show", "--compute", "demo", cloud=ADMIN))
    assert compute_only["instances"] == 10


def test_admin_sets_a_quota_and_the_project_sees_it(cli: ClientRunner) -> None:
    cli.openstack("quota", "set", "--instances", "5", "--cores", "8", "demo", cloud=ADMIN, fmt=False)
    try:
        demo = as_dict(cli.openstack("quota", "show", "demo", cloud=ADMIN))
        assert (demo["instances"], demo["cores"]) == (5, 8)
        mine = as_dict(cli.openstack("limits", "show", "--absolute"), "Name", "Value")
        assert (mine["max_total_instances"], mine["max_total_cores"]) == (5, 8)
        defaults = as_dict(cli.openstack("quota", "show", "--default", "demo", cloud=ADMIN))
        assert defaults["instances"] == 10
    finally:
        cli.openstack("quota", "delete", "--compute", "demo", cloud=ADMIN, fmt=False)
    assert as_dict(cli.openstack("quota", "show"))["instances"] == 10


def test_a_member_cannot_set_quotas(cli: ClientRunner) -> None:
    project_id = cli.openstack("token", "issue")["project_id"]
    failed = cli.openstack_fails("quota", "set", "--instances", "50", project_id)
    assert "403" in failed.stderr
    assert as_dict(cli.openstack("quota", "show"))["instances"] == 10


def test_limits_show_absolute(cli: ClientRunner) -> None:
    limits = as_dict(cli.openstack("limits", "show", "--absolute"), "Name", "Value")
    assert limits["max_total_instances"] == 10
    assert limits["max_total_ram_size"] == 51200
    assert limits["max_server_groups"] == 10
    assert limits["instances_used"] == 0


def test_server_group_create_list_show_delete(cli: ClientRunner) -> None:
    group = cli.openstack("server", "group", "create", "--policy", "anti-affinity", "g1")
    assert (group["name"], group["policy"], group["members"]) == ("g1", "anti-affinity", [])
    listed = cli.openstack("server", "group", "list")
    assert [(g["Name"], g["Policy"]) for g in listed] == [("g1", "anti-affinity")]
    shown = cli.openstack("server", "group", "show", "g1")
    assert shown["id"] == group["id"]
    used = as_dict(cli.openstack("limits", "show", "--absolute"), "Name", "Value")
    assert used["server_groups_used"] == 1
    assert cli.openstack("server", "group", "list", cloud=ADMIN) == []  # another project's
    assert cli.openstack("server", "group", "show", group["id"], cloud=ADMIN)["name"] == "g1"
    cli.openstack("server", "group", "delete", "g1", fmt=False)
    assert cli.openstack("server", "group", "list") == []
    failed = cli.openstack_fails("server", "group", "show", "g1")
    assert "g1" in failed.stderr


def test_server_group_quota_refuses_with_novas_message(cli: ClientRunner) -> None:
    cli.openstack("quota", "set", "--server-groups", "1", "demo", cloud=ADMIN, fmt=False)
    try:
        cli.openstack("server", "group", "create", "--policy", "affinity", "only")
        failed = cli.openstack_fails("server", "group", "create", "--policy", "affinity", "another")
        assert "Quota exceeded, too many server groups." in failed.stderr
    finally:
        cli.openstack("server", "group", "delete", "only", fmt=False)
        cli.openstack("quota", "delete", "--compute", "demo", cloud=ADMIN, fmt=False)
