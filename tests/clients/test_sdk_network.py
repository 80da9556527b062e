"""openstacksdk's cloud layer on a server with a floating IP, as the networking issue's users run
it: ``conn.create_server(..., network=..., auto_ip=True, wait=True)`` on the project's network
behind a router to ``public`` returns a server that has a floating IP, and
``conn.delete_server(..., wait=True, delete_ips=True)`` gives the floating IP back."""

from __future__ import annotations

import json

import pytest

from tests.clients.harness import ClientRunner

pytestmark = pytest.mark.clients

SCRIPT = """
import json
import openstack

conn = openstack.connect(cloud="pocketstack")
public = conn.network.find_network("public")
net = conn.network.create_network(name="sdk-net")
subnet = conn.network.create_subnet(
    name="sdk-subnet", network_id=net.id, ip_version=4, cidr="10.77.0.0/24"
)
router = conn.network.create_router(name="sdk-router", external_gateway_info={"network_id": public.id})
conn.network.add_interface_to_router(router, subnet_id=subnet.id)

server = conn.create_server(
    "sdk-vm", image="pocketstack-tiny", flavor="m1.tiny", network="sdk-net",
    auto_ip=True, wait=True, timeout=120,
)
found = conn.get_server("sdk-vm")
ips = [ip.to_dict() for ip in conn.network.ips()]
deleted = conn.delete_server("sdk-vm", wait=True, delete_ips=True, timeout=120)
out = {
    "status": server.status,
    "addresses": server.addresses,
    "public_v4": found.public_v4,
    "private_v4": found.private_v4,
    "ips": [{k: ip[k] for k in ("floating_ip_address", "port_id", "fixed_ip_address", "router_id")}
            for ip in ips],
    "deleted": deleted,
    "server_after": conn.get_server("sdk-vm") is not None,
    "ips_after": [ip.floating_ip_address for ip in conn.network.ips()],
    "ports_after": [p.id for p in conn.network.ports(network_id=net.id, device_owner="compute:nova")],
}
conn.network.remove_interface_from_router(router, subnet_id=subnet.id)
conn.network.delete_router(router)
conn.network.delete_subnet(subnet)
conn.network.delete_network(net)
print(json.dumps(out))
"""


def test_create_server_with_auto_ip_and_delete_with_its_ip(cli: ClientRunner) -> None:
    out = json.loads(cli.python(SCRIPT).strip().splitlines()[-1])
    assert out["status"] == "ACTIVE"
    kinds = {a["OS-EXT-IPS:type"]: a["addr"] for a in out["addresses"]["sdk-net"]}
    assert set(kinds) == {"fixed", "floating"}, out["addresses"]
    fixed, floating = kinds["fixed"], kinds["floating"]
    assert fixed.startswith("10.77.0.") and floating.startswith("172.24.4."), kinds
    # create_server hands back the server it polled for the floating IP; get_server adds the
    # cloud layer's computed public_v4/private_v4 to it.
    assert (out["public_v4"], out["private_v4"]) == (floating, fixed), out
    (ip,) = out["ips"]
    assert (ip["floating_ip_address"], ip["fixed_ip_address"]) == (floating, fixed), ip
    assert ip["port_id"] and ip["router_id"], ip

    assert out["deleted"] is True and out["server_after"] is False
    assert out["ips_after"] == [], "delete_ips=True left the floating IP behind"
    assert out["ports_after"] == [], "the server's port outlived it"
