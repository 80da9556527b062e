"""Network v2 port forwardings of a floating IP: single ports and ranges, collisions, the rules
that keep a floating IP either associated or forwarding, and who may see them."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.functional import network_support
from tests.functional.network_support import NET, create, error, hdr, ok
from tests.functional.test_network_floating_ips import put_fip, topology

other_token = network_support.other_token  # a fixture
public_network = network_support.public_network  # a fixture


def pf_path(fip_id: str, pf_id: str = "") -> str:
    return f"{NET}/floatingips/{fip_id}/port_forwardings" + (f"/{pf_id}" if pf_id else "")


def post_pf(client: TestClient, token: str, fip_id: str, **attrs: Any) -> Any:
    return client.post(pf_path(fip_id), json={"port_forwarding": attrs}, headers=hdr(token))


def test_port_forwarding_life_cycle(
    client: TestClient, demo_token: str, other_token: str, public_network: str
) -> None:
    h = hdr(demo_token)
    t = topology(client, demo_token, public_network, "10.60.0.0/24")
    port, address = t["port"], t["port"]["fixed_ips"][0]["ip_address"]
    fip = create(client, demo_token, "floatingip", floating_network_id=public_network)
    ssh = {"internal_port_id": port["id"], "internal_ip_address": address, "protocol": "tcp"}
    made = ok(
        post_pf(
            client, demo_token, fip["id"], **ssh, internal_port=22, external_port=2222, description="ssh"
        ),
        201,
    )
    pf = made["port_forwarding"]
    assert (
        pf["internal_port"],
        pf["external_port"],
        pf["internal_port_range"],
        pf["external_port_range"],
    ) == (
        22,
        2222,
        "22:22",
        "2222:2222",
    )
    assert (pf["protocol"], pf["description"], pf["internal_ip_address"]) == ("tcp", "ssh", address)
    shown = ok(client.get(f"{NET}/floatingips/{fip['id']}", headers=h))["floatingip"]
    assert shown["router_id"] == t["router"]["id"] and shown["port_id"] is None
    assert shown["port_forwardings"] == [
        {
            "id": pf["id"],
            "internal_port_id": port["id"],
            "internal_ip_address": address,
            "internal_port": 22,
            "external_port": 2222,
            "protocol": "tcp",
        }
    ]
    web = ok(
        post_pf(
            client,
            demo_token,
            fip["id"],
            **ssh,
            internal_port_range="8000:8009",
            external_port_range="9000:9009",
        ),
        201,
    )["port_forwarding"]
    assert (web["internal_port"], web["external_port"], web["external_port_range"]) == (
        None,
        None,
        "9000:9009",
    )

    body = error(
        post_pf(client, demo_token, fip["id"], **ssh, internal_port=23, external_port=2222), 400, "BadRequest"
    )
    assert "port collision with the external_port_range" in body["message"]
    body = error(post_pf(client, demo_token, fip["id"], **ssh, internal_port=8005, external_port=80), 400)
    assert "port collision with the internal_port_range" in body["message"]
    udp = ok(
        post_pf(
            client, demo_token, fip["id"], **{**ssh, "protocol": "udp"}, internal_port=22, external_port=2222
        ),
        201,
    )
    error(
        post_pf(client, demo_token, fip["id"], **ssh, internal_port_range="1:3", external_port_range="1:5"),
        400,
    )
    error(post_pf(client, demo_token, fip["id"], **ssh, internal_port=70000, external_port=1), 400)
    error(
        post_pf(
            client, demo_token, fip["id"], **ssh, internal_port=1, external_port=1, external_port_range="1:1"
        ),
        400,
    )
    error(
        post_pf(
            client, demo_token, fip["id"], **{**ssh, "protocol": "icmp"}, internal_port=1, external_port=3
        ),
        400,
    )
    error(
        post_pf(
            client,
            demo_token,
            fip["id"],
            **{**ssh, "internal_ip_address": "10.60.0.200"},
            internal_port=1,
            external_port=4,
        ),
        400,
    )
    error(post_pf(client, demo_token, fip["id"], protocol="tcp", internal_port=1, external_port=5), 400)

    listed = ok(
        client.get(pf_path(fip["id"]) + "?protocol=tcp&sort_key=external_port&sort_dir=asc", headers=h)
    )
    assert [p["id"] for p in listed["port_forwardings"]] == [pf["id"], web["id"]]
    assert [
        p["id"]
        for p in ok(client.get(pf_path(fip["id"]) + "?external_port=2222&protocol=udp", headers=h))[
            "port_forwardings"
        ]
    ] == [udp["port_forwarding"]["id"]]
    ranged = ok(client.get(pf_path(fip["id"]) + "?external_port_range=9000:9009", headers=h))[
        "port_forwardings"
    ]
    assert [p["id"] for p in ranged] == [web["id"]]
    error(client.get(pf_path(fip["id"]) + "?internal_ip_address=x", headers=h), 400)
    changed = ok(
        client.put(pf_path(fip["id"], pf["id"]), json={"port_forwarding": {"external_port": 2200}}, headers=h)
    )
    assert changed["port_forwarding"]["external_port"] == 2200
    assert ok(client.get(pf_path(fip["id"], pf["id"]), headers=h))["port_forwarding"]["external_port"] == 2200

    # Forwarding and associated are exclusive; the floating IP cannot go while it forwards.
    error(put_fip(client, demo_token, fip["id"], port_id=port["id"]), 409, "FipInUseByPortForwarding")
    error(client.delete(f"{NET}/floatingips/{fip['id']}", headers=h), 409, "FipInUseByPortForwarding")
    bound = create(client, demo_token, "floatingip", floating_network_id=public_network, port_id=port["id"])
    error(
        post_pf(client, demo_token, bound["id"], **ssh, internal_port=80, external_port=80),
        409,
        "FloatingIPPortAlreadyAssociated",
    )
    fresh = create(client, demo_token, "floatingip", floating_network_id=public_network)
    error(
        post_pf(client, demo_token, fresh["id"], **ssh, internal_port=81, external_port=81),
        409,
        "PortHasBindingFloatingIP",
    )

    # Others see nothing; removing the last forwarding frees the router.
    error(client.get(pf_path(fip["id"]), headers=hdr(other_token)), 404, "FloatingIPNotFound")
    error(
        client.get(pf_path(fip["id"], "00000000-0000-0000-0000-000000000000"), headers=h),
        404,
        "PortForwardingNotFound",
    )
    for one in (pf["id"], web["id"], udp["port_forwarding"]["id"]):
        assert client.delete(pf_path(fip["id"], one), headers=h).status_code == 204
    after = ok(client.get(f"{NET}/floatingips/{fip['id']}", headers=h))["floatingip"]
    assert (after["router_id"], after["port_forwardings"]) == (None, [])
    assert client.delete(f"{NET}/floatingips/{fip['id']}", headers=h).status_code == 204


def test_forwardings_go_with_their_internal_port(
    client: TestClient, demo_token: str, public_network: str
) -> None:
    h = hdr(demo_token)
    t = topology(client, demo_token, public_network, "10.61.0.0/24")
    port = create(client, demo_token, "port", network_id=t["net"]["id"])
    fip = create(client, demo_token, "floatingip", floating_network_id=public_network)
    body = {
        "internal_port_id": port["id"],
        "internal_ip_address": port["fixed_ips"][0]["ip_address"],
        "protocol": "udp",
        "internal_port": 53,
        "external_port": 53,
    }
    ok(post_pf(client, demo_token, fip["id"], **body), 201)
    subnet = {"subnet_id": t["sub"]["id"]}
    error(
        client.put(f"{NET}/routers/{t['router']['id']}/remove_router_interface", json=subnet, headers=h),
        409,
        "RouterInterfaceInUseByFloatingIP",
    )
    assert client.delete(f"{NET}/ports/{port['id']}", headers=h).status_code == 204
    after = ok(client.get(f"{NET}/floatingips/{fip['id']}", headers=h))["floatingip"]
    assert (after["router_id"], after["port_forwardings"]) == (None, [])
    assert ok(client.get(pf_path(fip["id"]), headers=h))["port_forwardings"] == []
