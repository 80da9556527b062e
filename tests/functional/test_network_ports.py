"""Network v2 ports: fixed IPs, MAC addresses, bindings, address pairs, DHCP options, who may do
what on shared networks."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

from tests.functional import network_support
from tests.functional.network_support import NET, create, error, hdr, network_with_subnet, ok

other_token = network_support.other_token  # a fixture


def post_port(client: TestClient, token: str, **attrs: Any) -> Any:
    return client.post(f"{NET}/ports", json={"port": attrs}, headers=hdr(token))


def put_port(client: TestClient, token: str, port_id: str, **attrs: Any) -> Any:
    return client.put(f"{NET}/ports/{port_id}", json={"port": attrs}, headers=hdr(token))


def test_port_crud_and_addresses(client: TestClient, demo_token: str) -> None:
    net, sub = network_with_subnet(client, demo_token, "10.3.0.0/24")
    port = create(
        client, demo_token, "port", network_id=net["id"], name="p", device_id="d", device_owner="compute:x"
    )
    assert re.fullmatch(r"fa:16:3e(:[0-9a-f]{2}){3}", port["mac_address"])
    assert port["fixed_ips"] == [{"subnet_id": sub["id"], "ip_address": "10.3.0.2"}]
    assert (
        port["status"],
        port["admin_state_up"],
        len(port["security_groups"]),  # the project's default group
        port["port_security_enabled"],
    ) == (
        "DOWN",
        True,
        1,
        True,
    )
    assert port["dns_assignment"][0]["hostname"] == "host-10-3-0-2"
    assert "binding:host_id" not in port and port["binding:vnic_type"] == "normal"
    fixed = [{"subnet_id": sub["id"], "ip_address": "10.3.0.100"}]
    second = create(client, demo_token, "port", network_id=net["id"], fixed_ips=fixed)
    assert second["fixed_ips"] == fixed
    body = error(
        post_port(client, demo_token, network_id=net["id"], fixed_ips=fixed), 409, "IpAddressAlreadyAllocated"
    )
    assert body["message"] == f"IP address 10.3.0.100 already allocated in subnet {sub['id']}"
    gateway = [{"ip_address": "10.3.0.1"}]
    error(
        post_port(client, demo_token, network_id=net["id"], fixed_ips=gateway),
        409,
        "IpAddressAlreadyAllocated",
    )
    outside = [{"subnet_id": sub["id"], "ip_address": "10.4.0.5"}]
    error(post_port(client, demo_token, network_id=net["id"], fixed_ips=outside), 400, "InvalidIpForSubnet")
    nowhere = [{"ip_address": "192.168.9.9"}]
    error(post_port(client, demo_token, network_id=net["id"], fixed_ips=nowhere), 400, "InvalidIpForNetwork")
    broadcast = [{"ip_address": "10.3.0.255"}]
    error(post_port(client, demo_token, network_id=net["id"], fixed_ips=broadcast), 400, "InvalidIpForSubnet")
    error(post_port(client, demo_token, network_id=net["id"], fixed_ips=[{"subnet_id": "nope"}]), 400)
    error(post_port(client, demo_token, network_id="missing"), 404, "NetworkNotFound")
    moved = ok(
        put_port(client, demo_token, second["id"], fixed_ips=[*fixed, {"subnet_id": sub["id"]}], name="two")
    )
    assert [ip["ip_address"] for ip in moved["port"]["fixed_ips"]] == ["10.3.0.100", "10.3.0.3"]
    kept = ok(put_port(client, demo_token, second["id"], fixed_ips=[{"subnet_id": sub["id"]}]))["port"]
    assert [ip["ip_address"] for ip in kept["fixed_ips"]] == ["10.3.0.100"]
    assert ok(put_port(client, demo_token, second["id"], fixed_ips=[]))["port"]["fixed_ips"] == []
    error(put_port(client, demo_token, second["id"], network_id=net["id"]), 400)
    error(client.delete(f"{NET}/subnets/{sub['id']}", headers=hdr(demo_token)), 409, "SubnetInUse")
    assert client.delete(f"{NET}/ports/{port['id']}", headers=hdr(demo_token)).status_code == 204
    error(client.get(f"{NET}/ports/{port['id']}", headers=hdr(demo_token)), 404, "PortNotFound")
    again = create(client, demo_token, "port", network_id=net["id"])
    assert again["fixed_ips"][0]["ip_address"] == "10.3.0.2"  # freed with its port


def test_a_full_subnet_is_a_clean_409(client: TestClient, demo_token: str) -> None:
    pools = [{"start": "10.4.0.10", "end": "10.4.0.11"}]
    net, _ = network_with_subnet(client, demo_token, "10.4.0.0/24", allocation_pools=pools)
    taken = {
        create(client, demo_token, "port", network_id=net["id"])["fixed_ips"][0]["ip_address"] for _ in "ab"
    }
    assert taken == {"10.4.0.10", "10.4.0.11"}
    body = error(post_port(client, demo_token, network_id=net["id"]), 409, "IpAddressGenerationFailure")
    assert body["message"] == f"No more IP addresses available on network {net['id']}."
    outside_pool = [{"ip_address": "10.4.0.200"}]  # an address asked for may lie outside the pools
    assert create(client, demo_token, "port", network_id=net["id"], fixed_ips=outside_pool)["fixed_ips"]


def test_mac_addresses(client: TestClient, demo_token: str) -> None:
    net, _ = network_with_subnet(client, demo_token)
    port = create(client, demo_token, "port", network_id=net["id"], mac_address="FA-16-3E-00-00-01")
    assert port["mac_address"] == "fa:16:3e:00:00:01"
    error(
        post_port(client, demo_token, network_id=net["id"], mac_address="fa:16:3e:00:00:01"),
        409,
        "MacAddressInUse",
    )
    error(
        post_port(client, demo_token, network_id=net["id"], mac_address="01:00:5e:00:00:01"), 400
    )  # multicast
    error(post_port(client, demo_token, network_id=net["id"], mac_address="not-a-mac"), 400)
    other = create(client, demo_token, "network", name="other")
    assert create(client, demo_token, "port", network_id=other["id"], mac_address="fa:16:3e:00:00:01")
    error(put_port(client, demo_token, port["id"], mac_address="fa:16:3e:00:00:02"), 403)  # admins only


def test_bindings_are_for_admins(client: TestClient, demo_token: str, admin_token: str) -> None:
    net, _ = network_with_subnet(client, demo_token)
    port = create(client, demo_token, "port", network_id=net["id"], **{"binding:vnic_type": "direct"})
    assert port["binding:vnic_type"] == "direct"
    error(
        put_port(client, demo_token, port["id"], **{"binding:host_id": "host1"}), 403, "PolicyNotAuthorized"
    )
    error(post_port(client, demo_token, network_id=net["id"], **{"binding:profile": {"a": 1}}), 403)
    bound = ok(put_port(client, admin_token, port["id"], **{"binding:host_id": "host1"}))["port"]
    assert (bound["status"], bound["binding:host_id"], bound["binding:vif_type"]) == (
        "ACTIVE",
        "host1",
        "ovs",
    )
    seen = ok(client.get(f"{NET}/ports/{port['id']}", headers=hdr(demo_token)))["port"]
    assert seen["status"] == "ACTIVE"
    assert not {"binding:host_id", "binding:vif_type", "binding:vif_details", "binding:profile"} & set(seen)
    down = ok(put_port(client, admin_token, port["id"], admin_state_up=False))["port"]
    assert down["status"] == "DOWN"
    error(post_port(client, demo_token, network_id=net["id"], **{"binding:vnic_type": "warp"}), 400)


def test_address_pairs_dhcp_options_and_security_groups(client: TestClient, demo_token: str) -> None:
    net, _ = network_with_subnet(client, demo_token)
    pairs = [{"ip_address": "10.0.0.200"}, {"ip_address": "10.1.0.0/24", "mac_address": "fa:16:3e:aa:bb:cc"}]
    opts = [{"opt_name": "bootfile-name", "opt_value": "pxelinux.0"}]
    port = create(
        client, demo_token, "port", network_id=net["id"], allowed_address_pairs=pairs, extra_dhcp_opts=opts
    )
    assert port["allowed_address_pairs"][0] == {
        "ip_address": "10.0.0.200",
        "mac_address": port["mac_address"],
    }
    assert port["extra_dhcp_opts"] == [
        {"opt_name": "bootfile-name", "opt_value": "pxelinux.0", "ip_version": 4}
    ]
    more = [
        {"opt_name": "bootfile-name", "opt_value": None},
        {"opt_name": "tftp-server", "opt_value": "10.0.0.9"},
    ]
    changed = ok(put_port(client, demo_token, port["id"], extra_dhcp_opts=more))["port"]
    assert [o["opt_name"] for o in changed["extra_dhcp_opts"]] == ["tftp-server"]
    error(
        put_port(client, demo_token, port["id"], port_security_enabled=False),
        409,
        "AddressPairAndPortSecurityRequired",
    )
    off = ok(
        put_port(
            client,
            demo_token,
            port["id"],
            port_security_enabled=False,
            allowed_address_pairs=[],
            security_groups=[],
        )
    )
    assert off["port"]["port_security_enabled"] is False
    twice = [{"ip_address": "10.0.0.7"}, {"ip_address": "10.0.0.7"}]
    error(post_port(client, demo_token, network_id=net["id"], allowed_address_pairs=twice), 400)
    unknown = "5e2b1b8e-2c4f-4b7e-9d61-3f5c0f0c0a11"
    body = error(post_port(client, demo_token, network_id=net["id"], security_groups=[unknown]), 404)
    assert (body["type"], body["message"]) == (
        "SecurityGroupNotFound",
        f"Security group {unknown} does not exist",
    )
    error(post_port(client, demo_token, network_id=net["id"], security_groups=["sg-1"]), 400)
    assert (
        create(client, demo_token, "port", network_id=net["id"], security_groups=[])["security_groups"] == []
    )


def test_ports_on_a_shared_network(
    client: TestClient, admin_token: str, demo_token: str, other_token: str
) -> None:
    shared, sub = network_with_subnet(client, admin_token, "10.6.0.0/24")
    ok(
        client.put(
            f"{NET}/networks/{shared['id']}", json={"network": {"shared": True}}, headers=hdr(admin_token)
        )
    )
    mine = create(client, other_token, "port", network_id=shared["id"], fixed_ips=[{"subnet_id": sub["id"]}])
    assert mine["project_id"] != shared["project_id"]
    asked = [{"subnet_id": sub["id"], "ip_address": "10.6.0.50"}]
    error(
        post_port(client, other_token, network_id=shared["id"], fixed_ips=asked), 403, "PolicyNotAuthorized"
    )
    error(post_port(client, other_token, network_id=shared["id"], device_owner="network:dhcp"), 403)
    error(client.get(f"{NET}/ports/{mine['id']}", headers=hdr(demo_token)), 404, "PortNotFound")
    seen_by_owner = ok(client.get(f"{NET}/ports?network_id={shared['id']}", headers=hdr(admin_token)))[
        "ports"
    ]
    assert [p["id"] for p in seen_by_owner] == [mine["id"]]
    private = create(client, admin_token, "network", name="private")
    error(post_port(client, other_token, network_id=private["id"]), 404, "NetworkNotFound")


def test_service_types_steer_automatic_addresses(client: TestClient, admin_token: str) -> None:
    net = create(client, admin_token, "network", name="typed")
    gateways = create(
        client,
        admin_token,
        "subnet",
        network_id=net["id"],
        ip_version=4,
        cidr="10.7.0.0/24",
        service_types=["network:router_gateway"],
    )
    plain = create(client, admin_token, "subnet", network_id=net["id"], ip_version=4, cidr="10.7.1.0/24")
    vm = create(client, admin_token, "port", network_id=net["id"], device_owner="compute:nova")
    router = create(client, admin_token, "port", network_id=net["id"], device_owner="network:router_gateway")
    assert vm["fixed_ips"][0]["subnet_id"] == plain["id"]
    assert router["fixed_ips"][0]["subnet_id"] == gateways["id"]
