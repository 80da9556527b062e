"""Flavors and keypairs with the unchanged `openstack` CLI (and novaclient for a server-made key)."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.clients.harness import DEMO_PASSWORD, ClientRunner, Server

pytestmark = pytest.mark.clients
ADMIN = "pocketstack-admin"


def md5_fingerprint(public_key: str) -> str:
    digest = hashlib.md5(base64.b64decode(public_key.split()[1])).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def flavor_names(cli: ClientRunner, *args: str, cloud: str = ADMIN) -> list[str]:
    rows = cli.openstack("flavor", "list", *args, cloud=cloud)
    assert isinstance(rows, list)
    return [row["Name"] for row in rows]


def test_default_flavors_are_listed(cli: ClientRunner) -> None:
    rows = {row["Name"]: row for row in cli.openstack("flavor", "list")}  # as demo
    assert {"m1.tiny", "m1.small", "m1.medium", "m1.large", "m1.xlarge"} <= set(rows)
    small = rows["m1.small"]
    assert (small["ID"], small["RAM"], small["Disk"], small["VCPUs"], small["Is Public"]) == (
        "2",
        2048,
        20,
        1,
        True,
    )


def test_flavor_create_show_set_unset_delete(cli: ClientRunner) -> None:
    made = cli.openstack(
        "flavor",
        "create",
        "--id",
        "cli-1",
        "--ram",
        "1024",
        "--disk",
        "10",
        "--vcpus",
        "2",
        "--swap",
        "256",
        "--ephemeral",
        "5",
        "--description",
        "made by the CLI",
        "cli.flavor",
        cloud=ADMIN,
    )
    assert made["id"] == "cli-1" and made["ram"] == 1024 and made["vcpus"] == 2 and made["disk"] == 10
    assert made["swap"] == 256 and made["OS-FLV-EXT-DATA:ephemeral"] == 5
    assert made["description"] == "made by the CLI"
    assert "cli.flavor" in flavor_names(cli)
    cli.openstack(
        "flavor",
        "set",
        "--property",
        "hw:cpu_policy=dedicated",
        "--property",
        "color=blue",
        "--description",
        "changed",
        "cli.flavor",
        cloud=ADMIN,
        fmt=False,
    )
    shown = cli.openstack("flavor", "show", "cli.flavor", cloud=ADMIN)
    assert shown["properties"] == {"hw:cpu_policy": "dedicated", "color": "blue"}
    assert shown["description"] == "changed" and shown["id"] == "cli-1"
    cli.openstack("flavor", "unset", "--property", "color", "cli.flavor", cloud=ADMIN, fmt=False)
    assert cli.openstack("flavor", "show", "cli-1", cloud=ADMIN)["properties"] == {
        "hw:cpu_policy": "dedicated"
    }
    # From 2.86 a value Nova knows to be wrong is refused.
    failed = cli.openstack_fails(
        "--os-compute-api-version",
        "2.86",
        "flavor",
        "set",
        "--property",
        "hw:cpu_policy=sometimes",
        "cli-1",
        cloud=ADMIN,
    )
    assert "sometimes" in failed.stderr
    cli.openstack("flavor", "delete", "cli.flavor", cloud=ADMIN, fmt=False)
    assert "cli.flavor" not in flavor_names(cli, "--all")
    cli.openstack_fails("flavor", "show", "cli-1", cloud=ADMIN)


def test_members_cannot_create_flavors(cli: ClientRunner) -> None:
    failed = cli.openstack_fails("flavor", "create", "--ram", "64", "--disk", "1", "--vcpus", "1", "nope")
    assert "403" in failed.stderr or "not authorized" in failed.stderr.lower()


def test_private_flavor_is_seen_only_by_projects_given_access(cli: ClientRunner) -> None:
    cli.openstack(
        "flavor",
        "create",
        "--ram",
        "128",
        "--disk",
        "1",
        "--vcpus",
        "1",
        "--private",
        "--project",
        "demo",
        "for.demo",
        cloud=ADMIN,
    )
    hidden = cli.openstack(
        "flavor", "create", "--ram", "128", "--disk", "1", "--vcpus", "1", "--private", "hidden", cloud=ADMIN
    )
    assert hidden["os-flavor-access:is_public"] is False
    assert {"for.demo", "hidden"} <= set(flavor_names(cli, "--private"))
    demo_sees = flavor_names(cli, cloud="pocketstack")
    assert "for.demo" in demo_sees and "hidden" not in demo_sees
    assert cli.openstack("flavor", "show", "for.demo")["name"] == "for.demo"
    cli.openstack_fails("flavor", "show", "hidden")
    cli.openstack_fails("flavor", "show", hidden["id"])
    shown = cli.openstack("flavor", "show", "for.demo", cloud=ADMIN)
    assert shown["access_project_ids"] and len(shown["access_project_ids"]) == 1


def test_keypair_create_list_show_delete(cli: ClientRunner, tmp_path: Path) -> None:
    private_key = tmp_path / "id_generated"
    made = cli.openstack("keypair", "create", "--private-key", str(private_key), "generated")
    assert made["name"] == "generated" and private_key.read_text().strip().startswith("-----BEGIN")
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    public = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    pub_file = tmp_path / "id_ed25519.pub"
    pub_file.write_text(public + " me@laptop\n")
    imported = cli.openstack("keypair", "create", "--public-key", str(pub_file), "imported")
    assert imported["fingerprint"] == md5_fingerprint(public)
    rows = {row["Name"]: row for row in cli.openstack("keypair", "list")}
    assert set(rows) == {"generated", "imported"}
    assert rows["imported"]["Fingerprint"] == md5_fingerprint(public)
    shown = cli.openstack("keypair", "show", "imported")
    assert shown["name"] == "imported" and shown["fingerprint"] == md5_fingerprint(public)
    assert (
        cli.openstack("keypair", "show", "--public-key", "imported", fmt=False).strip()
        == public + " me@laptop"
    )
    assert cli.openstack("keypair", "list", cloud=ADMIN) == []  # another user's keys are not listed
    cli.openstack_fails("keypair", "create", "--public-key", str(pub_file), "imported")
    cli.openstack("keypair", "delete", "generated", "imported", fmt=False)
    assert cli.openstack("keypair", "list") == []
    cli.openstack_fails("keypair", "show", "imported")


def test_novaclient_gets_a_server_generated_key_at_2_1(
    cli: ClientRunner, server: Server, tmp_path: Path
) -> None:
    auth = [*server.auth_args("demo", DEMO_PASSWORD), "--os-compute-api-version", "2.1"]
    private_key = cli.run("nova", *auth, "keypair-add", "novakey").stdout
    loaded = serialization.load_pem_private_key(private_key.encode(), password=None)
    shown = cli.openstack("keypair", "show", "--public-key", "novakey", fmt=False).strip()
    mine = loaded.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    assert shown == mine.decode() + " Generated-by-Nova"
    cli.run("nova", *auth, "keypair-delete", "novakey")
