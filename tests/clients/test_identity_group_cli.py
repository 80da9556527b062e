"""Issue 9's acceptance for groups: `openstack group create`, `group add user`,
`role add --group`, and `role assignment list --effective` through the unchanged CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clients.harness import ClientRunner, Server
from tests.clients.test_identity_cli import user_cloud

pytestmark = pytest.mark.clients
ADMIN = "pocketstack-admin"


def test_a_group_grant_reaches_its_member(cli: ClientRunner, server: Server, tmp_path: Path) -> None:
    cli.openstack("project", "create", "gp1", cloud=ADMIN)
    user = cli.openstack("user", "create", "--password", "gu1-secret", "gu1", cloud=ADMIN)
    group = cli.openstack("group", "create", "--description", "Operators", "ops", cloud=ADMIN)
    assert group["name"] == "ops" and group["description"] == "Operators"
    cli.openstack("group", "add", "user", "ops", "gu1", cloud=ADMIN, fmt=False)
    assert "gu1 in group ops" in cli.openstack(
        "group", "contains", "user", "ops", "gu1", cloud=ADMIN, fmt=False
    )
    cli.openstack("role", "add", "--group", "ops", "--project", "gp1", "member", cloud=ADMIN, fmt=False)

    direct = cli.openstack("role", "assignment", "list", "--group", "ops", "--names", cloud=ADMIN)
    assert [(r["Role"], r["Group"], r["Project"]) for r in direct] == [
        ("member", "ops@Default", "gp1@Default")
    ]
    effective = cli.openstack(
        "role", "assignment", "list", "--effective", "--user", "gu1", "--names", cloud=ADMIN
    )
    assert {(r["Role"], r["User"], r["Project"]) for r in effective} == {
        ("member", "gu1@Default", "gp1@Default"),
        ("reader", "gu1@Default", "gp1@Default"),
    }

    clouds = user_cloud(
        server,
        tmp_path,
        "gu1",
        {
            "username": "gu1",
            "password": "gu1-secret",
            "project_name": "gp1",
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        },
    )
    token = ClientRunner(cli.venv, server, clouds).openstack("token", "issue", cloud="gu1")
    assert token["user_id"] == user["id"]

    cli.openstack("group", "remove", "user", "ops", "gu1", cloud=ADMIN, fmt=False)
    after = cli.openstack("role", "assignment", "list", "--effective", "--user", "gu1", cloud=ADMIN)
    assert after == []
    cli.openstack("group", "delete", "ops", cloud=ADMIN, fmt=False)
    assert all(g["Name"] != "ops" for g in cli.openstack("group", "list", cloud=ADMIN))
