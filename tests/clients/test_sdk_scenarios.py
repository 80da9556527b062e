"""pocketstack.sdk against a running pocketstack, as its users run it, sync and async: the
seed's two examples, "give me a server" with a floating IP, an image upload with progress, a
directory round trip, vNext tasks, and a quota failure that leaves nothing behind."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pocketstack.sdk.config import CloudConfig, load
from pocketstack.sdk.connection import AsyncConnection, Connection
from pocketstack.sdk.exceptions import OverLimit
from tests.clients.harness import Server

pytestmark = pytest.mark.clients

IMAGE = "pocketstack-tiny"
FLAVOR = "m1.tiny"


def config(server: Server, cloud: str = "pocketstack") -> CloudConfig:
    return load(cloud, config_files=[server.clouds_yaml], env={})


@pytest.fixture(scope="module")
def conn(server: Server) -> Iterator[Connection]:
    with Connection(config=config(server)) as c:
        yield c


@pytest.fixture(scope="module")
def admin(server: Server) -> Iterator[Connection]:
    with Connection(config=config(server, "pocketstack-admin")) as c:
        yield c


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def make_tree(root: Path) -> dict[str, bytes]:
    files = {
        "a.txt": b"alpha\n",
        "empty": b"",
        "sub/b.bin": bytes(range(256)) * 40,
        "sub/deeper/c.txt": b"gamma" * 1000,
        "big.bin": hashlib.sha512(b"seed").digest() * 40_000,
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return files


def floating_addresses(server: Any) -> list[str]:
    return [
        a["addr"]
        for net in (server.addresses or {}).values()
        for a in net
        if a.get("OS-EXT-IPS:type") == "floating"
    ]


def test_the_seed_examples(conn: Connection) -> None:
    cnt = conn.object_store.create_container("my_container")
    ob = conn.object_store.create_object(container=cnt, name="my_obj", data="Hello, world!")
    assert ob.name == "my_obj"
    assert conn.object_store.download_object("my_obj", "my_container") == b"Hello, world!"

    key = conn.compute.create_keypair(name="my_ssh_key")
    assert key.private_key and key.fingerprint
    image = conn.image.find_image(IMAGE)
    flavor = conn.compute.find_flavor(FLAVOR)
    assert image is not None and flavor is not None
    args = {
        "name": "my_server",
        "flavorRef": flavor.id,
        "imageRef": image.id,
        "key_name": "my_ssh_key",
        "networks": "none",
    }
    server = conn.compute.create_server(**args)
    server = conn.compute.wait_for_server(server)
    servers = list(conn.compute.servers())
    assert (server.id, "ACTIVE", "my_ssh_key") in [(s.id, s.status, s.key_name) for s in servers]
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server)


def test_give_me_a_server_with_a_floating_ip(conn: Connection) -> None:
    server = conn.create_server("web", IMAGE, FLAVOR, key=None)
    assert server.status == "ACTIVE"
    (address,) = floating_addresses(server)
    ips = {ip.floating_ip_address: ip for ip in conn.network.ips()}
    assert ips[address].port_id and ips[address].status in ("ACTIVE", "DOWN")
    again = conn.compute.get_server(server.id)
    assert floating_addresses(again) == [address]


def test_image_upload_with_progress(conn: Connection, tmp_path: Path) -> None:
    path = tmp_path / "disk.img"
    path.write_bytes(b"\x00\x01" * 3_000_000)
    seen: list[int] = []
    image = conn.upload_image(path, "uploaded", progress=seen.append)
    assert (image.status, image.size, image.disk_format) == ("active", path.stat().st_size, "raw")
    assert sum(seen) == path.stat().st_size and len(seen) > 1
    assert image.checksum == hashlib.md5(path.read_bytes()).hexdigest()


def test_directory_round_trip(conn: Connection, tmp_path: Path) -> None:
    files = make_tree(tmp_path / "up")
    made = conn.object_store.upload_directory("tree", tmp_path / "up", segment_size=1 << 20)
    assert len(made) == len(files)
    conn.object_store.download_directory("tree", tmp_path / "down")
    assert tree(tmp_path / "down") == files


def test_vnext_tasks(conn: Connection) -> None:
    vnext = conn.compute_vnext
    project = conn.current_project_id
    image = conn.image.find_image(IMAGE)
    server_type = vnext.find_server_type(FLAVOR)
    assert image is not None and server_type is not None
    server = vnext.create_server(project, hostname="vnext-one", template_id=image.id, type_id=server_type.id)
    server = vnext.wait_for_server(server)
    task = vnext.wait_for_task(vnext.create_task(server, "STOP"))
    assert task.state == "SUCCEEDED"
    again = vnext.get_server(server.id)
    assert (again.virt_state, again.power_state) == ("STOPPED", "SHUTDOWN")
    assert [t.action for t in vnext.tasks(server)] == ["STOP", "CREATE"]  # newest first


def test_a_quota_error_leaves_nothing_behind(conn: Connection, admin: Connection) -> None:
    project = conn.current_project_id
    assert project is not None
    admin.network.update_quota(project, floating_ips=0)
    before_ports = {p.id for p in conn.network.ports()}
    before_ips = {i.id for i in conn.network.ips()}
    try:
        with pytest.raises(OverLimit) as err:
            conn.create_server("no-room", IMAGE, FLAVOR, network="auto")
        assert err.value.status_code in (403, 409) and err.value.request_id
    finally:
        admin.network.update_quota(project, floating_ips=50)
    assert not [s for s in conn.compute.servers() if s.name == "no-room"]
    assert {p.id for p in conn.network.ports()} == before_ports
    assert {i.id for i in conn.network.ips()} == before_ips


def test_the_same_scenario_async(server: Server, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with AsyncConnection(config=config(server)) as aconn:
            cnt = await aconn.object_store.create_container("async_container")
            await aconn.object_store.create_object(container=cnt, name="o", data=b"async!")
            assert await aconn.object_store.download_object("o", "async_container") == b"async!"

            made = await aconn.create_servers(
                [
                    {"name": f"async-{i}", "image": IMAGE, "flavor": FLAVOR, "floating_ip": False}
                    for i in range(3)
                ],
                concurrency=3,
            )
            assert sorted(s.name for s in made) == ["async-0", "async-1", "async-2"]
            assert {s.status for s in made} == {"ACTIVE"}
            names = [s.name async for s in aconn.compute.servers()]
            assert {"async-0", "async-1", "async-2"} <= set(names)

            path = tmp_path / "a.img"
            path.write_bytes(b"a" * 2_500_000)
            seen: list[int] = []
            image = await aconn.upload_image(path, "async-image", progress=seen.append)
            assert image.status == "active" and sum(seen) == image.size

            files = make_tree(tmp_path / "up")
            await aconn.object_store.upload_directory("async-tree", tmp_path / "up", segment_size=1 << 20)
            await aconn.object_store.download_directory("async-tree", tmp_path / "down")
            assert tree(tmp_path / "down") == files

            me = await aconn.whoami()
            vnext = aconn.compute_vnext
            server_type = await vnext.find_server_type(FLAVOR)
            assert server_type is not None
            one = await vnext.create_server(
                me.project_id, hostname="async-vnext", template_id=image.id, type_id=server_type.id
            )
            one = await vnext.wait_for_server(one)
            task = await vnext.wait_for_task(await vnext.create_task(one, "STOP"))
            assert task.state == "SUCCEEDED"

    asyncio.run(scenario())
