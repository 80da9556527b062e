"""Issue 4's acceptance for servers with the unchanged `openstack` CLI, novaclient and
openstacksdk: a server's whole life, run as a user would run it."""

from __future__ import annotations

import pytest

from tests.clients.harness import DEMO_PASSWORD, ClientRunner

pytestmark = pytest.mark.clients
ADMIN = "pocketstack-admin"
IMAGE = "pocketstack-tiny"


def status(cli: ClientRunner, name: str) -> str:
    return cli.openstack("server", "show", name)["status"]


def act(cli: ClientRunner, *args: str) -> None:
    cli.openstack("server", *args, fmt=False)


def wait_status(cli: ClientRunner, name: str, wanted: str) -> None:
    import time

    deadline = time.monotonic() + 30
    while (current := status(cli, name)) != wanted:
        assert time.monotonic() < deadline, f"{name} stayed {current}, expected {wanted}"
        time.sleep(0.2)


def test_server_life_cycle(cli: ClientRunner) -> None:
    s1 = cli.openstack(
        "server", "create", "--image", IMAGE, "--flavor", "m1.small", "--nic", "none", "--wait", "s1"
    )
    assert s1["status"] == "ACTIVE" and s1["addresses"] in ({}, "", None)
    names = [row["Name"] for row in cli.openstack("server", "list")]
    assert "s1" in names
    shown = cli.openstack("server", "show", "s1")
    assert (
        shown["flavor"]["name"] == "m1.small"
        if isinstance(shown["flavor"], dict)
        else "m1.small" in shown["flavor"]
    )
    for verb, after in [
        ("reboot", "ACTIVE"),
        ("stop", "SHUTOFF"),
        ("start", "ACTIVE"),
        ("pause", "PAUSED"),
        ("unpause", "ACTIVE"),
        ("suspend", "SUSPENDED"),
        ("resume", "ACTIVE"),
    ]:
        act(cli, verb, "s1")
        wait_status(cli, "s1", after)
    act(cli, "resize", "--flavor", "m1.medium", "--wait", "s1")
    assert status(cli, "s1") == "VERIFY_RESIZE"
    act(cli, "resize", "confirm", "s1")
    wait_status(cli, "s1", "ACTIVE")
    assert "m1.medium" in str(cli.openstack("server", "show", "s1")["flavor"])
    act(cli, "resize", "--flavor", "m1.large", "--wait", "s1")
    act(cli, "resize", "revert", "s1")
    wait_status(cli, "s1", "ACTIVE")
    assert "m1.medium" in str(cli.openstack("server", "show", "s1")["flavor"])
    act(cli, "rebuild", "--image", IMAGE, "--wait", "s1")
    wait_status(cli, "s1", "ACTIVE")
    act(cli, "lock", "s1")
    assert cli.openstack("server", "show", "s1")["locked"] is True
    act(cli, "unlock", "s1")
    act(cli, "shelve", "s1")
    wait_status(cli, "s1", "SHELVED_OFFLOADED")
    act(cli, "unshelve", "s1")
    wait_status(cli, "s1", "ACTIVE")
    image = cli.openstack("server", "image", "create", "--name", "s1-snap", "--wait", "s1")
    assert cli.openstack("image", "show", image["id"])["status"] == "active"
    log = cli.openstack("console", "log", "show", "s1", fmt=False)
    assert "s1 login:" in log
    events = cli.openstack("server", "event", "list", "s1")
    actions = {row["Action"] for row in events}
    assert {"create", "reboot", "stop", "resize", "shelve", "createImage"} <= actions
    act(cli, "delete", "--wait", "s1")
    assert "s1" not in [row["Name"] for row in cli.openstack("server", "list")]


def test_create_with_network_key_property_and_group(cli: ClientRunner, tmp_path) -> None:  # noqa: ANN001
    cli.openstack("keypair", "create", "k1", fmt=False)
    group = cli.openstack("server", "group", "create", "--policy", "anti-affinity", "g1")
    for name in ("a1", "a2"):
        cli.openstack(
            "server",
            "create",
            "--image",
            IMAGE,
            "--flavor",
            "m1.tiny",
            "--nic",
            "auto",
            "--key-name",
            "k1",
            "--property",
            "role=web",
            "--hint",
            f"group={group['id']}",
            "--wait",
            name,
        )
    a1, a2 = cli.openstack("server", "show", "a1"), cli.openstack("server", "show", "a2")
    assert a1["key_name"] == "k1" and a1["properties"] in ({"role": "web"}, "role='web'")
    assert "auto_allocated_network" in str(a1["addresses"]) and a1["addresses"] != a2["addresses"]
    hosts = [cli.openstack("server", "show", a["id"], cloud=ADMIN)["OS-EXT-SRV-ATTR:host"] for a in (a1, a2)]
    assert hosts[0] != hosts[1]  # anti-affinity
    cli.openstack("server", "migrate", "--wait", a1["id"], cloud=ADMIN, fmt=False)
    assert cli.openstack("server", "show", a1["id"], cloud=ADMIN)["status"] == "VERIFY_RESIZE"
    cli.openstack("server", "migrate", "confirm", a1["id"], cloud=ADMIN, fmt=False)
    moved = cli.openstack("server", "show", a1["id"], cloud=ADMIN)
    assert moved["status"] == "ACTIVE" and moved["OS-EXT-SRV-ATTR:host"] not in hosts
    cli.openstack("server", "delete", "--wait", "a1", "a2", fmt=False)


def test_novaclient_boot_and_list(cli: ClientRunner) -> None:
    """python-novaclient reads no clouds.yaml: it is given the usual OS_* settings as options."""
    image = cli.openstack("image", "show", IMAGE)["id"]
    auth = [
        f"--os-auth-url={cli.server.url}/identity/v3",
        "--os-username=demo",
        f"--os-password={DEMO_PASSWORD}",
        "--os-project-name=demo",
        "--os-user-domain-name=Default",
        "--os-project-domain-name=Default",
    ]
    cli.run("nova", *auth, "boot", "--image", image, "--flavor", "m1.tiny", "--nic", "none", "--poll", "n1")
    rows = [line for line in cli.run("nova", *auth, "list").stdout.splitlines() if " n1 " in line]
    assert len(rows) == 1 and "ACTIVE" in rows[0]
    cli.run("nova", *auth, "delete", "n1")


def test_sdk_boots_fifty_servers(cli: ClientRunner) -> None:
    cli.openstack(
        "quota",
        "set",
        "--instances",
        "60",
        "--cores",
        "100",
        "--ram",
        "100000",
        "demo",
        cloud=ADMIN,
        fmt=False,
    )
    out = cli.python(
        "import openstack\n"
        "conn = openstack.connect(cloud='pocketstack')\n"
        f"image = conn.image.find_image('{IMAGE}')\n"
        "flavor = conn.compute.find_flavor('m1.tiny')\n"
        "servers = [conn.compute.create_server(name=f'b{i}', image_id=image.id, flavor_id=flavor.id,"
        " networks='none') for i in range(50)]\n"
        "done = [conn.compute.wait_for_server(s, wait=120) for s in servers]\n"
        "print(sorted({s.status for s in done}), len(done))\n"
        "for s in done: conn.compute.delete_server(s)\n"
        "for s in done: conn.compute.wait_for_delete(s, wait=120)\n"
    )
    assert out.strip() == "['ACTIVE'] 50"
