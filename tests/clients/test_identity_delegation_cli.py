"""Issue 9: credentials, EC2 credentials and trusts through the unchanged `openstack` CLI."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.clients.harness import ClientRunner

pytestmark = pytest.mark.clients

ADMIN = "pocketstack-admin"


def test_credential_create_list_delete(cli: ClientRunner) -> None:
    blob = json.dumps({"access": "cli-access", "secret": "cli-secret"})
    cred = cli.openstack(
        "credential", "create", "--type", "ec2", "--project", "demo", "demo", blob, cloud=ADMIN
    )
    assert cred["id"] == hashlib.sha256(b"cli-access").hexdigest()
    assert cred["type"] == "ec2"
    assert json.loads(cred["blob"])["secret"] == "cli-secret"
    # The demo user sees the credential made for them.
    assert [r["ID"] for r in cli.openstack("credential", "list")] == [cred["id"]]
    cli.openstack("credential", "delete", cred["id"], cloud=ADMIN, fmt=False)
    assert cli.openstack("credential", "list") == []


def test_ec2_credentials_create_and_list(cli: ClientRunner) -> None:
    made = cli.openstack("ec2", "credentials", "create")
    assert made["access"] and made["secret"]
    listed = cli.openstack("ec2", "credentials", "list")
    assert made["access"] in [r["Access"] for r in listed]
    cli.openstack("ec2", "credentials", "delete", made["access"], fmt=False)
    assert made["access"] not in [r["Access"] for r in cli.openstack("ec2", "credentials", "list")]


def test_trust_create_show_delete(cli: ClientRunner) -> None:
    trust = cli.openstack(
        "trust",
        "create",
        "--project",
        "admin",
        "--role",
        "admin",
        "--impersonate",
        "admin",
        "demo",
        cloud=ADMIN,
    )
    assert trust["is_impersonation"] is True
    assert trust["project_id"] and trust["trustee_user_id"] != trust["trustor_user_id"]
    shown = cli.openstack("trust", "show", trust["id"], cloud=ADMIN)
    assert shown["id"] == trust["id"] and "admin" in str(shown["roles"])
    cli.openstack("trust", "delete", trust["id"], cloud=ADMIN, fmt=False)
    assert cli.openstack_fails("trust", "show", trust["id"], cloud=ADMIN).returncode != 0
