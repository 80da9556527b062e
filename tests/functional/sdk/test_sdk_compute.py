"""pocketstack.sdk's compute v2.1 proxy against the whole app in-process: servers and their
actions, lists and paging, find, flavors, keypairs, server groups, limits, microversions."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.image.seed import seed_first_image
from pocketstack.sdk.compute.v2_1.proxy import AsyncComputeProxy, ComputeProxy
from pocketstack.sdk.compute.v2_1.resources import Flavor, Keypair, Server
from pocketstack.sdk.connection import Connection
from pocketstack.sdk.exceptions import BadRequest, Conflict, MultipleMatches, NotFound
from pocketstack.sdk.proxy import plan_names
from tests.conftest import DEMO_PASSWORD
from tests.functional import sdk_support

INTERVAL, WAIT = 0.05, 30.0


class Sent:
    """Every request the client sends (method, URL, headers, body), in order."""

    def __init__(self, client: TestClient) -> None:
        self.requests: list[httpx.Request] = []
        client.event_hooks["request"].append(self.requests.append)

    def to(self, method: str, path_part: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and path_part in r.url.path]

    def clear(self) -> None:
        self.requests.clear()


@pytest.fixture
def sent(client: TestClient) -> Sent:
    return Sent(client)


@pytest.fixture
def image_id(cloud: Cloud, sdk: Connection) -> str:
    seed_first_image(cloud.db, cloud.image_data)
    image = sdk.image.find_image("pocketstack-tiny")
    assert image is not None and image.id
    return image.id


def boot(conn: Connection, image_id: str, name: str = "web", **attrs: Any) -> Server:
    server = conn.compute.create_server(name=name, image_id=image_id, flavor_id="1", networks="auto", **attrs)
    return conn.compute.wait_for_server(server, interval=INTERVAL, wait=WAIT)


def test_proxy_twins_and_version_property(sdk: Connection) -> None:
    assert plan_names(ComputeProxy) == plan_names(AsyncComputeProxy)
    assert sdk.compute.v2_1 is sdk.compute


def test_flavors_list_find_and_page(sdk: Connection, sent: Sent) -> None:
    flavors = {f.name: f for f in sdk.compute.flavors()}
    tiny = flavors["m1.tiny"]
    assert (tiny.id, tiny.ram, tiny.vcpus, tiny.disk, tiny.is_public) == ("1", 512, 1, 1, True)
    assert tiny.swap == 0 and tiny.ephemeral == 0
    brief = list(sdk.compute.flavors(details=False))
    assert {f.name for f in brief} == set(flavors) and all(f.ram is None for f in brief)
    found = sdk.compute.find_flavor("m1.small")
    assert found is not None and found.id == flavors["m1.small"].id
    assert sdk.compute.find_flavor("2").name == "m1.small"  # type: ignore[union-attr]
    assert sdk.compute.find_flavor("m9.huge") is None
    with pytest.raises(NotFound):
        sdk.compute.find_flavor("m9.huge", ignore_missing=False)
    sent.clear()
    paged = [f.id for f in sdk.compute.flavors(limit=2)]
    assert paged == [f.id for f in flavors.values()]
    pages = sent.to("GET", "/flavors/detail")
    assert len(pages) == 3 and all(r.url.params["limit"] == "2" for r in pages)


def test_server_create_wait_get_and_find(sdk: Connection, image_id: str) -> None:
    created = sdk.compute.create_server(
        name="web-1", image_id=image_id, flavor_id="1", networks="auto", metadata={"role": "web"}, tags=["a"]
    )
    assert created.id and created.admin_password and created.name == "web-1"
    server = sdk.compute.wait_for_server(created, interval=INTERVAL, wait=WAIT)
    assert server.status == "ACTIVE" and server.vm_state == "active" and server.power_state == 1
    assert server.flavor is not None and server.flavor["original_name"] == "m1.tiny"
    assert isinstance(server.image, dict) and server.image["id"] == image_id
    assert server.metadata == {"role": "web"} and server.tags == ["a"]
    assert server.addresses and server.availability_zone == "nova" and server.host_id
    assert server.project_id and server.user_id and server.is_locked is False
    assert server["OS-EXT-STS:vm_state"] == "active"  # wire names read too
    again = sdk.compute.get_server(server.id)  # type: ignore[arg-type]
    assert again.name == "web-1" and again.created_at == server.created_at
    found = sdk.compute.find_server("web-1")
    assert found is not None and found.id == server.id
    assert sdk.compute.find_server(server.id).name == "web-1"  # type: ignore[arg-type, union-attr]
    (port,) = list(sdk.compute.server_interfaces(server))
    assert port.port_id and port.net_id and port.server_id == server.id


def test_lists_page_and_find_by_name_is_ambiguous(sdk: Connection, image_id: str, sent: Sent) -> None:
    ids = {boot(sdk, image_id, "dup").id for _ in range(2)} | {boot(sdk, image_id, "solo").id}
    sent.clear()
    listed = list(sdk.compute.servers(limit=2))
    assert {s.id for s in listed} == ids and all(s.status == "ACTIVE" for s in listed)
    assert len(sent.to("GET", "/servers/detail")) == 2  # a full page, then the short last one
    brief = list(sdk.compute.servers(details=False, limit=1))
    assert {s.id for s in brief} == ids and all(s.status is None for s in brief)
    assert all(isinstance(s, Server) for s in brief)
    assert [s.name for s in sdk.compute.servers(name="solo")] == ["solo"]
    with pytest.raises(MultipleMatches):
        sdk.compute.find_server("dup")
    assert sdk.compute.find_server("nobody") is None
    with pytest.raises(NotFound):
        sdk.compute.find_server("nobody", ignore_missing=False)


def test_update_sends_only_what_changed(sdk: Connection, image_id: str, sent: Sent) -> None:
    server = boot(sdk, image_id, "before")
    sent.clear()
    updated = sdk.compute.update_server(server, name="after", description="d1")
    (put,) = sent.to("PUT", f"/servers/{server.id}")
    assert json.loads(put.content) == {"server": {"name": "after", "description": "d1"}}
    assert updated.name == "after" and updated.description == "d1" and updated.status == "ACTIVE"
    assert sdk.compute.get_server(server).name == "after"
    sent.clear()
    same = sdk.compute.update_server(updated, name="after")
    assert same is updated and not sent.to("PUT", "/servers/")  # nothing changed: nothing sent
    by_id = sdk.compute.update_server(server.id, access_ipv4="192.0.2.7")  # type: ignore[arg-type]
    assert json.loads(sent.to("PUT", "/servers/")[-1].content) == {"server": {"accessIPv4": "192.0.2.7"}}
    assert by_id.access_ipv4 == "192.0.2.7" == sdk.compute.get_server(server).access_ipv4


def test_power_actions_and_conflict(sdk: Connection, image_id: str) -> None:
    server = boot(sdk, image_id)
    with pytest.raises(Conflict) as caught:
        sdk.compute.start_server(server)  # already running
    err = caught.value
    assert err.status_code == 409 and err.request_id and err.method == "POST" and "'start'" in err.message
    sdk.compute.stop_server(server)
    stopped = sdk.compute.wait_for_server(server, status="SHUTOFF", interval=INTERVAL, wait=WAIT)
    assert stopped.power_state == 4 and stopped.vm_state == "stopped"
    sdk.compute.start_server(server)
    assert sdk.compute.wait_for_server(server, interval=INTERVAL, wait=WAIT).power_state == 1
    sdk.compute.reboot_server(server, "HARD")
    assert sdk.compute.wait_for_server(server, interval=INTERVAL, wait=WAIT).status == "ACTIVE"
    sdk.compute.lock_server(server, locked_reason="maintenance")
    locked = sdk.compute.get_server(server)
    assert locked.is_locked is True and locked.locked_reason == "maintenance"
    sdk.compute.unlock_server(server)
    actions = [a.action for a in sdk.compute.server_actions(server)]
    assert {"create", "stop", "start", "reboot", "lock"} <= set(actions)
    latest = next(iter(sdk.compute.server_actions(server)))
    detail = sdk.compute.get_server_action(latest.request_id, server)  # type: ignore[arg-type]
    assert detail.request_id == latest.request_id and detail.server_id == server.id


def test_other_actions_round_trip(sdk: Connection, image_id: str) -> None:
    server = boot(sdk, image_id, "actor")
    steps = [
        (sdk.compute.pause_server, "PAUSED"),
        (sdk.compute.unpause_server, "ACTIVE"),
        (sdk.compute.suspend_server, "SUSPENDED"),
        (sdk.compute.resume_server, "ACTIVE"),
        (sdk.compute.shelve_server, "SHELVED_OFFLOADED"),
        (sdk.compute.unshelve_server, "ACTIVE"),
    ]
    for action, status in steps:
        action(server)
        assert (
            sdk.compute.wait_for_server(server, status=status, interval=INTERVAL, wait=WAIT).status == status
        )
    assert sdk.compute.rescue_server(server, admin_pass="s3cret-Rescue") is not None
    sdk.compute.wait_for_server(server, status="RESCUE", interval=INTERVAL, wait=WAIT)
    sdk.compute.unrescue_server(server)
    sdk.compute.wait_for_server(server, interval=INTERVAL, wait=WAIT)
    rebuilt = sdk.compute.rebuild_server(server, image_id, name="reborn", metadata={"v": "2"})
    assert rebuilt.id == server.id and rebuilt.name == "reborn" and rebuilt.admin_password
    done = sdk.compute.wait_for_server(server, interval=INTERVAL, wait=WAIT)
    assert done.name == "reborn" and done.metadata == {"v": "2"}
    sdk.compute.remove_security_group_from_server(server, "default")
    assert sdk.compute.get_server(server).security_groups is None  # Nova leaves the key out
    sdk.compute.add_security_group_to_server(server, "default")
    groups = sdk.compute.fetch_server_security_groups(server).security_groups
    assert groups is not None and [g["name"] for g in groups] == ["default"]
    assert sdk.compute.get_server_password(server) == ""
    (port,) = list(sdk.compute.server_interfaces(server))
    sdk.compute.delete_server_interface(port)
    assert list(sdk.compute.server_interfaces(server)) == []
    attached = sdk.compute.create_server_interface(server, net_id=port.net_id)
    assert attached.port_id and attached.net_id == port.net_id and attached.server_id == server.id
    again = sdk.compute.get_server_interface(attached.port_id, server)
    assert again.fixed_ips and again.mac_addr


def test_resize_then_confirm(sdk: Connection, image_id: str) -> None:
    server = boot(sdk, image_id)
    small = sdk.compute.find_flavor("m1.small", ignore_missing=False)
    assert small is not None
    sdk.compute.resize_server(server, small)
    sdk.compute.wait_for_server(server, status="VERIFY_RESIZE", interval=INTERVAL, wait=WAIT)
    sdk.compute.confirm_server_resize(server)
    resized = sdk.compute.wait_for_server(server, interval=INTERVAL, wait=WAIT)
    assert resized.flavor is not None and resized.flavor["original_name"] == "m1.small"


def test_snapshot_gives_the_image(sdk: Connection, image_id: str) -> None:
    server = boot(sdk, image_id)
    image = sdk.compute.create_server_image(server, "snap-1", metadata={"why": "test"}, wait=True, timeout=30)
    assert image.id and image.name == "snap-1" and image.status == "active"
    assert sdk.image.get_image(image.id).name == "snap-1"


def test_metadata_tags_and_console(sdk: Connection, image_id: str) -> None:
    server = boot(sdk, image_id, metadata={"a": "1"})
    merged = sdk.compute.set_server_metadata(server, b="2")
    assert merged.metadata == {"a": "1", "b": "2"}
    sdk.compute.delete_server_metadata(server, ["a"])
    assert sdk.compute.fetch_server_metadata(server.id).metadata == {"b": "2"}  # type: ignore[arg-type]
    sdk.compute.delete_server_metadata(server)
    assert sdk.compute.get_server(server).metadata == {}
    sdk.compute.add_tag_to_server(server, "blue")
    sdk.compute.add_tag_to_server(server, "green")
    assert sorted(sdk.compute.fetch_server_tags(server)) == ["blue", "green"]
    sdk.compute.remove_tag_from_server(server, "blue")
    assert sdk.compute.get_server(server).tags == ["green"]
    assert [s.id for s in sdk.compute.servers(tags=["green"])] == [server.id]
    assert sorted(sdk.compute.set_server_tags(server, ["x", "y"])) == ["x", "y"]
    sdk.compute.remove_tags_from_server(server)
    assert sdk.compute.fetch_server_tags(server) == []
    assert "output" in sdk.compute.get_server_console_output(server, length=5)


def test_delete_and_wait_for_delete(sdk: Connection, image_id: str) -> None:
    server = boot(sdk, image_id)
    sdk.compute.delete_server(server)
    sdk.compute.wait_for_delete(server, interval=INTERVAL, wait=WAIT)
    with pytest.raises(NotFound) as caught:
        sdk.compute.get_server(server)
    assert caught.value.status_code == 404 and caught.value.request_id
    sdk.compute.delete_server(server)  # gone already: fine by default
    with pytest.raises(NotFound):
        sdk.compute.delete_server(server, ignore_missing=False)


def test_keypairs(sdk: Connection, sent: Sent) -> None:
    generated = sdk.compute.create_keypair(name="gen")
    assert generated.private_key and "PRIVATE KEY" in generated.private_key
    assert generated.public_key and generated.fingerprint and generated.id == "gen"
    # 2.92 stopped generating keys; the SDK asked at 2.91 for this one.
    assert sent.to("POST", "/os-keypairs")[-1].headers["OpenStack-API-Version"] == "compute 2.91"
    imported = sdk.compute.create_keypair(name="imp", public_key=generated.public_key)
    assert imported.private_key is None and imported.fingerprint == generated.fingerprint
    assert sent.to("POST", "/os-keypairs")[-1].headers["OpenStack-API-Version"] == "compute 2.100"
    listed = {k.name: k for k in sdk.compute.keypairs()}
    assert set(listed) == {"gen", "imp"} and all(isinstance(k, Keypair) for k in listed.values())
    assert listed["imp"].public_key == generated.public_key
    assert [k.name for k in sdk.compute.keypairs(limit=1)] == ["gen", "imp"]
    got = sdk.compute.get_keypair("imp")
    assert got.user_id and got.created_at and got.private_key is None
    assert sdk.compute.find_keypair("gen") is not None and sdk.compute.find_keypair("nope") is None
    sdk.compute.delete_keypair("gen")
    assert sdk.compute.find_keypair("gen") is None
    with pytest.raises(NotFound):
        sdk.compute.delete_keypair("gen", ignore_missing=False)


def test_server_groups_and_limits(sdk: Connection, image_id: str) -> None:
    group = sdk.compute.create_server_group(name="spread", policies=["anti-affinity"])
    assert group.id and group.policy == "anti-affinity" and group.member_ids == []
    server = boot(sdk, image_id, scheduler_hints={"group": group.id})
    assert sdk.compute.get_server_group(group.id).member_ids == [server.id]  # type: ignore[arg-type]
    assert sdk.compute.get_server(server).scheduler_hints == {"group": [group.id]}
    found = sdk.compute.find_server_group("spread")
    assert found is not None and found.id == group.id
    assert [g.id for g in sdk.compute.server_groups()] == [group.id]
    limits = sdk.compute.get_limits()
    assert limits.absolute is not None and limits.rate == []
    assert limits.absolute.instances_used == 1 and limits.absolute.total_ram_used == 512
    assert limits.absolute.instances and limits.absolute.server_groups_used == 1
    sdk.compute.delete_server(server)
    sdk.compute.wait_for_delete(server, interval=INTERVAL, wait=WAIT)
    sdk.compute.delete_server_group(group)
    assert sdk.compute.find_server_group("spread") is None


def test_admin_flavors_access_and_extra_specs(sdk_admin: Connection, sdk: Connection) -> None:
    flavor = sdk_admin.compute.create_flavor(
        name="private.1", ram=256, vcpus=1, disk=1, is_public=False, description="hidden"
    )
    assert isinstance(flavor, Flavor) and flavor.id and flavor.is_public is False
    assert flavor.description == "hidden" and flavor.ram == 256
    assert sdk.compute.find_flavor("private.1") is None  # demo may not see it yet
    state = sdk.session.authenticator.cached
    assert state is not None and state.project_id
    sdk_admin.compute.flavor_add_tenant_access(flavor, state.project_id)
    access = sdk_admin.compute.get_flavor_access(flavor)
    assert access == [{"flavor_id": flavor.id, "tenant_id": state.project_id}]
    assert sdk.compute.find_flavor("private.1") is not None  # now it may
    sdk_admin.compute.flavor_remove_tenant_access(flavor, state.project_id)
    assert sdk_admin.compute.get_flavor_access(flavor) == []
    updated = sdk_admin.compute.update_flavor(flavor, description="now shown")
    assert updated.description == "now shown" == sdk_admin.compute.get_flavor(flavor.id).description  # type: ignore[arg-type]
    specs = sdk_admin.compute.create_flavor_extra_specs(flavor, {"hw:cpu_policy": "dedicated"})
    assert specs.extra_specs == {"hw:cpu_policy": "dedicated"}
    assert sdk_admin.compute.get_flavor_extra_specs_property(flavor, "hw:cpu_policy") == "dedicated"
    assert sdk_admin.compute.update_flavor_extra_specs_property(flavor, "hw:cpu_policy", "shared") == "shared"
    assert sdk_admin.compute.fetch_flavor_extra_specs(flavor.id).extra_specs == {"hw:cpu_policy": "shared"}  # type: ignore[arg-type]
    sdk_admin.compute.delete_flavor_extra_specs_property(flavor, "hw:cpu_policy")
    assert sdk_admin.compute.get_flavor(flavor, get_extra_specs=True).extra_specs == {}
    sdk_admin.compute.delete_flavor(flavor)
    with pytest.raises(NotFound):
        sdk_admin.compute.get_flavor(flavor)


def test_admin_lists_every_project(sdk_admin: Connection, sdk: Connection, image_id: str) -> None:
    mine = boot(sdk, image_id, "demo-owned")
    assert [s.id for s in sdk_admin.compute.servers()] == []  # the admin project has none
    every = {s.id: s for s in sdk_admin.compute.servers(all_projects=True)}
    assert mine.id in every and every[mine.id].project_id == mine.project_id
    assert every[mine.id].compute_host and every[mine.id].hypervisor_hostname  # admin-only fields
    found = sdk_admin.compute.find_server("demo-owned", all_projects=True)
    assert found is not None and found.id == mine.id
    assert sdk_admin.compute.find_server("demo-owned") is None


def test_admin_hypervisors_and_zones(sdk_admin: Connection, sdk: Connection) -> None:
    hypervisors = list(sdk_admin.compute.hypervisors(details=True))
    assert hypervisors and all(h.name and h.state == "up" and h.hypervisor_type for h in hypervisors)
    first = hypervisors[0]
    assert sdk_admin.compute.get_hypervisor(first.id).name == first.name  # type: ignore[arg-type]
    assert sdk_admin.compute.find_hypervisor(first.name).id == first.id  # type: ignore[arg-type, union-attr]
    assert {z.name for z in sdk.compute.availability_zones()} == {"nova"}
    detailed = {z.name: z for z in sdk_admin.compute.availability_zones(details=True)}
    assert detailed["nova"].hosts and detailed["nova"].state == {"available": True}


def test_microversion_negotiated_and_pinned(
    client: TestClient, sdk: Connection, image_id: str, sent: Sent
) -> None:
    boot(sdk, image_id, "new", description="has one")
    get = sent.to("GET", "/servers/")[-1]
    assert get.headers["OpenStack-API-Version"] == "compute 2.100"
    assert get.headers["X-OpenStack-Nova-API-Version"] == "2.100"
    old = sdk_support.connect(client, "demo", DEMO_PASSWORD, "demo", compute_api_version="2.1")
    assert str(old.session.api_versions.get("compute")) == "2.1"
    server = old.compute.create_server(name="old", image_id=image_id, flavor_id="1")  # no networks below 2.37
    server = old.compute.wait_for_server(server, interval=INTERVAL, wait=WAIT)
    assert sent.to("GET", "/servers/")[-1].headers["OpenStack-API-Version"] == "compute 2.1"
    assert server.description is None and "description" not in server.to_wire()
    assert server.tags is None and server.is_locked is None  # 2.26 and 2.9 fields
    assert server.flavor == {"id": "1", "links": server.flavor["links"]}  # type: ignore[index]
    new = sdk.compute.find_server("new")
    assert new is not None and new.description == "has one" and new.is_locked is False
    with pytest.raises(BadRequest):  # description is 2.19+: the server refuses it at 2.1
        old.compute.update_server(server, description="x")
    group = old.compute.create_server_group(name="g", policy="affinity")
    assert group.policies == ["affinity"] and group.policy is None


def test_async_smoke(client: TestClient) -> None:
    async def scenario() -> tuple[list[str], str | None, str]:
        async with sdk_support.async_connect(client) as conn:
            names = [f.name async for f in conn.compute.v2_1.flavors(limit=2) if f.name]
            tiny = await conn.compute.find_flavor("m1.tiny")
            kp = await conn.compute.create_keypair(name="async-key")
            await conn.compute.delete_keypair(kp)
            return names, tiny.id if tiny else None, kp.name or ""

    names, tiny_id, key = asyncio.run(scenario())
    assert "m1.tiny" in names and tiny_id == "1" and key == "async-key"
