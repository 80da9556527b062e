"""pocketstack.sdk's Network v2.0 proxy against the whole app in-process: the life cycle of a
network, subnet, router, port and floating IP; finding by name; paging; updates that send only
what changed; Neutron's errors as the SDK's exceptions; security group rules; tags; quotas."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from pocketstack.sdk.connection import Connection
from pocketstack.sdk.exceptions import BadRequest, Conflict, HttpError, MultipleMatches, NotFound, Timeout
from pocketstack.sdk.network.v2.l3 import FloatingIP, Router
from pocketstack.sdk.network.v2.resources import Network
from tests.functional import network_support, sdk_support

public_network = network_support.public_network  # a fixture


class Recorder:
    """Every request the in-process client sends: (method, path, query, JSON body)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str, Any]] = []

    def __call__(self, request: httpx.Request) -> None:
        body = json.loads(request.content) if request.content else None
        self.seen.append((request.method, request.url.path, request.url.query.decode(), body))

    def to(self, method: str, suffix: str) -> list[tuple[str, str, str, Any]]:
        return [r for r in self.seen if r[0] == method and r[1].endswith(suffix)]


@pytest.fixture
def recorder(client: TestClient) -> Iterator[Recorder]:
    spy = Recorder()
    client.event_hooks["request"].append(spy)
    yield spy
    client.event_hooks["request"].remove(spy)


def test_network_subnet_router_port_floating_ip_life_cycle(sdk: Connection, public_network: str) -> None:
    net = sdk.network.create_network(name="web-net", description="for the web tier")
    assert isinstance(net, Network) and net.id and net.status == "ACTIVE"
    assert net.is_admin_state_up is True and net.is_shared is False and net.is_router_external is False
    assert net.project_id and net.revision_number is not None and net.subnet_ids == []

    subnet = sdk.network.create_subnet(
        network_id=net.id, name="web-sub", ip_version=4, cidr="10.50.0.0/24", dns_nameservers=["9.9.9.9"]
    )
    assert subnet.cidr == "10.50.0.0/24" and subnet.gateway_ip == "10.50.0.1"
    assert subnet.is_dhcp_enabled is True and subnet.dns_nameservers == ["9.9.9.9"]
    assert subnet.allocation_pools == [{"start": "10.50.0.2", "end": "10.50.0.254"}]
    assert sdk.network.get_network(net.id).subnet_ids == [subnet.id]

    public = sdk.network.find_network("public", ignore_missing=False)
    assert public is not None and public.id == public_network and public.is_router_external is True
    router = sdk.network.create_router(name="web-router", external_gateway_info={"network_id": public.id})
    assert isinstance(router, Router) and router.external_gateway_info is not None
    assert router.external_gateway_info["network_id"] == public.id
    assert router.is_distributed is None and router.is_ha is None  # the policy hides them from members

    info = sdk.network.add_interface_to_router(router, subnet_id=subnet.id)
    assert info["subnet_id"] == subnet.id and info["id"] == router.id
    [interface] = sdk.network.ports(device_id=router.id, network_id=net.id)
    assert interface.id == info["port_id"] and interface.fixed_ips[0]["ip_address"] == "10.50.0.1"

    port = sdk.network.create_port(network_id=net.id, name="vm-port", device_id="vm-1")
    assert port.mac_address and port.fixed_ips and port.fixed_ips[0]["subnet_id"] == subnet.id
    assert port.security_group_ids and port.is_port_security_enabled is True
    fixed = port.fixed_ips[0]["ip_address"]

    fip = sdk.network.create_ip(floating_network_id=public.id)
    assert isinstance(fip, FloatingIP) and fip.floating_ip_address and fip.port_id is None
    assert sdk.network.find_available_ip() is not None
    bound = sdk.network.update_ip(fip, port_id=port.id)
    assert (bound.port_id, bound.fixed_ip_address, bound.router_id) == (port.id, fixed, router.id)
    again = sdk.network.find_ip(fip.floating_ip_address or "", ignore_missing=False)
    assert again is not None and again.id == fip.id and again.port_id == port.id
    assert sdk.network.find_available_ip() is None  # the only one is in use now
    loose = sdk.network.update_ip(fip.id, port_id=None)
    assert loose.port_id is None and sdk.network.get_ip(fip.id).fixed_ip_address is None

    sdk.network.delete_ip(fip)
    sdk.network.delete_port(port)
    sdk.network.remove_interface_from_router(router, subnet_id=subnet.id)
    assert list(sdk.network.ports(device_id=router.id, network_id=net.id)) == []
    sdk.network.delete_router(router)
    sdk.network.delete_subnet(subnet)
    sdk.network.delete_network(net)
    for gone in (lambda: sdk.network.get_network(net.id), lambda: sdk.network.get_ip(fip.id)):
        with pytest.raises(NotFound):
            gone()
    assert sdk.network.find_network("web-net") is None
    sdk.network.delete_network(net.id)  # already gone: fine with ignore_missing
    with pytest.raises(NotFound):
        sdk.network.delete_network(net.id, ignore_missing=False)


def test_router_gateway_and_extra_routes(sdk: Connection, public_network: str) -> None:
    net = sdk.network.create_network(name="routed")
    subnet = sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.60.0.0/24")
    router = sdk.network.create_router(name="r")
    assert router.external_gateway_info is None
    router = sdk.network.add_gateway_to_router(router, network_id=public_network)
    assert router.external_gateway_info and router.external_gateway_info["network_id"] == public_network
    sdk.network.add_interface_to_router(router.id, subnet_id=subnet.id)
    route = {"destination": "192.168.9.0/24", "nexthop": "10.60.0.9"}
    routed = sdk.network.add_extra_routes_to_router(router, {"router": {"routes": [route]}})
    assert routed.routes == [route] and sdk.network.get_router(router.id).routes == [route]
    assert sdk.network.remove_extra_routes_from_router(router, {"router": {"routes": [route]}}).routes == []
    cleared = sdk.network.remove_gateway_from_router(router.id)
    assert cleared.external_gateway_info is None
    assert sdk.network.get_router(router.id).external_gateway_info is None
    with pytest.raises(Conflict):  # an interface is still attached
        sdk.network.delete_router(router)


def test_find_by_name_and_ambiguity(sdk: Connection) -> None:
    one = sdk.network.create_network(name="unique-net")
    assert sdk.network.find_network("unique-net").id == one.id
    assert sdk.network.find_network(one.id).name == "unique-net"
    twins = [sdk.network.create_network(name="twin") for _ in range(2)]
    with pytest.raises(MultipleMatches) as caught:
        sdk.network.find_network("twin")
    assert all(t.id in str(caught.value) for t in twins)
    assert sdk.network.find_network("nothing-called-this") is None
    with pytest.raises(NotFound):
        sdk.network.find_network("nothing-called-this", ignore_missing=False)


def test_listing_pages_with_small_limits(sdk: Connection, recorder: Recorder) -> None:
    made = {sdk.network.create_network(name=f"paged-{i}", tags=["paged"]).id for i in range(5)}
    recorder.seen.clear()
    listed = list(sdk.network.networks(limit=2, tags=["paged"]))
    assert {n.id for n in listed} == made and len(listed) == 5
    pages = recorder.to("GET", "/networks")
    assert len(pages) == 3  # 2 + 2 + 1: the short third page has no next link
    assert all("limit=2" in query for _, _, query, _ in pages)
    assert "marker" not in pages[0][2] and all("marker=" in query for _, _, query, _ in pages[1:])

    recorder.seen.clear()
    iterator = sdk.network.networks(limit=2, tags=["paged"])
    next(iterator)
    assert len(recorder.to("GET", "/networks")) == 1  # lazy: one page read so far


def test_filters_by_python_or_wire_names(sdk: Connection, public_network: str) -> None:
    mine = sdk.network.create_network(name="filtered", is_shared=False, tags=["blue", "big"])
    assert [n.id for n in sdk.network.networks(is_router_external=True)] == [public_network]
    assert [n.id for n in sdk.network.networks(**{"router:external": True})] == [public_network]
    assert [n.id for n in sdk.network.networks(any_tags=["red", "blue"])] == [mine.id]
    assert list(sdk.network.networks(tags=["blue", "red"])) == []
    assert [n.id for n in sdk.network.networks(name="filtered", is_admin_state_up=True)] == [mine.id]
    with pytest.raises(BadRequest):  # Neutron validates filters
        list(sdk.network.networks(no_such_attribute="x"))


def test_update_sends_only_what_changed(sdk: Connection, recorder: Recorder) -> None:
    net = sdk.network.create_network(name="before", description="kept", mtu=1400)
    revision = net.revision_number or 0
    recorder.seen.clear()
    after = sdk.network.update_network(net, name="after")
    [(_, _, _, body)] = recorder.to("PUT", f"/networks/{net.id}")
    assert body == {"network": {"name": "after"}}
    assert after is net  # the object given is updated in place, as openstacksdk does
    assert after.name == "after" and after.revision_number == revision + 1

    fresh = sdk.network.get_network(net.id)
    assert (fresh.name, fresh.description, fresh.mtu) == ("after", "kept", 1400)
    assert fresh.revision_number == after.revision_number

    recorder.seen.clear()
    same = sdk.network.update_network(fresh, name="after")  # nothing changed: nothing sent
    assert same.revision_number == fresh.revision_number and recorder.to("PUT", "/networks/" + net.id) == []

    fresh.is_admin_state_up = False  # a change on the object, by Python name
    sdk.network.update_network(fresh)
    [(_, _, _, body)] = recorder.to("PUT", f"/networks/{net.id}")
    assert body == {"network": {"admin_state_up": False}}
    assert sdk.network.get_network(net.id).is_admin_state_up is False


def test_if_revision_makes_updates_conditional(sdk: Connection) -> None:
    net = sdk.network.create_network(name="rev")
    stale = net.revision_number
    sdk.network.update_network(net.id, description="moved on")
    with pytest.raises(HttpError) as caught:
        sdk.network.update_network(net.id, if_revision=stale, name="lost update")
    assert caught.value.status_code == 412
    current = sdk.network.get_network(net.id)
    assert current.name == "rev"
    assert sdk.network.update_network(current.id, if_revision=current.revision_number, name="ok").name == "ok"


def test_conflict_and_not_found_carry_neutrons_message(sdk: Connection) -> None:
    net = sdk.network.create_network(name="busy")
    sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.70.0.0/24")
    port = sdk.network.create_port(network_id=net.id)
    with pytest.raises(Conflict) as caught:
        sdk.network.delete_network(net)
    error = caught.value
    assert error.status_code == 409 and "ports still in use" in error.message
    assert error.request_id and error.details["NeutronError"]["type"] == "NetworkInUse"
    assert sdk.network.get_port(port.id).network_id == net.id  # nothing was deleted

    missing = str(uuid.uuid4())
    with pytest.raises(NotFound) as lost:
        sdk.network.get_network(missing)
    assert lost.value.status_code == 404 and lost.value.request_id
    assert missing in lost.value.message and lost.value.details["NeutronError"]["type"] == "NetworkNotFound"

    with pytest.raises(BadRequest) as bad:
        sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.70.0.128/25")
    assert "overlap" in bad.value.message.lower()


def test_security_group_and_rule_life_cycle(sdk: Connection) -> None:
    group = sdk.network.create_security_group(name="web", description="http in")
    assert group.stateful is True and group.security_group_rules  # Neutron's two egress rules
    assert sdk.network.find_security_group("web").id == group.id
    rule = sdk.network.create_security_group_rule(
        security_group_id=group.id,
        direction="ingress",
        ethertype="IPv4",
        protocol="tcp",
        port_range_min=80,
        port_range_max=80,
        remote_ip_prefix="0.0.0.0/0",
    )
    assert (rule.direction, rule.ether_type, rule.protocol) == ("ingress", "IPv4", "tcp")
    assert (rule.port_range_min, rule.port_range_max, rule.security_group_id) == (80, 80, group.id)
    rules = sdk.network.get_security_group(group.id).security_group_rules or []
    assert rule.id in {r["id"] for r in rules} and len(rules) == 3
    listed = list(sdk.network.security_group_rules(security_group_id=group.id, direction="ingress"))
    assert [r.id for r in listed] == [rule.id]
    with pytest.raises(Conflict):  # the same rule again
        sdk.network.create_security_group_rule(
            security_group_id=group.id,
            direction="ingress",
            ether_type="IPv4",
            protocol="tcp",
            port_range_min=80,
            port_range_max=80,
            remote_ip_prefix="0.0.0.0/0",
        )
    sdk.network.delete_security_group_rule(rule)
    with pytest.raises(NotFound):
        sdk.network.get_security_group_rule(rule.id)
    assert len(sdk.network.get_security_group(group.id).security_group_rules or []) == 2
    renamed = sdk.network.update_security_group(group, description="closed")
    assert renamed.description == "closed" and renamed.name == "web"
    sdk.network.delete_security_group(group)
    assert sdk.network.find_security_group("web") is None


def test_bulk_ports_and_tags(sdk: Connection) -> None:
    net = sdk.network.create_network(name="bulk")
    sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.80.0.0/24")
    ports = sdk.network.create_ports([{"network_id": net.id, "name": f"p{i}"} for i in range(3)])
    assert [p.name for p in ports] == ["p0", "p1", "p2"] and all(p.id for p in ports)
    assert len(list(sdk.network.ports(network_id=net.id, device_owner=""))) == 3

    tagged = sdk.network.set_tags(net, ["a", "b"])
    assert sorted(tagged.tags or []) == ["a", "b"]
    sdk.network.add_tag(net, "c")
    sdk.network.remove_tag(net, "a")
    assert sorted(sdk.network.get_network(net.id).tags or []) == ["b", "c"]
    with pytest.raises(NotFound):
        sdk.network.remove_tag(net, "a")


def test_quotas_and_extensions(sdk: Connection, sdk_admin: Connection) -> None:
    project = sdk.network.create_network(name="counted").project_id
    assert project is not None
    mine = sdk.network.get_quota(project)
    assert mine.project_id == project and mine.networks == 100 and mine.routers == 10
    details = sdk.network.get_quota_details(project)
    assert details.networks is not None and details.networks["used"] == 1
    changed = sdk_admin.network.update_quota(project, networks=7, routers=3)
    assert (changed.networks, changed.routers, changed.ports) == (7, 3, 500)
    assert sdk.network.get_quota(project).networks == 7
    assert project in {q.project_id for q in sdk_admin.network.quotas()}
    assert sdk.network.get_quota_default(project).networks == 100
    sdk_admin.network.delete_quota(project)
    assert sdk.network.get_quota(project).networks == 100

    aliases = {e.alias for e in sdk.network.extensions()}
    assert {"router", "external-net", "security-group"} <= aliases
    ext = sdk.network.find_extension("external-net")
    assert ext is not None and ext.name == "Neutron external network"
    assert sdk.network.v2 is sdk.network


def test_waits(sdk: Connection) -> None:
    net = sdk.network.create_network(name="waited")
    assert sdk.network.wait_for_status(net, "ACTIVE", wait=1) is net
    port = sdk.network.create_port(network_id=net.id)
    assert port.status == "DOWN"  # nothing binds it here
    with pytest.raises(Timeout):
        sdk.network.wait_for_status(port, "ACTIVE", interval=0.01, wait=0.05)
    sdk.network.delete_port(port)
    assert sdk.network.wait_for_delete(port, interval=0.01, wait=1) is port


def test_async_smoke(client: TestClient) -> None:
    async def scenario() -> tuple[str | None, list[str | None]]:
        async with sdk_support.async_connect(client) as conn:
            net = await conn.network.v2.create_network(name="async-net")
            found = await conn.network.find_network("async-net")
            names = [n.name async for n in conn.network.networks(limit=1, name="async-net")]
            await conn.network.delete_network(net)
            return (found.id if found else None), names

    found_id, names = asyncio.run(scenario())
    assert found_id is not None and names == ["async-net"]
