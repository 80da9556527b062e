"""Servers on the network service, as Nova with Neutron: the networks asked for at create
(auto, none, a network, a port, a fixed address, security groups by name), ports made and
bound at build and released at delete, ``addresses`` read from the ports (fixed and floating)
whatever changed them, get-me-a-network, and os-interface attach / detach."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.image.seed import seed_first_image
from tests.functional import network_support
from tests.functional.network_support import NET, create, error, network_with_subnet, ok, project_of

API = "/compute/v2.1"
public_network = network_support.public_network  # a fixture
other_token = network_support.other_token  # a fixture


def hdr(token: str, version: str = "2.79") -> dict[str, str]:
    return {"X-Auth-Token": token, "OpenStack-API-Version": f"compute {version}"}


def net_hdr(token: str) -> dict[str, str]:
    return {"X-Auth-Token": token}


def nova_error(resp: httpx.Response, status: int) -> str:
    assert resp.status_code == status, resp.text
    ((_key, value),) = resp.json().items()
    assert value["code"] == status
    return value["message"]


@pytest.fixture
def image_id(cloud: Cloud) -> str:
    return seed_first_image(cloud.db, cloud.image_data)


def post_server(client: TestClient, token: str, image_id: str, networks: Any, **extra: Any) -> httpx.Response:
    body = {"server": {"name": "s", "imageRef": image_id, "flavorRef": "1", "networks": networks, **extra}}
    return client.post(f"{API}/servers", json=body, headers=hdr(token))


def wait(client: TestClient, token: str, server_id: str, status: str = "ACTIVE") -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        server = client.get(f"{API}/servers/{server_id}", headers=hdr(token)).json()["server"]
        if server["status"] == status and server["OS-EXT-STS:task_state"] is None:
            return server
        assert time.monotonic() < deadline, server
        time.sleep(0.05)


def boot(client: TestClient, token: str, image_id: str, networks: Any, **extra: Any) -> dict[str, Any]:
    resp = post_server(client, token, image_id, networks, **extra)
    assert resp.status_code == 202, resp.text
    return wait(client, token, resp.json()["server"]["id"])


def delete_server(client: TestClient, token: str, server_id: str) -> None:
    assert client.delete(f"{API}/servers/{server_id}", headers=hdr(token)).status_code == 204
    deadline = time.monotonic() + 20
    while client.get(f"{API}/servers/{server_id}", headers=hdr(token)).status_code != 404:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def ports_of(client: TestClient, token: str, server_id: str) -> list[dict[str, Any]]:
    return ok(client.get(f"{NET}/ports", params={"device_id": server_id}, headers=net_hdr(token)))["ports"]


def test_a_server_on_a_network_gets_a_bound_port_with_its_address(
    client: TestClient, demo_token: str, admin_token: str, image_id: str
) -> None:
    net, subnet = network_with_subnet(client, demo_token, "192.168.7.0/24")
    server = boot(client, demo_token, image_id, [{"uuid": net["id"]}])
    (port,) = ports_of(client, demo_token, server["id"])
    assert port["device_owner"] == "compute:nova" and port["status"] == "ACTIVE"
    (fixed,) = port["fixed_ips"]
    assert fixed["subnet_id"] == subnet["id"]
    assert server["addresses"] == {
        "net": [
            {
                "version": 4,
                "addr": fixed["ip_address"],
                "OS-EXT-IPS:type": "fixed",
                "OS-EXT-IPS-MAC:mac_addr": port["mac_address"],
            }
        ]
    }
    assert server["security_groups"] == [{"name": "default"}]
    as_admin = ok(client.get(f"{NET}/ports/{port['id']}", headers=net_hdr(admin_token)))["port"]
    shown = ok(client.get(f"{API}/servers/{server['id']}", headers=hdr(admin_token)))["server"]
    assert (
        as_admin["binding:host_id"] == shown["OS-EXT-SRV-ATTR:host"] and as_admin["binding:vif_type"] == "ovs"
    )
    ips = ok(client.get(f"{API}/servers/{server['id']}/ips/net", headers=hdr(demo_token)))
    assert ips == {"net": [{"version": 4, "addr": fixed["ip_address"]}]}  # as Nova: no OS-EXT-IPS here
    listed = ok(
        client.get(f"{API}/servers", params={"ip": fixed["ip_address"] + "$"}, headers=hdr(demo_token))
    )
    assert [s["id"] for s in listed["servers"]] == [server["id"]]

    diagnostics = ok(client.get(f"{API}/servers/{server['id']}/diagnostics", headers=hdr(admin_token)))
    assert diagnostics["num_nics"] == 1  # what the driver was given to plug
    assert [n["mac_address"] for n in diagnostics["nic_details"]] == [port["mac_address"]]

    delete_server(client, demo_token, server["id"])
    assert ports_of(client, demo_token, server["id"]) == []  # the port made for it went with it


def test_a_users_port_is_used_and_kept_unbound_at_delete(
    client: TestClient, demo_token: str, image_id: str
) -> None:
    net, _ = network_with_subnet(client, demo_token)
    port = create(client, demo_token, "port", network_id=net["id"], name="mine")
    server = boot(client, demo_token, image_id, [{"port": port["id"]}])
    claimed = ok(client.get(f"{NET}/ports/{port['id']}", headers=net_hdr(demo_token)))["port"]
    assert (claimed["device_id"], claimed["status"]) == (server["id"], "ACTIVE")
    assert server["addresses"]["net"][0]["addr"] == port["fixed_ips"][0]["ip_address"]

    again = post_server(client, demo_token, image_id, [{"port": port["id"]}])
    assert nova_error(again, 409) == f"Port {port['id']} is still in use."

    delete_server(client, demo_token, server["id"])
    kept = ok(client.get(f"{NET}/ports/{port['id']}", headers=net_hdr(demo_token)))["port"]
    assert (kept["device_id"], kept["device_owner"], kept["status"]) == ("", "", "DOWN")
    assert kept["fixed_ips"] == port["fixed_ips"]


def test_fixed_ip_and_security_groups_by_name(client: TestClient, demo_token: str, image_id: str) -> None:
    net, _ = network_with_subnet(client, demo_token, "10.9.0.0/24")
    create(client, demo_token, "security_group", name="web")
    server = boot(
        client,
        demo_token,
        image_id,
        [{"uuid": net["id"], "fixed_ip": "10.9.0.50"}],
        security_groups=[{"name": "web"}],
    )
    (port,) = ports_of(client, demo_token, server["id"])
    assert port["fixed_ips"][0]["ip_address"] == "10.9.0.50"
    assert server["security_groups"] == [{"name": "web"}]

    taken = post_server(client, demo_token, image_id, [{"uuid": net["id"], "fixed_ip": "10.9.0.50"}])
    assert "10.9.0.50 is already in use" in nova_error(taken, 400)
    outside = post_server(client, demo_token, image_id, [{"uuid": net["id"], "fixed_ip": "10.99.0.5"}])
    assert "not a valid ip address" in nova_error(outside, 400)
    unknown = post_server(
        client, demo_token, image_id, [{"uuid": net["id"]}], security_groups=[{"name": "nope"}]
    )
    assert nova_error(unknown, 400) == "Security group nope not found."


def test_requests_that_cannot_work_are_refused_before_anything_is_made(
    client: TestClient, demo_token: str, image_id: str, public_network: str
) -> None:
    bare = create(client, demo_token, "network", name="bare")
    cases = [
        ([{"uuid": "3f1e9c4a-0000-4000-8000-000000000000"}], 400, "could not be found"),
        ([{"uuid": bare["id"]}], 400, "requires a subnet"),
        ([{"uuid": public_network}], 403, "external network"),
        ([{"port": "3f1e9c4a-0000-4000-8000-000000000000"}], 400, "could not be found"),
    ]
    for networks, status, fragment in cases:
        assert fragment in nova_error(post_server(client, demo_token, image_id, networks), status)
    many = post_server(
        client, demo_token, image_id, [{"uuid": bare["id"], "fixed_ip": "10.0.0.9"}], max_count=2
    )
    assert nova_error(many, 400)
    listed = ok(client.get(f"{API}/servers", headers=hdr(demo_token)))["servers"]
    assert listed == []


def test_addresses_follow_port_changes_made_through_the_network_api(
    client: TestClient, demo_token: str, image_id: str, public_network: str
) -> None:
    net, subnet = network_with_subnet(client, demo_token, "10.20.0.0/24")
    router = create(
        client, demo_token, "router", name="r", external_gateway_info={"network_id": public_network}
    )
    ok(
        client.put(
            f"{NET}/routers/{router['id']}/add_router_interface",
            json={"subnet_id": subnet["id"]},
            headers=net_hdr(demo_token),
        )
    )
    server = boot(client, demo_token, image_id, [{"uuid": net["id"]}])
    (port,) = ports_of(client, demo_token, server["id"])
    fip = create(client, demo_token, "floatingip", floating_network_id=public_network, port_id=port["id"])
    shown = ok(client.get(f"{API}/servers/{server['id']}", headers=hdr(demo_token)))["server"]
    kinds = [(a["addr"], a["OS-EXT-IPS:type"]) for a in shown["addresses"]["net"]]
    assert kinds == [(port["fixed_ips"][0]["ip_address"], "fixed"), (fip["floating_ip_address"], "floating")]

    ok(
        client.put(
            f"{NET}/floatingips/{fip['id']}",
            json={"floatingip": {"port_id": None}},
            headers=net_hdr(demo_token),
        )
    )
    shown = ok(client.get(f"{API}/servers/{server['id']}", headers=hdr(demo_token)))["server"]
    assert [a["OS-EXT-IPS:type"] for a in shown["addresses"]["net"]] == ["fixed"]

    assert client.delete(f"{NET}/ports/{port['id']}", headers=net_hdr(demo_token)).status_code == 204
    shown = ok(client.get(f"{API}/servers/{server['id']}", headers=hdr(demo_token)))["server"]
    assert shown["addresses"] == {} and "security_groups" not in shown  # as Nova: no group, no key


def test_get_me_a_network(client: TestClient, demo_token: str, image_id: str, public_network: str) -> None:
    server = boot(client, demo_token, image_id, "auto")
    (name,) = server["addresses"]
    assert name == "auto_allocated_network"
    routers = ok(client.get(f"{NET}/routers", headers=net_hdr(demo_token)))["routers"]
    (router,) = routers
    assert router["name"] == "auto_allocated_router"
    assert router["external_gateway_info"]["network_id"] == public_network
    second = boot(client, demo_token, image_id, "auto")  # the same network, not a second one
    assert list(second["addresses"]) == [name]
    assert (
        len(ok(client.get(f"{NET}/networks", params={"name": name}, headers=net_hdr(demo_token)))["networks"])
        == 1
    )

    network_with_subnet(client, demo_token, "10.77.0.0/24")  # now two: "auto" cannot choose
    ambiguous = post_server(client, demo_token, image_id, "auto")
    assert "Multiple possible networks found" in nova_error(ambiguous, 409)

    project = project_of(client, demo_token)
    path = f"{NET}/auto-allocated-topology/{project}"
    topology = ok(client.get(path, headers=net_hdr(demo_token)))["auto_allocated_topology"]
    (network,) = ok(client.get(f"{NET}/networks", params={"name": name}, headers=net_hdr(demo_token)))[
        "networks"
    ]
    assert topology == {"id": network["id"], "tenant_id": project, "project_id": project}
    dry = ok(client.get(path, params={"fields": "dry-run"}, headers=net_hdr(demo_token)))
    assert dry["auto_allocated_topology"]["id"] == "dry-run=pass"
    error(client.delete(path, headers=net_hdr(demo_token)), 409, "NetworkInUse")  # servers on it
    assert len(ok(client.get(f"{NET}/routers", headers=net_hdr(demo_token)))["routers"]) == 1  # untouched
    for sid in (server["id"], second["id"]):
        delete_server(client, demo_token, sid)
    assert client.delete(path, headers=net_hdr(demo_token)).status_code == 204
    error(client.get(f"{NET}/networks/{network['id']}", headers=net_hdr(demo_token)), 404)
    assert ok(client.get(f"{NET}/routers", headers=net_hdr(demo_token)))["routers"] == []


def test_a_server_whose_port_cannot_be_made_goes_to_error(
    client: TestClient, demo_token: str, image_id: str
) -> None:
    net = create(client, demo_token, "network", name="tiny")
    create(
        client, demo_token, "subnet", network_id=net["id"], ip_version=4, cidr="10.5.0.0/30"
    )  # one address
    boot(client, demo_token, image_id, [{"uuid": net["id"]}])
    resp = post_server(client, demo_token, image_id, [{"uuid": net["id"]}])
    assert resp.status_code == 202
    failed = wait(client, demo_token, resp.json()["server"]["id"], "ERROR")
    assert "Failed to allocate the network(s)" in failed["fault"]["message"]
    assert ports_of(client, demo_token, failed["id"]) == []


def test_interfaces_attach_list_and_detach(client: TestClient, demo_token: str, image_id: str) -> None:
    net, _ = network_with_subnet(client, demo_token, "10.30.0.0/24")
    other = create(client, demo_token, "network", name="other")
    create(client, demo_token, "subnet", network_id=other["id"], ip_version=4, cidr="10.31.0.0/24")
    server = boot(client, demo_token, image_id, [{"uuid": net["id"]}])
    path = f"{API}/servers/{server['id']}/os-interface"

    attached = ok(
        client.post(
            path, json={"interfaceAttachment": {"net_id": other["id"], "tag": "db"}}, headers=hdr(demo_token)
        )
    )
    made = attached["interfaceAttachment"]
    assert made["net_id"] == other["id"] and made["tag"] == "db" and made["port_state"] == "ACTIVE"
    assert made["fixed_ips"][0]["ip_address"].startswith("10.31.0.")
    mine = create(client, demo_token, "port", network_id=net["id"])
    by_port = ok(
        client.post(path, json={"interfaceAttachment": {"port_id": mine["id"]}}, headers=hdr(demo_token))
    )
    assert by_port["interfaceAttachment"]["port_id"] == mine["id"]

    listed = ok(client.get(path, headers=hdr(demo_token)))["interfaceAttachments"]
    assert {a["port_id"] for a in listed} >= {made["port_id"], mine["id"]} and len(listed) == 3
    shown = ok(client.get(f"{API}/servers/{server['id']}", headers=hdr(demo_token)))["server"]
    assert set(shown["addresses"]) == {"net", "other"}
    old = ok(client.get(f"{path}/{made['port_id']}", headers=hdr(demo_token, "2.69")))["interfaceAttachment"]
    assert "tag" not in old
    tagged_early = client.post(
        path,
        json={"interfaceAttachment": {"net_id": other["id"], "tag": "x"}},
        headers=hdr(demo_token, "2.48"),
    )
    nova_error(tagged_early, 400)

    assert client.delete(f"{path}/{made['port_id']}", headers=hdr(demo_token)).status_code == 202
    error(client.get(f"{NET}/ports/{made['port_id']}", headers=net_hdr(demo_token)), 404)  # made for it: gone
    assert client.delete(f"{path}/{mine['id']}", headers=hdr(demo_token)).status_code == 202
    kept = ok(client.get(f"{NET}/ports/{mine['id']}", headers=net_hdr(demo_token)))["port"]
    assert kept["device_id"] == ""  # the user's own: kept, unbound
    assert (
        nova_error(client.delete(f"{path}/{mine['id']}", headers=hdr(demo_token)), 404)
        == f"Port {mine['id']} is not attached"
    )
    missing = client.post(
        path,
        json={"interfaceAttachment": {"net_id": "3f1e9c4a-0000-4000-8000-000000000000"}},
        headers=hdr(demo_token),
    )
    nova_error(missing, 404)


def test_another_projects_network_and_port_are_not_found(
    client: TestClient, demo_token: str, other_token: str, image_id: str
) -> None:
    theirs, _ = network_with_subnet(client, other_token)
    port = create(client, other_token, "port", network_id=theirs["id"])
    assert project_of(client, other_token) != project_of(client, demo_token)
    for networks in ([{"uuid": theirs["id"]}], [{"port": port["id"]}]):
        assert "could not be found" in nova_error(post_server(client, demo_token, image_id, networks), 400)


def test_the_port_quota_bounds_how_many_servers_are_made(
    client: TestClient, demo_token: str, admin_token: str, image_id: str
) -> None:
    """As Nova: a multi-create takes as many servers as the port quota has room for (at least
    min_count), and with no room "auto" is a 403 and no server is made."""
    net, _ = network_with_subnet(client, demo_token)
    project = project_of(client, demo_token)
    create(client, demo_token, "port", network_id=net["id"])
    quota = {"quota": {"port": 3, "check_limit": True}}
    ok(client.put(f"{NET}/quotas/{project}", json=quota, headers=net_hdr(admin_token)))
    below = {"quota": {"port": 0, "check_limit": True}}
    error(client.put(f"{NET}/quotas/{project}", json=below, headers=net_hdr(admin_token)), 400)
    resp = post_server(
        client, demo_token, image_id, "auto", min_count=1, max_count=5, return_reservation_id=True
    )
    assert resp.status_code == 202, resp.text
    reservation = resp.json()["reservation_id"]
    made = ok(client.get(f"{API}/servers", params={"reservation_id": reservation}, headers=hdr(demo_token)))
    assert len(made["servers"]) == 2
    assert (
        nova_error(post_server(client, demo_token, image_id, "auto"), 403)
        == "Maximum number of ports exceeded"
    )
    assert len(ok(client.get(f"{API}/servers", headers=hdr(demo_token)))["servers"]) == 2
