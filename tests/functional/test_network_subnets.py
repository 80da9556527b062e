"""Network v2 subnets (IPv4, IPv6 modes, pools, gateway, routes, name servers), subnet pools
and address scopes."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.functional import network_support
from tests.functional.network_support import (
    NET,
    create,
    error,
    hdr,
    network_with_subnet,
    ok,
)

other_token = network_support.other_token  # a fixture
public_network = network_support.public_network  # a fixture


@pytest.fixture
def net(client: TestClient, demo_token: str) -> dict[str, Any]:
    return create(client, demo_token, "network", name="net")


def subnet_error(
    client: TestClient, token: str, network_id: str, status: int, **attrs: Any
) -> dict[str, Any]:
    body = {"subnet": {"network_id": network_id, "ip_version": 4, **attrs}}
    return error(client.post(f"{NET}/subnets", json=body, headers=hdr(token)), status)


def test_ipv4_subnet_defaults_and_update(client: TestClient, demo_token: str, net: dict[str, Any]) -> None:
    h = hdr(demo_token)
    sub = create(
        client, demo_token, "subnet", network_id=net["id"], ip_version=4, cidr="10.2.0.0/24", name="s"
    )
    assert (sub["gateway_ip"], sub["allocation_pools"]) == (
        "10.2.0.1",
        [{"start": "10.2.0.2", "end": "10.2.0.254"}],
    )
    assert (sub["enable_dhcp"], sub["dns_nameservers"], sub["host_routes"], sub["service_types"]) == (
        True,
        [],
        [],
        [],
    )
    assert (sub["subnetpool_id"], sub["segment_id"], sub["ipv6_ra_mode"]) == (None, None, None)
    shown = ok(client.get(f"{NET}/networks/{net['id']}", headers=h))["network"]
    assert shown["subnets"] == [sub["id"]] and shown["revision_number"] == net["revision_number"] + 1
    change = {
        "gateway_ip": None,
        "allocation_pools": [
            {"start": "10.2.0.1", "end": "10.2.0.9"},
            {"start": "10.2.0.100", "end": "10.2.0.110"},
        ],
        "dns_nameservers": ["1.1.1.1", "8.8.8.8"],
        "host_routes": [{"destination": "192.168.0.0/16", "nexthop": "10.2.0.5"}],
        "enable_dhcp": False,
    }
    updated = ok(client.put(f"{NET}/subnets/{sub['id']}", json={"subnet": change}, headers=h))["subnet"]
    assert {k: updated[k] for k in change} == change
    error(client.put(f"{NET}/subnets/{sub['id']}", json={"subnet": {"cidr": "10.3.0.0/24"}}, headers=h), 400)
    error(
        client.put(f"{NET}/subnets/{sub['id']}", json={"subnet": {"gateway_ip": "10.2.0.5"}}, headers=h), 409
    )
    assert client.delete(f"{NET}/subnets/{sub['id']}", headers=h).status_code == 204
    assert ok(client.get(f"{NET}/networks/{net['id']}", headers=h))["network"]["subnets"] == []


def test_gateway_and_pool_validation(client: TestClient, demo_token: str, net: dict[str, Any]) -> None:
    n = net["id"]
    assert "10.0.0.1/24" in subnet_error(client, demo_token, n, 400, cidr="10.0.0.1/24")["message"]
    subnet_error(client, demo_token, n, 400, cidr="not-a-cidr")
    subnet_error(client, demo_token, n, 400, cidr="2001:db8::/64")  # IPv6 CIDR for ip_version 4
    subnet_error(client, demo_token, n, 400)  # no cidr and no pool
    subnet_error(client, demo_token, n, 400, cidr="10.0.0.0/24", gateway_ip="10.0.0.0")
    subnet_error(client, demo_token, n, 400, cidr="10.0.0.0/24", gateway_ip="10.0.0.255")
    pools = [{"start": "10.0.0.20", "end": "10.0.0.10"}]
    assert subnet_error(client, demo_token, n, 400, cidr="10.0.0.0/24", allocation_pools=pools)["type"] == (
        "InvalidAllocationPool"
    )
    pools = [{"start": "10.0.0.200", "end": "10.0.1.10"}]
    body = subnet_error(client, demo_token, n, 400, cidr="10.0.0.0/24", allocation_pools=pools)
    assert body["type"] == "OutOfBoundsAllocationPool"
    pools = [{"start": "10.0.0.2", "end": "10.0.0.50"}, {"start": "10.0.0.40", "end": "10.0.0.60"}]
    assert subnet_error(client, demo_token, n, 409, cidr="10.0.0.0/24", allocation_pools=pools)["type"] == (
        "OverlappingAllocationPools"
    )
    pools = [{"start": "10.0.0.1", "end": "10.0.0.50"}]
    assert subnet_error(client, demo_token, n, 409, cidr="10.0.0.0/24", allocation_pools=pools)["type"] == (
        "GatewayConflictWithAllocationPools"
    )
    subnet_error(client, demo_token, n, 400, cidr="10.0.0.0/24", dns_nameservers=["8.8.8.8", "8.8.8.8"])
    subnet_error(
        client, demo_token, n, 400, cidr="10.0.0.0/24", host_routes=[{"destination": "x", "nexthop": "y"}]
    )
    subnet_error(client, demo_token, n, 400, cidr="10.0.0.0/31")  # too small for DHCP
    create(
        client, demo_token, "subnet", network_id=n, ip_version=4, cidr="10.0.0.0/24", gateway_ip="10.0.0.254"
    )
    body = subnet_error(client, demo_token, n, 400, cidr="10.0.0.128/25")
    assert "overlaps with another subnet" in body["message"]


def test_ipv6_modes(client: TestClient, demo_token: str, net: dict[str, Any]) -> None:
    n = net["id"]
    slaac = create(
        client,
        demo_token,
        "subnet",
        network_id=n,
        ip_version=6,
        cidr="2001:db8:1::/64",
        ipv6_ra_mode="slaac",
        ipv6_address_mode="slaac",
    )
    assert slaac["gateway_ip"] == "2001:db8:1::1"
    assert slaac["allocation_pools"] == [
        {"start": "2001:db8:1::2", "end": "2001:db8:1:0:ffff:ffff:ffff:ffff"}
    ]
    v6 = {"ip_version": 6}
    body = {"subnet": {"network_id": n, **v6, "cidr": "2001:db8:2::/64", "ipv6_ra_mode": "slaac"}}
    stateless = {**body["subnet"], "ipv6_address_mode": "dhcpv6-stateful"}
    for bad in (
        stateless,  # the two modes differ
        {"network_id": n, **v6, "cidr": "2001:db8:3::/80", "ipv6_address_mode": "slaac"},  # EUI-64 needs /64
        {
            "network_id": n,
            **v6,
            "cidr": "2001:db8:4::/64",
            "ipv6_address_mode": "slaac",
            "enable_dhcp": False,
        },
        {"network_id": n, "ip_version": 4, "cidr": "10.7.0.0/24", "ipv6_ra_mode": "slaac"},
        {"network_id": n, **v6, "cidr": "2001:db8:5::/64", "ipv6_address_mode": "sometimes"},
    ):
        error(
            client.post(f"{NET}/subnets", json={"subnet": bad}, headers=hdr(demo_token)), 400, "InvalidInput"
        )
    port = create(client, demo_token, "port", network_id=n)
    mac = port["mac_address"].split(":")
    eui = str(
        ipaddress.ip_address(
            f"2001:db8:1::{int(mac[0], 16) ^ 2:02x}{mac[1]}:{mac[2]}ff:fe{mac[3]}:{mac[4]}{mac[5]}"
        )
    )
    assert port["fixed_ips"] == [{"subnet_id": slaac["id"], "ip_address": eui}]
    body = {
        "port": {"network_id": n, "fixed_ips": [{"subnet_id": slaac["id"], "ip_address": "2001:db8:1::9"}]}
    }
    error(client.post(f"{NET}/ports", json=body, headers=hdr(demo_token)), 400)


def test_member_cannot_add_subnets_to_a_network_it_does_not_own(
    client: TestClient, admin_token: str, other_token: str
) -> None:
    shared = create(client, admin_token, "network", name="shared", shared=True)
    body = {"subnet": {"network_id": shared["id"], "ip_version": 4, "cidr": "10.5.0.0/24"}}
    error(client.post(f"{NET}/subnets", json=body, headers=hdr(other_token)), 403, "PolicyNotAuthorized")
    sub = create(client, admin_token, "subnet", network_id=shared["id"], ip_version=4, cidr="10.5.0.0/24")
    assert ok(client.get(f"{NET}/subnets/{sub['id']}", headers=hdr(other_token)))["subnet"]["id"] == sub["id"]
    error(client.delete(f"{NET}/subnets/{sub['id']}", headers=hdr(other_token)), 403)
    service = {"subnet": {"network_id": shared["id"], "ip_version": 4, "cidr": "10.6.0.0/24"}}
    service["subnet"]["service_types"] = ["compute:nova"]
    error(client.post(f"{NET}/subnets", json=service, headers=hdr(other_token)), 403)


def test_subnet_pools_and_allocation(
    client: TestClient, demo_token: str, admin_token: str, net: dict[str, Any]
) -> None:
    h = hdr(demo_token)
    pool = create(client, demo_token, "subnetpool", name="pool", prefixes=["10.10.0.0/16", "10.11.0.0/16"])
    assert (pool["ip_version"], pool["min_prefixlen"], pool["max_prefixlen"], pool["default_prefixlen"]) == (
        4,
        8,
        32,
        8,
    )
    pool = ok(
        client.put(
            f"{NET}/subnetpools/{pool['id']}", json={"subnetpool": {"default_prefixlen": 26}}, headers=h
        )
    )
    pool = pool["subnetpool"]
    first = create(client, demo_token, "subnet", network_id=net["id"], ip_version=4, subnetpool_id=pool["id"])
    second = create(
        client,
        demo_token,
        "subnet",
        network_id=net["id"],
        ip_version=4,
        subnetpool_id=pool["id"],
        prefixlen=24,
    )
    assert (first["cidr"], second["cidr"], first["subnetpool_id"]) == (
        "10.10.0.0/26",
        "10.10.1.0/24",
        pool["id"],
    )
    given = create(
        client,
        demo_token,
        "subnet",
        network_id=net["id"],
        ip_version=4,
        subnetpool_id=pool["id"],
        cidr="10.11.5.0/24",
    )
    assert given["cidr"] == "10.11.5.0/24"
    body = {"subnet": {"network_id": net["id"], "ip_version": 4, "subnetpool_id": pool["id"], "prefixlen": 4}}
    error(client.post(f"{NET}/subnets", json=body, headers=h), 400)
    body["subnet"]["cidr"], body["subnet"]["prefixlen"] = "192.168.0.0/24", None
    error(client.post(f"{NET}/subnets", json=body, headers=h), 400)
    error(client.delete(f"{NET}/subnetpools/{pool['id']}", headers=h), 409, "SubnetPoolInUse")
    error(
        client.post(
            f"{NET}/subnetpools",
            json={"subnetpool": {"prefixes": ["10.0.0.0/8", "2001:db8::/32"]}},
            headers=h,
        ),
        400,
    )
    error(client.post(f"{NET}/subnetpools", json={"subnetpool": {"prefixes": []}}, headers=h), 400)
    error(
        client.post(
            f"{NET}/subnetpools", json={"subnetpool": {"prefixes": ["10.0.0.0/8"], "shared": True}}, headers=h
        ),
        403,
    )
    error(
        client.post(
            f"{NET}/subnetpools",
            json={"subnetpool": {"prefixes": ["10.0.0.0/8"], "min_prefixlen": 24, "max_prefixlen": 16}},
            headers=h,
        ),
        400,
    )


def test_default_subnet_pool(
    client: TestClient, demo_token: str, admin_token: str, net: dict[str, Any]
) -> None:
    body = {"subnet": {"network_id": net["id"], "ip_version": 4, "use_default_subnetpool": True}}
    error(client.post(f"{NET}/subnets", json=body, headers=hdr(demo_token)), 400)
    create(
        client,
        admin_token,
        "subnetpool",
        name="default",
        prefixes=["100.64.0.0/16"],
        default_prefixlen=28,
        shared=True,
        is_default=True,
    )
    body2 = {"subnetpool": {"prefixes": ["100.65.0.0/16"], "is_default": True}}
    error(client.post(f"{NET}/subnetpools", json=body2, headers=hdr(admin_token)), 400)
    made = ok(client.post(f"{NET}/subnets", json=body, headers=hdr(demo_token)), 201)["subnet"]
    assert made["cidr"] == "100.64.0.0/28"


def test_address_scopes(client: TestClient, demo_token: str, admin_token: str, other_token: str) -> None:
    h = hdr(demo_token)
    scope = create(client, demo_token, "address_scope", name="scope", ip_version=4)
    assert (scope["shared"], scope["ip_version"]) == (False, 4)
    error(
        client.get(f"{NET}/address-scopes/{scope['id']}", headers=hdr(other_token)),
        404,
        "AddressScopeNotFound",
    )
    error(
        client.post(
            f"{NET}/address-scopes", json={"address_scope": {"ip_version": 4, "shared": True}}, headers=h
        ),
        403,
    )
    error(client.post(f"{NET}/address-scopes", json={"address_scope": {"ip_version": 5}}, headers=h), 400)
    pool = create(client, demo_token, "subnetpool", prefixes=["10.20.0.0/16"], address_scope_id=scope["id"])
    assert pool["address_scope_id"] == scope["id"]
    overlapping = {"subnetpool": {"prefixes": ["10.20.128.0/17"], "address_scope_id": scope["id"]}}
    error(client.post(f"{NET}/subnetpools", json=overlapping, headers=h), 409, "AddressScopePrefixConflict")
    v6 = {"subnetpool": {"prefixes": ["2001:db8::/32"], "address_scope_id": scope["id"]}}
    error(client.post(f"{NET}/subnetpools", json=v6, headers=h), 400)
    net = create(client, demo_token, "network", name="scoped")
    create(
        client,
        demo_token,
        "subnet",
        network_id=net["id"],
        ip_version=4,
        subnetpool_id=pool["id"],
        prefixlen=24,
    )
    assert (
        ok(client.get(f"{NET}/networks/{net['id']}", headers=h))["network"]["ipv4_address_scope"]
        == scope["id"]
    )
    error(client.delete(f"{NET}/address-scopes/{scope['id']}", headers=h), 409, "AddressScopeInUse")
    renamed = ok(
        client.put(f"{NET}/address-scopes/{scope['id']}", json={"address_scope": {"name": "s2"}}, headers=h)
    )
    assert renamed["address_scope"]["name"] == "s2"
    shared = create(client, admin_token, "address_scope", name="shared", ip_version=6, shared=True)
    assert ok(client.get(f"{NET}/address-scopes/{shared['id']}", headers=hdr(other_token)))["address_scope"][
        "shared"
    ]


def test_a_subnet_without_network_id_is_a_400(client: TestClient, demo_token: str) -> None:
    """Found by the route fuzz: a create without network_id was a 500 (KeyError)."""
    body = {"subnet": {"ip_version": 4, "cidr": "10.0.0.0/24"}}
    error(client.post(f"{NET}/subnets", json=body, headers=hdr(demo_token)), 400)


def test_a_subnet_pool_moved_to_an_unknown_scope_is_a_404_and_unchanged(
    client: TestClient, demo_token: str
) -> None:
    """Found by the route fuzz: the pool was changed before the scope was looked up, whose
    query flushed it, so an unknown scope id was a 500 (FOREIGN KEY constraint failed)."""
    h = hdr(demo_token)
    pool = create(client, demo_token, "subnetpool", prefixes=["10.30.0.0/16"])
    path = f"{NET}/subnetpools/{pool['id']}"
    for scope_id in ("x", "00000000-0000-0000-0000-000000000000"):
        body = {"subnetpool": {"prefixes": ["10.30.0.0/15"], "address_scope_id": scope_id}}
        error(client.put(path, json=body, headers=h), 404, "AddressScopeNotFound")
        unknown = {"subnetpool": {"prefixes": ["10.40.0.0/16"], "address_scope_id": scope_id}}
        error(client.post(f"{NET}/subnetpools", json=unknown, headers=h), 404, "AddressScopeNotFound")
    shown = ok(client.get(path, headers=h))["subnetpool"]
    assert shown["address_scope_id"] is None and shown["prefixes"] == ["10.30.0.0/16"]


def test_an_automatic_ipv6_subnet_goes_with_its_ports_addresses(client: TestClient, demo_token: str) -> None:
    """As Neutron: deleting a SLAAC subnet takes the addresses ports made from it themselves."""
    net = create(client, demo_token, "network", name="v6")
    modes = {"ipv6_ra_mode": "slaac", "ipv6_address_mode": "slaac"}
    subnet = create(
        client, demo_token, "subnet", network_id=net["id"], ip_version=6, cidr="2001:db8::/64", **modes
    )
    port = create(client, demo_token, "port", network_id=net["id"])
    assert [ip["subnet_id"] for ip in port["fixed_ips"]] == [subnet["id"]]
    assert client.delete(f"{NET}/subnets/{subnet['id']}", headers=hdr(demo_token)).status_code == 204
    assert ok(client.get(f"{NET}/ports/{port['id']}", headers=hdr(demo_token)))["port"]["fixed_ips"] == []


def test_subnets_show_and_filter_their_networks_external_flag(
    client: TestClient, demo_token: str, public_network: str
) -> None:
    """Neutron's subnet-external-network: router:external of a subnet is its network's."""
    _, own = network_with_subnet(client, demo_token)
    assert own["router:external"] is False
    listed = ok(client.get(f"{NET}/subnets", params={"router:external": "true"}, headers=hdr(demo_token)))[
        "subnets"
    ]
    assert [s["network_id"] for s in listed] == [public_network] and listed[0]["router:external"] is True
