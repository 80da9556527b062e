"""The same scenario written with openstacksdk (in the clients' venv) and with pocketstack.sdk
gives the same resources: what each made has the same states, and both read the same ids,
names and states back."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pocketstack.sdk.config import load
from pocketstack.sdk.connection import Connection
from tests.clients.harness import ClientRunner, Server

pytestmark = pytest.mark.clients

# One scenario, two SDKs: the code differs only in the import and the connect call.
SCENARIO = """
net = conn.network.create_network(name=P + "net")
subnet = conn.network.create_subnet(name=P + "subnet", network_id=net.id, ip_version=4, cidr=CIDR)
key = conn.compute.create_keypair(name=P + "key")
image = conn.image.find_image("pocketstack-tiny")
flavor = conn.compute.find_flavor("m1.tiny")
server = conn.compute.create_server(
    name=P + "server", image_id=image.id, flavor_id=flavor.id, networks=[{"uuid": net.id}], key_name=key.name
)
server = conn.compute.wait_for_server(server)
conn.object_store.create_container(name=P + "c")
conn.object_store.create_object(container=P + "c", name="o", data=b"same bytes")
made = {
    "network": [net.name, net.status, subnet.cidr],
    "server": [server.name, server.status, server.key_name, sorted(server.addresses)],
    "object": conn.object_store.download_object("o", P + "c").decode(),
}
"""

LISTING = """
listing = {
    "servers": sorted([s.id, s.name, s.status] for s in conn.compute.servers()),
    "networks": sorted([n.id, n.name, n.status] for n in conn.network.networks()),
    "images": sorted([i.id, i.name, i.status] for i in conn.image.images()),
    "keypairs": sorted(k.name for k in conn.compute.keypairs()),
    "containers": sorted(c.name for c in conn.object_store.containers()),
}
"""

CONNECT = "import json, openstack\nconn = openstack.connect(cloud='pocketstack')\n"
THEIRS_MAKE = CONNECT + "P, CIDR = 'osdk-', '10.81.0.0/24'\n" + SCENARIO + "print(json.dumps(made))\n"
THEIRS_LIST = CONNECT + LISTING + "print(json.dumps(listing))\n"


def run_ours(conn: Connection, code: str, result: str, **names: Any) -> Any:
    scope: dict[str, Any] = {"conn": conn, **names}
    exec(code, scope)  # the very text the openstacksdk run executes
    return json.loads(json.dumps(scope[result]))


def neutral(made: dict[str, Any], prefix: str, cidr: str) -> str:
    return json.dumps(made).replace(prefix, "P-").replace(cidr, "CIDR")


def test_openstacksdk_and_pocketstack_sdk_make_and_read_the_same(cli: ClientRunner, server: Server) -> None:
    theirs = json.loads(cli.python(THEIRS_MAKE))
    with Connection(config=load("pocketstack", config_files=[server.clouds_yaml], env={})) as conn:
        ours = run_ours(conn, SCENARIO, "made", P="ps-", CIDR="10.82.0.0/24")
        assert neutral(ours, "ps-", "10.82.0.0/24") == neutral(theirs, "osdk-", "10.81.0.0/24")
        assert ours["server"][1] == "ACTIVE" and ours["object"] == "same bytes"
        our_listing = run_ours(conn, LISTING, "listing")
    their_listing = json.loads(cli.python(THEIRS_LIST))
    assert our_listing == their_listing
    assert {"osdk-server", "ps-server"} <= {name for _, name, _ in our_listing["servers"]}
