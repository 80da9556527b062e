"""Issue 9's acceptance for the catalog extras: the unchanged `openstack` CLI creates endpoint
groups (and filters a project's catalog with them), registered limits and limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clients.harness import ClientRunner

pytestmark = pytest.mark.clients
ADMIN = "pocketstack-admin"


def test_endpoint_group_create_and_add_project_filter_the_catalog(cli: ClientRunner, tmp_path: Path) -> None:
    service = cli.openstack("service", "create", "--name", "extra-svc", "extra", cloud=ADMIN)
    endpoint = cli.openstack(
        "endpoint",
        "create",
        "--region",
        "RegionOne",
        service["id"],
        "public",
        "http://extra.example/v1",
        cloud=ADMIN,
    )
    filters = tmp_path / "filters.json"
    filters.write_text(json.dumps({"service_id": service["id"], "interface": "public"}))
    group = cli.openstack(
        "endpoint", "group", "create", "--description", "extras", "extras", str(filters), cloud=ADMIN
    )
    assert group["name"] == "extras" and group["description"] == "extras"
    listed = cli.openstack("endpoint", "group", "list", cloud=ADMIN)
    assert any(row["ID"] == group["id"] for row in listed)

    cli.openstack("endpoint", "group", "add", "project", "extras", "demo", cloud=ADMIN, fmt=False)
    projects = cli.openstack("endpoint", "group", "list", "--endpointgroup", "extras", cloud=ADMIN)
    assert [row["Name"] for row in projects] == ["demo"]

    # The demo project's catalog now holds the group's endpoint only.
    catalog = cli.openstack("catalog", "list")
    assert [row["Type"] for row in catalog] == ["extra"]
    assert endpoint["url"] in json.dumps(catalog)

    cli.openstack("endpoint", "group", "remove", "project", "extras", "demo", cloud=ADMIN, fmt=False)
    assert len(cli.openstack("catalog", "list")) > 1
    cli.openstack("endpoint", "group", "delete", "extras", cloud=ADMIN, fmt=False)


def test_registered_limit_and_limit_create_and_list(cli: ClientRunner) -> None:
    service = cli.openstack("service", "create", "--name", "limited-svc", "limited", cloud=ADMIN)
    registered = cli.openstack(
        "registered",
        "limit",
        "create",
        "--service",
        service["id"],
        "--default-limit",
        "10",
        "widgets",
        cloud=ADMIN,
    )
    assert registered["resource_name"] == "widgets" and registered["default_limit"] == 10
    limit = cli.openstack(
        "limit",
        "create",
        "--project",
        "demo",
        "--service",
        service["id"],
        "--resource-limit",
        "3",
        "widgets",
        cloud=ADMIN,
    )
    assert limit["resource_limit"] == 3 and limit["resource_name"] == "widgets"
    rows = cli.openstack("limit", "list", cloud=ADMIN)
    assert any(row["ID"] == limit["id"] and row["Resource Limit"] == 3 for row in rows)
    # A member of the project sees its own limit.
    mine = cli.openstack("limit", "list")
    assert [row["ID"] for row in mine] == [limit["id"]]
    # The same limit again is a conflict.
    cli.openstack_fails(
        "limit",
        "create",
        "--project",
        "demo",
        "--service",
        service["id"],
        "--resource-limit",
        "4",
        "widgets",
        cloud=ADMIN,
    )
    cli.openstack("limit", "delete", limit["id"], cloud=ADMIN, fmt=False)
    cli.openstack("registered", "limit", "delete", registered["id"], cloud=ADMIN, fmt=False)
