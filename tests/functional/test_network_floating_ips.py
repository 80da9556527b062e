"""Network v2 floating IPs: addresses from the external network ``public``, association with a
port through a router, the rules Neutron keeps (one floating IP per fixed IP, a reachable
router), what deleting ports, interfaces and gateways does, quotas, pools and parallel creates
on a small pool."""

from __future__ import annotations

from collections import Counter
from typing import Any

from starlette.testclient import TestClient

from tests.functional import network_support
from tests.functional.network_support import NET, create, error, hdr, network_with_subnet, ok
from tests.functional.test_network_concurrency import race
from tests.functional.test_network_quotas import project_of

other_token = network_support.other_token  # a fixture
public_network = network_support.public_network  # a fixture


def topology(client: TestClient, token: str, public: str, cidr: str = "10.40.0.0/24") -> dict[str, Any]:
    """A network and subnet connected to ``public`` by a router, and a port on it."""
    net, sub = network_with_subnet(client, token, cidr)
    router = create(client, token, "router", name="r", external_gateway_info={"network_id": public})
    body = {"subnet_id": sub["id"]}
    ok(client.put(f"{NET}/routers/{router['id']}/add_router_interface", json=body, headers=hdr(token)))
    port = create(client, token, "port", network_id=net["id"], name="vm-port", device_id="vm-1")
    return {"net": net, "sub": sub, "router": router, "port": port}


def post_fip(client: TestClient, token: str, **attrs: Any) -> Any:
    return client.post(f"{NET}/floatingips", json={"floatingip": attrs}, headers=hdr(token))


def put_fip(client: TestClient, token: str, fip_id: str, **attrs: Any) -> Any:
    return client.put(f"{NET}/floatingips/{fip_id}", json={"floatingip": attrs}, headers=hdr(token))


def test_floating_ip_life_cycle(
    client: TestClient, demo_token: str, admin_token: str, public_network: str
) -> None:
    h = hdr(demo_token)
    t = topology(client, demo_token, public_network)
    fip = create(client, demo_token, "floatingip", floating_network_id=public_network, description="web")
    assert fip["floating_ip_address"].startswith("172.24.4.") and "name" not in fip
    assert (fip["status"], fip["port_id"], fip["router_id"], fip["fixed_ip_address"]) == (
        "DOWN",
        None,
        None,
        None,
    )
    assert (fip["port_details"], fip["port_forwardings"], fip["dns_name"], fip["qos_policy_id"]) == (
        None,
        [],
        "",
        None,
    )
    assert (fip["description"], fip["tags"], fip["revision_number"]) == ("web", [], 0)
    [held] = ok(client.get(f"{NET}/ports?device_id={fip['id']}", headers=hdr(admin_token)))["ports"]
    assert (held["device_owner"], held["project_id"], held["status"]) == ("network:floatingip", "", "N/A")
    assert held["fixed_ips"][0]["ip_address"] == fip["floating_ip_address"]
    assert ok(client.get(f"{NET}/ports?device_id={fip['id']}", headers=h))["ports"] == []
    error(client.delete(f"{NET}/ports/{held['id']}", headers=hdr(admin_token)), 409, "ServicePortInUse")

    port = t["port"]
    bound = ok(put_fip(client, demo_token, fip["id"], port_id=port["id"]))["floatingip"]
    assert (bound["status"], bound["port_id"], bound["router_id"]) == (
        "ACTIVE",
        port["id"],
        t["router"]["id"],
    )
    assert bound["fixed_ip_address"] == port["fixed_ips"][0]["ip_address"]
    assert bound["port_details"] == {
        "name": "vm-port",
        "network_id": t["net"]["id"],
        "mac_address": port["mac_address"],
        "admin_state_up": True,
        "status": "DOWN",
        "device_id": "vm-1",
        "device_owner": "",
    }
    for query in (
        f"port_id={port['id']}",
        f"router_id={t['router']['id']}",
        f"floating_ip_address={fip['floating_ip_address']}",
        "status=ACTIVE",
        f"floating_network_id={public_network}",
        f"fixed_ip_address={bound['fixed_ip_address']}",
    ):
        assert [f["id"] for f in ok(client.get(f"{NET}/floatingips?{query}", headers=h))["floatingips"]] == [
            fip["id"]
        ]
    assert ok(client.get(f"{NET}/floatingips?status=DOWN", headers=h))["floatingips"] == []
    error(client.get(f"{NET}/floatingips?name=x", headers=h), 400)

    # One floating IP per fixed IP; a second is refused, then takes the port once it is free.
    other = create(client, demo_token, "floatingip", floating_network_id=public_network)
    body = error(
        put_fip(client, demo_token, other["id"], port_id=port["id"]), 409, "FloatingIPPortAlreadyAssociated"
    )
    assert (
        f"as that fixed IP already has a floating IP on external network {public_network}" in body["message"]
    )
    described = ok(put_fip(client, demo_token, fip["id"], description="still bound"))["floatingip"]
    assert (described["port_id"], described["description"]) == (port["id"], "still bound")
    free = ok(put_fip(client, demo_token, fip["id"], port_id=None))["floatingip"]
    assert (free["status"], free["port_id"], free["router_id"], free["port_details"]) == (
        "DOWN",
        None,
        None,
        None,
    )
    assert (
        ok(put_fip(client, demo_token, other["id"], port_id=port["id"]))["floatingip"]["status"] == "ACTIVE"
    )

    # A fixed IP with a floating IP cannot be taken off its port; deleting the port frees it.
    body = error(client.put(f"{NET}/ports/{port['id']}", json={"port": {"fixed_ips": []}}, headers=h), 400)
    assert "has been associated to a floating ip" in body["message"]
    assert client.delete(f"{NET}/ports/{port['id']}", headers=h).status_code == 204
    after = ok(client.get(f"{NET}/floatingips/{other['id']}", headers=h))["floatingip"]
    assert (after["status"], after["port_id"], after["fixed_ip_address"]) == ("DOWN", None, None)

    # Created associated; deleting frees the address for the next one.
    port2 = create(client, demo_token, "port", network_id=t["net"]["id"])
    third = create(client, demo_token, "floatingip", floating_network_id=public_network, port_id=port2["id"])
    assert (third["status"], third["port_id"]) == ("ACTIVE", port2["id"])
    assert client.delete(f"{NET}/floatingips/{third['id']}", headers=h).status_code == 204
    error(client.get(f"{NET}/floatingips/{third['id']}", headers=h), 404, "FloatingIPNotFound")
    again = create(client, demo_token, "floatingip", floating_network_id=public_network)
    assert again["floating_ip_address"] == third["floating_ip_address"]


def test_association_needs_a_router_and_an_ipv4_address(
    client: TestClient, demo_token: str, admin_token: str, other_token: str, public_network: str
) -> None:
    h = hdr(demo_token)
    t = topology(client, demo_token, public_network, "10.41.0.0/24")
    fip = create(client, demo_token, "floatingip", floating_network_id=public_network)
    lonely, _ = network_with_subnet(client, demo_token, "10.42.0.0/24")
    unrouted = create(client, demo_token, "port", network_id=lonely["id"])
    body = error(
        put_fip(client, demo_token, fip["id"], port_id=unrouted["id"]),
        404,
        "ExternalGatewayForFloatingIPNotFound",
    )
    assert body["message"].startswith(f"External network {public_network} is not reachable from subnet ")
    error(put_fip(client, demo_token, fip["id"], fixed_ip_address="10.41.0.9"), 400, "BadRequest")
    error(
        put_fip(client, demo_token, fip["id"], port_id="00000000-0000-0000-0000-000000000000"),
        404,
        "PortNotFound",
    )
    two = create(
        client,
        demo_token,
        "port",
        network_id=t["net"]["id"],
        fixed_ips=[{"ip_address": "10.41.0.20"}, {"ip_address": "10.41.0.21"}],
    )
    body = error(put_fip(client, demo_token, fip["id"], port_id=two["id"]), 400)
    assert "has multiple fixed IPv4 addresses" in body["message"]
    error(put_fip(client, demo_token, fip["id"], port_id=two["id"], fixed_ip_address="10.41.0.99"), 400)
    chosen = ok(put_fip(client, demo_token, fip["id"], port_id=two["id"], fixed_ip_address="10.41.0.21"))
    assert chosen["floatingip"]["fixed_ip_address"] == "10.41.0.21"
    second = create(client, demo_token, "floatingip", floating_network_id=public_network)
    ok(put_fip(client, demo_token, second["id"], port_id=two["id"], fixed_ip_address="10.41.0.20"))

    # What the association holds on to: the interface, the gateway.
    router = t["router"]
    body = {"subnet_id": t["sub"]["id"]}
    error(
        client.put(f"{NET}/routers/{router['id']}/remove_router_interface", json=body, headers=h),
        409,
        "RouterInterfaceInUseByFloatingIP",
    )
    gateway = {"router": {"external_gateway_info": {}}}
    error(
        client.put(f"{NET}/routers/{router['id']}", json=gateway, headers=h),
        409,
        "RouterExternalGatewayInUseByFloatingIp",
    )

    # Other projects see none of it; an admin sees all.
    error(client.get(f"{NET}/floatingips/{fip['id']}", headers=hdr(other_token)), 404, "FloatingIPNotFound")
    error(put_fip(client, other_token, fip["id"], port_id=None), 404)
    assert ok(client.get(f"{NET}/floatingips", headers=hdr(other_token)))["floatingips"] == []
    theirs = create(client, other_token, "floatingip", floating_network_id=public_network)
    error(put_fip(client, other_token, theirs["id"], port_id=two["id"]), 404, "PortNotFound")
    listed = ok(client.get(f"{NET}/floatingips", headers=hdr(admin_token)))["floatingips"]
    assert {fip["id"], theirs["id"]} <= {f["id"] for f in listed}
    # A floating IP an admin put on the port is not the member's to take off by deleting it.
    mine = create(client, admin_token, "floatingip", floating_network_id=public_network)
    extra = create(client, demo_token, "port", network_id=t["net"]["id"])
    ok(put_fip(client, admin_token, mine["id"], port_id=extra["id"]))
    error(client.delete(f"{NET}/ports/{extra['id']}", headers=h), 409, "FipAssociated")
    assert client.delete(f"{NET}/ports/{extra['id']}", headers=hdr(admin_token)).status_code == 204


def test_create_checks_the_network_and_the_address(
    client: TestClient, demo_token: str, admin_token: str, public_network: str
) -> None:
    internal, _ = network_with_subnet(client, demo_token, "10.43.0.0/24")
    body = error(post_fip(client, demo_token, floating_network_id=internal["id"]), 400, "BadRequest")
    assert (
        body["message"]
        == f"Bad floatingip request: Network {internal['id']} is not a valid external network."
    )
    error(post_fip(client, demo_token, floating_network_id="00000000-0000-0000-0000-000000000000"), 404)
    error(post_fip(client, demo_token), 400)
    error(post_fip(client, demo_token, floating_network_id=public_network, router_id="x"), 400)
    v6_only = create(client, admin_token, "network", name="ext6", **{"router:external": True})
    create(client, admin_token, "subnet", network_id=v6_only["id"], ip_version=6, cidr="2001:db8:9::/64")
    body = error(post_fip(client, demo_token, floating_network_id=v6_only["id"]), 400)
    assert body["message"].endswith("does not contain any IPv4 subnet.")

    error(
        post_fip(client, demo_token, floating_network_id=public_network, floating_ip_address="172.24.4.77"),
        403,
    )
    exact = create(
        client,
        admin_token,
        "floatingip",
        floating_network_id=public_network,
        floating_ip_address="172.24.4.77",
    )
    assert exact["floating_ip_address"] == "172.24.4.77"
    error(
        post_fip(client, admin_token, floating_network_id=public_network, floating_ip_address="172.24.4.77"),
        409,
        "IpAddressAlreadyAllocated",
    )
    error(
        post_fip(client, admin_token, floating_network_id=public_network, floating_ip_address="10.9.9.9"),
        400,
        "InvalidIpForNetwork",
    )
    error(post_fip(client, admin_token, floating_network_id=public_network, floating_ip_address="nope"), 400)
    subnet_id = ok(client.get(f"{NET}/subnets?network_id={public_network}", headers=hdr(admin_token)))[
        "subnets"
    ][0]["id"]
    by_subnet = create(
        client, demo_token, "floatingip", floating_network_id=public_network, subnet_id=subnet_id
    )
    assert by_subnet["floating_ip_address"].startswith("172.24.4.") and "subnet_id" not in by_subnet


def test_quota_pools_tags_and_extensions(
    client: TestClient, demo_token: str, admin_token: str, public_network: str
) -> None:
    h = hdr(demo_token)
    project = project_of(client, demo_token)
    ok(client.put(f"{NET}/quotas/{project}", json={"quota": {"floatingip": 1}}, headers=hdr(admin_token)))
    fip = create(client, demo_token, "floatingip", floating_network_id=public_network, tags=["a"])
    body = error(post_fip(client, demo_token, floating_network_id=public_network), 409, "OverQuota")
    assert body["message"] == "Quota exceeded for resources: ['floatingip']."
    details = ok(client.get(f"{NET}/quotas/{project}/details", headers=h))["quota"]
    assert details["floatingip"] == {"limit": 1, "used": 1, "reserved": 0}
    assert details["port"]["used"] == 0  # the floating IP's port is nobody's
    assert ok(client.get(f"{NET}/floatingips?tags=a", headers=h))["floatingips"][0]["id"] == fip["id"]
    assert client.put(f"{NET}/floatingips/{fip['id']}/tags/b", headers=h).status_code == 201

    pools = ok(client.get(f"{NET}/floatingip_pools", headers=h))["floatingip_pools"]
    assert [(p["network_id"], p["cidr"], p["subnet_name"], p["project_id"]) for p in pools] == [
        (public_network, "172.24.4.0/24", "public-subnet", project)
    ]
    assert ok(client.get(f"{NET}/floatingip_pools?fields=cidr", headers=h)) == {
        "floatingip_pools": [{"cidr": "172.24.4.0/24"}]
    }
    error(client.get(f"{NET}/floatingip_pools?cidr=x", headers=h), 400)
    aliases = {e["alias"] for e in ok(client.get(f"{NET}/extensions", headers=h))["extensions"]}
    assert {
        "router",
        "ext-gw-mode",
        "extraroute",
        "extraroute-atomic",
        "fip-port-details",
        "floatingip-pools",
    } <= aliases


def test_thirty_parallel_creates_on_a_pool_of_twenty(
    client: TestClient, demo_token: str, admin_token: str
) -> None:
    external = create(client, admin_token, "network", name="small", **{"router:external": True})
    pools = [{"start": "10.77.0.10", "end": "10.77.0.29"}]
    create(
        client,
        admin_token,
        "subnet",
        network_id=external["id"],
        ip_version=4,
        cidr="10.77.0.0/24",
        allocation_pools=pools,
    )
    body = {"floatingip": {"floating_network_id": external["id"]}}
    answers = race(
        30, lambda i: client.post(f"{NET}/floatingips", json=body, headers=hdr(demo_token)), workers=30
    )
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {201: 20, 409: 10}, [a.text for a in answers if a.status_code not in (201, 409)][:3]
    assert {a.json()["NeutronError"]["type"] for a in answers if a.status_code == 409} == {
        "IpAddressGenerationFailure"
    }
    given = [a.json()["floatingip"]["floating_ip_address"] for a in answers if a.status_code == 201]
    assert sorted(given, key=lambda ip: int(ip.rsplit(".", 1)[1])) == [f"10.77.0.{i}" for i in range(10, 30)]
    listed = ok(
        client.get(f"{NET}/floatingips?floating_network_id={external['id']}", headers=hdr(demo_token))
    )
    assert len(listed["floatingips"]) == 20
