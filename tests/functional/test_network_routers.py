"""Network v2 routers: CRUD, the external gateway (on ``public``), interfaces by subnet and by
port, extra routes (also atomically), who may do what, and the ports and subnets routers use."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.functional import network_support
from tests.functional.network_support import NET, create, error, hdr, network_with_subnet, ok
from tests.functional.test_network_quotas import project_of

other_token = network_support.other_token  # a fixture
public_network = network_support.public_network  # a fixture


def put_router(client: TestClient, token: str, router_id: str, **attrs: Any) -> Any:
    return client.put(f"{NET}/routers/{router_id}", json={"router": attrs}, headers=hdr(token))


def action(client: TestClient, token: str, router_id: str, name: str, body: Any) -> Any:
    return client.put(f"{NET}/routers/{router_id}/{name}", json=body, headers=hdr(token))


def ports_of(client: TestClient, token: str, router_id: str) -> list[dict[str, Any]]:
    return ok(client.get(f"{NET}/ports?device_id={router_id}", headers=hdr(token)))["ports"]


def test_router_crud_and_gateway(
    client: TestClient, demo_token: str, admin_token: str, public_network: str
) -> None:
    router = create(client, demo_token, "router", name="r1", description="first", tags=["t"])
    assert (router["status"], router["admin_state_up"], router["external_gateway_info"]) == (
        "ACTIVE",
        True,
        None,
    )
    assert (router["routes"], router["tags"], router["revision_number"], router["flavor_id"]) == (
        [],
        ["t"],
        0,
        None,
    )
    assert router["availability_zone_hints"] == [] and router["availability_zones"] == []
    assert "distributed" not in router and "ha" not in router  # admin attributes
    as_admin = ok(client.get(f"{NET}/routers/{router['id']}", headers=hdr(admin_token)))["router"]
    assert (as_admin["distributed"], as_admin["ha"]) == (False, False)

    gateway = {"network_id": public_network}
    changed = ok(put_router(client, demo_token, router["id"], external_gateway_info=gateway, name="r2"))[
        "router"
    ]
    info = changed["external_gateway_info"]
    assert (changed["name"], info["network_id"], info["enable_snat"]) == ("r2", public_network, True)
    [fixed] = info["external_fixed_ips"]
    assert fixed["ip_address"].startswith("172.24.4.") and changed["revision_number"] == 1
    assert ports_of(client, demo_token, router["id"]) == []  # the gateway port is nobody's
    [gw_port] = ports_of(client, admin_token, router["id"])
    assert (gw_port["device_owner"], gw_port["project_id"], gw_port["status"]) == (
        "network:router_gateway",
        "",
        "ACTIVE",
    )
    assert gw_port["fixed_ips"] == [fixed]

    snat = {"network_id": public_network, "enable_snat": False}
    error(
        put_router(client, demo_token, router["id"], external_gateway_info=snat), 403, "PolicyNotAuthorized"
    )
    pinned = {"network_id": public_network, "external_fixed_ips": [{"ip_address": "172.24.4.200"}]}
    error(put_router(client, demo_token, router["id"], external_gateway_info=pinned), 403)
    admin_set = ok(put_router(client, admin_token, router["id"], external_gateway_info={**pinned, **snat}))
    info = admin_set["router"]["external_gateway_info"]
    assert info["enable_snat"] is False
    assert [ip["ip_address"] for ip in info["external_fixed_ips"]] == ["172.24.4.200"]
    on_gateway = {"network_id": public_network, "external_fixed_ips": [{"ip_address": "172.24.4.1"}]}
    body = error(
        put_router(client, admin_token, router["id"], external_gateway_info=on_gateway), 400, "BadRequest"
    )
    assert body["message"] == "Bad router request: External IP 172.24.4.1 is the same as the gateway IP."
    # Given again without enable_snat, SNAT is back on (Neutron's default).
    again = ok(put_router(client, demo_token, router["id"], external_gateway_info=gateway))["router"]
    assert again["external_gateway_info"]["enable_snat"] is True

    internal, _ = network_with_subnet(client, demo_token, "10.20.0.0/24")
    body = error(
        put_router(client, demo_token, router["id"], external_gateway_info={"network_id": internal["id"]}),
        400,
    )
    assert body["message"] == f"Bad router request: Network {internal['id']} is not an external network."
    missing = {"network_id": "00000000-0000-0000-0000-000000000000"}
    error(put_router(client, demo_token, router["id"], external_gateway_info=missing), 404, "NetworkNotFound")
    error(put_router(client, demo_token, router["id"], external_gateway_info={"enable_snat": True}), 400)
    error(put_router(client, demo_token, router["id"], status="DOWN"), 400)

    cleared = ok(put_router(client, demo_token, router["id"], external_gateway_info={}))["router"]
    assert cleared["external_gateway_info"] is None and ports_of(client, admin_token, router["id"]) == []
    assert client.delete(f"{NET}/routers/{router['id']}", headers=hdr(demo_token)).status_code == 204
    body = error(client.get(f"{NET}/routers/{router['id']}", headers=hdr(demo_token)), 404, "RouterNotFound")
    assert body["message"] == f"Router {router['id']} could not be found."


def test_router_created_with_gateway_and_deleted_with_it(
    client: TestClient, demo_token: str, admin_token: str, public_network: str
) -> None:
    router = create(
        client, demo_token, "router", name="gw", external_gateway_info={"network_id": public_network}
    )
    assert router["external_gateway_info"]["network_id"] == public_network
    [gw_port] = ports_of(client, admin_token, router["id"])
    error(client.delete(f"{NET}/ports/{gw_port['id']}", headers=hdr(admin_token)), 409, "ServicePortInUse")
    error(client.delete(f"{NET}/networks/{public_network}", headers=hdr(admin_token)), 409, "NetworkInUse")
    assert client.delete(f"{NET}/routers/{router['id']}", headers=hdr(demo_token)).status_code == 204
    error(client.get(f"{NET}/ports/{gw_port['id']}", headers=hdr(admin_token)), 404, "PortNotFound")


def test_interfaces_by_subnet_and_by_port(
    client: TestClient, demo_token: str, admin_token: str, public_network: str
) -> None:
    h = hdr(demo_token)
    router = create(
        client, demo_token, "router", name="r", external_gateway_info={"network_id": public_network}
    )
    net, sub = network_with_subnet(client, demo_token, "10.21.0.0/24")
    info = ok(action(client, demo_token, router["id"], "add_router_interface", {"subnet_id": sub["id"]}))
    assert (info["id"], info["subnet_id"], info["subnet_ids"], info["network_id"]) == (
        router["id"],
        sub["id"],
        [sub["id"]],
        net["id"],
    )
    assert info["project_id"] == info["tenant_id"] == router["project_id"]
    port = ok(client.get(f"{NET}/ports/{info['port_id']}", headers=h))["port"]
    assert (port["device_owner"], port["device_id"], port["status"]) == (
        "network:router_interface",
        router["id"],
        "ACTIVE",
    )
    assert port["fixed_ips"] == [{"subnet_id": sub["id"], "ip_address": "10.21.0.1"}]
    body = error(
        action(client, demo_token, router["id"], "add_router_interface", {"subnet_id": sub["id"]}), 400
    )
    assert body["message"] == f"Bad router request: Router already has a port on subnet {sub['id']}."
    second = create(client, demo_token, "router", name="second")
    error(
        action(client, demo_token, second["id"], "add_router_interface", {"subnet_id": sub["id"]}),
        409,
        "IpAddressAlreadyAllocated",
    )
    _, overlapping = network_with_subnet(client, demo_token, "10.21.0.0/16")
    body = error(
        action(client, demo_token, router["id"], "add_router_interface", {"subnet_id": overlapping["id"]}),
        400,
    )
    assert "overlaps with cidr 10.21.0.0/24" in body["message"]
    _, no_gateway = network_with_subnet(client, demo_token, "10.22.0.0/24", gateway_ip=None)
    body = error(
        action(client, demo_token, router["id"], "add_router_interface", {"subnet_id": no_gateway["id"]}), 400
    )
    assert body["message"] == "Bad router request: Subnet for router interface must have a gateway IP."
    error(action(client, demo_token, router["id"], "add_router_interface", {}), 400, "BadRequest")
    both = {"subnet_id": sub["id"], "port_id": port["id"]}
    error(action(client, demo_token, router["id"], "add_router_interface", both), 400)
    error(action(client, demo_token, router["id"], "add_router_interface", {"subnet_id": "nope"}), 400)
    unknown = {"subnet_id": "00000000-0000-0000-0000-000000000000"}
    error(action(client, demo_token, router["id"], "add_router_interface", unknown), 404, "SubnetNotFound")

    # A port of one's own joins by port; one with a device is in use.
    net3, sub3 = network_with_subnet(client, demo_token, "10.23.0.0/24")
    busy = create(client, demo_token, "port", network_id=net3["id"], device_id="vm-1")
    error(
        action(client, demo_token, router["id"], "add_router_interface", {"port_id": busy["id"]}),
        409,
        "PortInUse",
    )
    free = create(client, demo_token, "port", network_id=net3["id"])
    by_port = ok(action(client, demo_token, router["id"], "add_router_interface", {"port_id": free["id"]}))
    assert (by_port["port_id"], by_port["subnet_ids"]) == (free["id"], [sub3["id"]])
    joined = ok(client.get(f"{NET}/ports/{free['id']}", headers=h))["port"]
    assert (joined["device_owner"], joined["device_id"]) == ("network:router_interface", router["id"])

    # Router ports stay while they are the router's.
    error(client.delete(f"{NET}/ports/{port['id']}", headers=h), 409, "ServicePortInUse")
    error(client.delete(f"{NET}/subnets/{sub['id']}", headers=h), 409, "SubnetInUse")
    error(client.delete(f"{NET}/networks/{net['id']}", headers=h), 409, "NetworkInUse")
    body = error(client.delete(f"{NET}/routers/{router['id']}", headers=h), 409, "RouterInUse")
    assert body["message"].startswith(f"Router {router['id']} has ports still attached: ")
    assert len(ports_of(client, demo_token, router["id"])) == 2
    assert (
        ok(client.get(f"{NET}/quotas/{project_of(client, demo_token)}/details", headers=h))["quota"]["port"][
            "used"
        ]
        == 3
    )  # two interfaces and the busy port

    # Detach: by port (with a subnet that is not on it: 400), by subnet, unknown ones 404.
    mismatch = {"port_id": free["id"], "subnet_id": sub["id"]}
    error(
        action(client, demo_token, router["id"], "remove_router_interface", mismatch),
        400,
        "SubnetMismatchForPort",
    )
    gone = ok(action(client, demo_token, router["id"], "remove_router_interface", {"port_id": free["id"]}))
    assert gone["port_id"] == free["id"]
    error(client.get(f"{NET}/ports/{free['id']}", headers=h), 404)
    error(
        action(client, demo_token, router["id"], "remove_router_interface", {"port_id": free["id"]}),
        404,
        "RouterInterfaceNotFound",
    )
    removed = ok(
        action(client, demo_token, router["id"], "remove_router_interface", {"subnet_id": sub["id"]})
    )
    assert (removed["port_id"], removed["subnet_id"]) == (port["id"], sub["id"])
    body = error(
        action(client, demo_token, router["id"], "remove_router_interface", {"subnet_id": sub["id"]}),
        404,
        "RouterInterfaceNotFoundForSubnet",
    )
    assert body["message"] == f"Router {router['id']} has no interface on subnet {sub['id']}"
    assert ok(client.get(f"{NET}/routers/{router['id']}", headers=h))["router"]["revision_number"] >= 4
    assert client.delete(f"{NET}/subnets/{sub['id']}", headers=h).status_code == 204
    assert client.delete(f"{NET}/routers/{router['id']}", headers=h).status_code == 204


def test_ipv6_subnets_share_one_router_port(client: TestClient, demo_token: str) -> None:
    router = create(client, demo_token, "router", name="v6")
    net = create(client, demo_token, "network", name="v6net")
    subnets = [
        create(client, demo_token, "subnet", network_id=net["id"], ip_version=6, cidr=cidr)
        for cidr in ("2001:db8:1::/64", "2001:db8:2::/64")
    ]
    first, second = (
        ok(action(client, demo_token, router["id"], "add_router_interface", {"subnet_id": s["id"]}))
        for s in subnets
    )
    assert first["port_id"] == second["port_id"]
    port = ok(client.get(f"{NET}/ports/{first['port_id']}", headers=hdr(demo_token)))["port"]
    assert sorted(ip["ip_address"] for ip in port["fixed_ips"]) == ["2001:db8:1::1", "2001:db8:2::1"]
    left = ok(
        action(client, demo_token, router["id"], "remove_router_interface", {"subnet_id": subnets[0]["id"]})
    )
    assert left["port_id"] == port["id"]
    port = ok(client.get(f"{NET}/ports/{port['id']}", headers=hdr(demo_token)))["port"]
    assert [ip["ip_address"] for ip in port["fixed_ips"]] == ["2001:db8:2::1"]


def test_extra_routes(client: TestClient, demo_token: str) -> None:
    router = create(client, demo_token, "router", name="routes")
    _, sub = network_with_subnet(client, demo_token, "10.30.0.0/24")
    ok(action(client, demo_token, router["id"], "add_router_interface", {"subnet_id": sub["id"]}))
    route = {"destination": "192.168.0.0/24", "nexthop": "10.30.0.5"}
    shown = ok(put_router(client, demo_token, router["id"], routes=[route]))["router"]
    assert shown["routes"] == [route]
    far = {"destination": "192.168.1.0/24", "nexthop": "10.99.0.5"}
    body = error(put_router(client, demo_token, router["id"], routes=[far]), 400, "InvalidRoutes")
    assert body["message"].endswith("the nexthop is not connected with router.")
    own = {"destination": "192.168.1.0/24", "nexthop": "10.30.0.1"}
    body = error(put_router(client, demo_token, router["id"], routes=[own]), 400, "InvalidRoutes")
    assert body["message"].endswith("the nexthop is used by router.")
    error(
        put_router(client, demo_token, router["id"], routes=[{"destination": "x", "nexthop": "10.30.0.5"}]),
        400,
    )
    error(put_router(client, demo_token, router["id"], routes=[route, route]), 400, "InvalidInput")
    many = [{"destination": f"172.16.{i}.0/24", "nexthop": "10.30.0.5"} for i in range(31)]
    error(put_router(client, demo_token, router["id"], routes=many), 400, "RoutesExhausted")

    more = {"destination": "192.168.2.0/24", "nexthop": "10.30.0.6"}
    added = ok(
        action(client, demo_token, router["id"], "add_extraroutes", {"router": {"routes": [route, more]}})
    )
    assert added["router"]["routes"] == [route, more]
    error(
        action(client, demo_token, router["id"], "add_extraroutes", {"router": {"routes": [far]}}),
        400,
        "InvalidRoutes",
    )
    error(action(client, demo_token, router["id"], "add_extraroutes", {"routes": [more]}), 400)
    body = error(
        action(client, demo_token, router["id"], "remove_router_interface", {"subnet_id": sub["id"]}),
        409,
        "RouterInterfaceInUseByRoute",
    )
    assert "required by one or more routes" in body["message"]
    removed = ok(
        action(client, demo_token, router["id"], "remove_extraroutes", {"router": {"routes": [route, far]}})
    )
    assert removed["router"]["routes"] == [more]
    assert ok(put_router(client, demo_token, router["id"], routes=None))["router"]["routes"] == []
    ok(action(client, demo_token, router["id"], "remove_router_interface", {"subnet_id": sub["id"]}))


def test_policy_visibility_and_lists(
    client: TestClient, demo_token: str, admin_token: str, other_token: str
) -> None:
    mine = create(client, demo_token, "router", name="mine", tags=["blue"])
    create(client, demo_token, "router", name="also", admin_state_up=False)
    theirs = create(client, other_token, "router", name="theirs")
    names = {r["name"] for r in ok(client.get(f"{NET}/routers", headers=hdr(demo_token)))["routers"]}
    assert names == {"mine", "also"}
    assert {"mine", "also", "theirs"} <= {
        r["name"] for r in ok(client.get(f"{NET}/routers", headers=hdr(admin_token)))["routers"]
    }
    listed = ok(client.get(f"{NET}/routers?tags=blue&fields=name&fields=id", headers=hdr(demo_token)))[
        "routers"
    ]
    assert listed == [{"id": mine["id"], "name": "mine"}]
    down = ok(client.get(f"{NET}/routers?admin_state_up=false", headers=hdr(demo_token)))["routers"]
    assert [r["name"] for r in down] == ["also"]
    ordered = ok(client.get(f"{NET}/routers?sort_key=name&sort_dir=asc", headers=hdr(demo_token)))["routers"]
    assert [r["name"] for r in ordered] == ["also", "mine"]
    error(client.get(f"{NET}/routers?status=ACTIVE", headers=hdr(demo_token)), 400)
    error(client.get(f"{NET}/routers/{theirs['id']}", headers=hdr(demo_token)), 404, "RouterNotFound")
    error(put_router(client, demo_token, theirs["id"], name="x"), 404)
    error(action(client, demo_token, theirs["id"], "add_router_interface", {"subnet_id": mine["id"]}), 404)
    error(client.delete(f"{NET}/routers/{theirs['id']}", headers=hdr(demo_token)), 404)
    body = {"router": {"name": "d", "distributed": False}}
    error(client.post(f"{NET}/routers", json=body, headers=hdr(demo_token)), 403, "PolicyNotAuthorized")
    body = {"router": {"name": "ha", "ha": True}}
    error(client.post(f"{NET}/routers", json=body, headers=hdr(admin_token)), 400, "InvalidInput")
    body = {"router": {"name": "p", "project_id": "someone-else"}}
    error(client.post(f"{NET}/routers", json=body, headers=hdr(demo_token)), 400)
    body = {"router": {"name": "f", "flavor_id": "gold"}}
    error(client.post(f"{NET}/routers", json=body, headers=hdr(demo_token)), 400)
    body = {"router": {"name": "r", "routes": []}}
    error(client.post(f"{NET}/routers", json=body, headers=hdr(demo_token)), 400)
    tags = f"{NET}/routers/{mine['id']}/tags"
    assert ok(client.put(tags, json={"tags": ["a", "b"]}, headers=hdr(demo_token))) == {"tags": ["a", "b"]}
    assert client.delete(f"{tags}/a", headers=hdr(demo_token)).status_code == 204


def test_router_quota(client: TestClient, demo_token: str, admin_token: str) -> None:
    project = project_of(client, demo_token)
    ok(client.put(f"{NET}/quotas/{project}", json={"quota": {"router": 1}}, headers=hdr(admin_token)))
    create(client, demo_token, "router", name="one")
    body = error(
        client.post(f"{NET}/routers", json={"router": {"name": "two"}}, headers=hdr(demo_token)), 409
    )
    assert (body["type"], body["message"]) == ("OverQuota", "Quota exceeded for resources: ['router'].")
    details = ok(client.get(f"{NET}/quotas/{project}/details", headers=hdr(demo_token)))["quota"]
    assert details["router"] == {"limit": 1, "used": 1, "reserved": 0}


def test_subnets_of_networks_shared_by_name_may_be_attached(
    client: TestClient, demo_token: str, admin_token: str
) -> None:
    router = create(client, demo_token, "router", name="shared-r")
    for cidr, rbac in (("10.35.0.0/24", False), ("10.36.0.0/24", True)):
        net, sub = network_with_subnet(client, admin_token, cidr)
        if rbac:
            policy = {
                "object_type": "network",
                "object_id": net["id"],
                "action": "access_as_shared",
                "target_tenant": project_of(client, demo_token),
            }
            ok(
                client.post(f"{NET}/rbac-policies", json={"rbac_policy": policy}, headers=hdr(admin_token)),
                201,
            )
        else:
            ok(put_router_net_shared(client, admin_token, net["id"]))
        answer = action(client, demo_token, router["id"], "add_router_interface", {"subnet_id": sub["id"]})
        if rbac:
            assert ok(answer)["subnet_id"] == sub["id"]
        else:  # shared with everyone: not attachable by others (Neutron's rule)
            assert "is not owned by project making the request" in error(answer, 400, "BadRequest")["message"]


def put_router_net_shared(client: TestClient, token: str, network_id: str) -> Any:
    return client.put(f"{NET}/networks/{network_id}", json={"network": {"shared": True}}, headers=hdr(token))


def test_an_external_network_in_use_stays_external(
    client: TestClient, admin_token: str, public_network: str
) -> None:
    """Neutron's ExternalNetworkInUse: router:external cannot be turned off under a gateway."""
    router = create(
        client, admin_token, "router", name="gw", external_gateway_info={"network_id": public_network}
    )
    body = {"network": {"router:external": False}}
    error(
        client.put(f"{NET}/networks/{public_network}", json=body, headers=hdr(admin_token)),
        409,
        "ExternalNetworkInUse",
    )
    shown = ok(client.get(f"{NET}/networks/{public_network}", headers=hdr(admin_token)))["network"]
    assert shown["router:external"] is True
    assert client.delete(f"{NET}/routers/{router['id']}", headers=hdr(admin_token)).status_code == 204
    assert (
        ok(client.put(f"{NET}/networks/{public_network}", json=body, headers=hdr(admin_token)))["network"][
            "router:external"
        ]
        is False
    )


def test_deleting_an_external_network_deletes_its_free_floating_ips(
    client: TestClient, admin_token: str
) -> None:
    """As Neutron: floating IPs on no port go with their external network."""
    net = create(client, admin_token, "network", name="ext", **{"router:external": True})
    create(client, admin_token, "subnet", network_id=net["id"], ip_version=4, cidr="203.0.113.0/24")
    fip = create(client, admin_token, "floatingip", floating_network_id=net["id"])
    assert client.delete(f"{NET}/networks/{net['id']}", headers=hdr(admin_token)).status_code == 204
    error(client.get(f"{NET}/floatingips/{fip['id']}", headers=hdr(admin_token)), 404)
