"""Compute v2.1's network proxies and network server actions, over the Network v2 service as Nova
serves them over Neutron: os-networks, os-floating-ip-pools, os-floating-ips, os-security-groups
and os-security-group-rules (up to 2.35, then 404), a server's security groups, and the actions
addSecurityGroup / removeSecurityGroup / addFloatingIp / removeFloatingIp. A server's ports are
put on it through the Network API (device_id the server, device_owner compute:nova); what the
actions change is checked through the Network API too."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.image.seed import seed_first_image
from tests.functional import network_support
from tests.functional.network_support import NET, create, network_with_subnet, ok, project_of

API = "/compute/v2.1"
public_network = network_support.public_network  # a fixture
other_token = network_support.other_token  # a fixture
NOT_FOUND = "The resource could not be found."
GONE = "This resource is no longer available.  No forwarding address is given."


def hdr(token: str, version: str = "2.35") -> dict[str, str]:
    return {"X-Auth-Token": token, "OpenStack-API-Version": f"compute {version}"}


def net_hdr(token: str) -> dict[str, str]:
    return {"X-Auth-Token": token}


def fault(resp: httpx.Response, status: int, name: str | None = None) -> str:
    """The message of a Nova fault, checked for status and envelope."""
    assert resp.status_code == status, resp.text
    body = resp.json()
    ((key, value),) = body.items()
    assert key == (name or {400: "badRequest", 403: "forbidden", 404: "itemNotFound"}.get(status, key))
    assert value["code"] == status
    return value["message"]


@pytest.fixture
def image_id(cloud: Cloud) -> str:
    return seed_first_image(cloud.db, cloud.image_data)


def boot(client: TestClient, token: str, image_id: str, name: str = "s") -> str:
    body = {"server": {"name": name, "imageRef": image_id, "flavorRef": "1", "networks": "none"}}
    resp = client.post(f"{API}/servers", json=body, headers=hdr(token, "2.79"))
    assert resp.status_code == 202, resp.text
    server_id = resp.json()["server"]["id"]
    deadline = time.monotonic() + 20
    while True:
        server = client.get(f"{API}/servers/{server_id}", headers=hdr(token, "2.79")).json()["server"]
        if server["status"] == "ACTIVE" and server["OS-EXT-STS:task_state"] is None:
            return server_id
        assert time.monotonic() < deadline, server["status"]
        time.sleep(0.05)


def server_port(client: TestClient, token: str, network_id: str, server_id: str, **attrs: Any) -> dict:
    """A port of the server, put on it as compute would (through the Network API)."""
    return create(
        client,
        token,
        "port",
        network_id=network_id,
        device_id=server_id,
        device_owner="compute:nova",
        **attrs,
    )


def action(
    client: TestClient, token: str, server_id: str, body: Any, version: str = "2.35"
) -> httpx.Response:
    return client.post(f"{API}/servers/{server_id}/action", json=body, headers=hdr(token, version))


def port_groups(client: TestClient, token: str, port_id: str) -> list[str]:
    return ok(client.get(f"{NET}/ports/{port_id}", headers=net_hdr(token)))["port"]["security_groups"]


# -- the proxies end at 2.36 ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/os-networks"),
        ("GET", "/os-networks/00000000-0000-0000-0000-000000000000"),
        ("GET", "/os-floating-ip-pools"),
        ("GET", "/os-floating-ips"),
        ("POST", "/os-floating-ips"),
        ("GET", "/os-floating-ips/00000000-0000-0000-0000-000000000000"),
        ("DELETE", "/os-floating-ips/00000000-0000-0000-0000-000000000000"),
        ("GET", "/os-security-groups"),
        ("POST", "/os-security-groups"),
        ("GET", "/os-security-groups/00000000-0000-0000-0000-000000000000"),
        ("PUT", "/os-security-groups/00000000-0000-0000-0000-000000000000"),
        ("DELETE", "/os-security-groups/00000000-0000-0000-0000-000000000000"),
        ("POST", "/os-security-group-rules"),
        ("DELETE", "/os-security-group-rules/00000000-0000-0000-0000-000000000000"),
    ],
)
def test_proxies_are_gone_from_2_36(client: TestClient, demo_token: str, method: str, path: str) -> None:
    resp = client.request(method, API + path, json={}, headers=hdr(demo_token, "2.36"))
    assert fault(resp, 404) == NOT_FOUND
    # ...and still there at 2.35 (whatever they say about an empty body or an unknown id)
    assert client.request(method, API + path, json={}, headers=hdr(demo_token)).status_code != 405


def test_extensions_list_the_proxies(client: TestClient, demo_token: str) -> None:
    listed = ok(client.get(f"{API}/extensions", headers=hdr(demo_token)))["extensions"]
    names = {e["alias"]: e["name"] for e in listed}
    assert names["os-networks"] == "Networks" and names["os-security-groups"] == "SecurityGroups"
    assert names["os-floating-ips"] == "FloatingIps" and names["os-floating-ip-pools"] == "FloatingIpPools"
    assert names["os-tenant-networks"] == "OSTenantNetworks" and "os-fixed-ips" not in names


def test_tenant_networks_show_the_visible_networks_to_2_35(client: TestClient, demo_token: str) -> None:
    net, _ = network_with_subnet(client, demo_token)
    listed = ok(client.get(f"{API}/os-tenant-networks", headers=hdr(demo_token)))["networks"]
    assert {"id": net["id"], "cidr": None, "label": net["name"]} in listed
    shown = ok(client.get(f"{API}/os-tenant-networks/{net['id']}", headers=hdr(demo_token)))["network"]
    assert shown == {"id": net["id"], "cidr": None, "label": net["name"]}
    missing = client.get(f"{API}/os-tenant-networks/{'0' * 32}", headers=hdr(demo_token))
    assert fault(missing, 404) == "Network not found"
    assert fault(client.get(f"{API}/os-tenant-networks", headers=hdr(demo_token, "2.36")), 404) == NOT_FOUND
    gone = client.post(f"{API}/os-tenant-networks", json={"network": {}}, headers=hdr(demo_token))
    assert gone.status_code == 410


# -- os-networks ----------------------------------------------------------------------------------
def test_networks_are_the_visible_ones_in_nova_network_shape(
    client: TestClient, demo_token: str, admin_token: str, public_network: str
) -> None:
    net, _ = network_with_subnet(client, demo_token)
    listed = ok(client.get(f"{API}/os-networks", headers=hdr(demo_token)))["networks"]
    mine = next(n for n in listed if n["id"] == net["id"])
    assert mine["label"] == "net"
    assert set(mine) == {
        *("id", "cidr", "netmask", "gateway", "broadcast", "dns1", "dns2"),
        *("cidr_v6", "gateway_v6", "label", "netmask_v6"),
    }
    assert all(v is None for k, v in mine.items() if k not in ("id", "label"))
    assert public_network in {n["id"] for n in listed}  # external: every project sees it

    shown = ok(client.get(f"{API}/os-networks/{net['id']}", headers=hdr(admin_token)))["network"]
    assert shown["label"] == "net" and "bridge" in shown and shown["project_id"] is None  # admin fields
    missing = client.get(f"{API}/os-networks/nope", headers=hdr(demo_token))
    assert fault(missing, 404) == "Network not found"


def test_nova_network_writes_are_gone(client: TestClient, demo_token: str) -> None:
    h = hdr(demo_token, "2.1")
    for method, path, body in [
        ("POST", "/os-networks", {"network": {"label": "x"}}),
        ("POST", "/os-networks/add", {"id": "x"}),
        ("DELETE", "/os-networks/x", None),
        ("POST", "/os-networks/x/action", {"disassociate": None}),
        ("POST", "/os-networks/x/action", {"associate_host": "h"}),
    ]:
        resp = client.request(method, API + path, json=body, headers=h)
        assert fault(resp, 410, "computeFault") == GONE, (method, path)
    bogus = client.post(f"{API}/os-networks/x/action", json={"bogus": None}, headers=h)
    assert fault(bogus, 400) == "There is no such action: bogus"


# -- os-floating-ip-pools and os-floating-ips -----------------------------------------------------
def test_floating_ips_from_pools(
    client: TestClient, demo_token: str, admin_token: str, other_token: str, public_network: str
) -> None:
    h = hdr(demo_token)
    pools = ok(client.get(f"{API}/os-floating-ip-pools", headers=h))["floating_ip_pools"]
    assert pools == [{"name": "public"}]

    resp = client.post(f"{API}/os-floating-ips", headers=h)  # no body: the default pool
    assert resp.status_code == 200, resp.text
    first = resp.json()["floating_ip"]
    assert first["pool"] == "public" and first["ip"].startswith("172.24.4.")
    assert (first["fixed_ip"], first["instance_id"]) == (None, None)
    assert set(first) == {"id", "ip", "pool", "fixed_ip", "instance_id"}
    by_name = ok(client.post(f"{API}/os-floating-ips", json={"pool": "public"}, headers=h))["floating_ip"]
    by_id = ok(client.post(f"{API}/os-floating-ips", json={"pool": public_network}, headers=h))["floating_ip"]
    made = {first["id"], by_name["id"], by_id["id"]}
    assert len(made) == 3

    # The Network API shows them as the project's.
    theirs = ok(client.get(f"{NET}/floatingips", headers=net_hdr(demo_token)))["floatingips"]
    assert {f["id"] for f in theirs} == made
    assert {f["project_id"] for f in theirs} == {project_of(client, demo_token)}

    listed = ok(client.get(f"{API}/os-floating-ips", headers=h))["floating_ips"]
    assert {f["id"] for f in listed} == made
    assert ok(client.get(f"{API}/os-floating-ips", headers=hdr(other_token)))["floating_ips"] == []
    shown = ok(client.get(f"{API}/os-floating-ips/{first['id']}", headers=h))["floating_ip"]
    assert shown == first
    hidden = client.get(f"{API}/os-floating-ips/{first['id']}", headers=hdr(other_token))
    assert fault(hidden, 404) == f"Floating IP not found for ID {first['id']}"

    unknown = client.post(f"{API}/os-floating-ips", json={"pool": "nowhere"}, headers=h)
    assert fault(unknown, 404) == "Floating IP pool not found."
    private, _ = network_with_subnet(client, demo_token, "10.3.0.0/24")
    not_external = client.post(f"{API}/os-floating-ips", json={"pool": private["id"]}, headers=h)
    assert fault(not_external, 404) == "Floating IP pool not found."
    bad = client.post(f"{API}/os-floating-ips", json={"pool": 5}, headers=h)
    assert fault(bad, 400).startswith("Invalid input for field 'pool'")

    assert client.delete(f"{API}/os-floating-ips/{first['id']}", headers=h).status_code == 202
    gone = client.get(f"{API}/os-floating-ips/{first['id']}", headers=h)
    assert fault(gone, 404) == f"Floating IP not found for ID {first['id']}"
    again = client.delete(f"{API}/os-floating-ips/{first['id']}", headers=h)
    assert fault(again, 404) == f"Floating IP not found for ID {first['id']}"


def test_floating_ip_pool_exhausted_and_quota(
    client: TestClient, demo_token: str, admin_token: str, public_network: str
) -> None:
    h = hdr(demo_token)
    tiny = create(client, admin_token, "network", name="tiny", **{"router:external": True})
    create(client, admin_token, "subnet", network_id=tiny["id"], ip_version=4, cidr="192.0.2.0/30")
    assert {"name": "tiny"} in ok(client.get(f"{API}/os-floating-ip-pools", headers=h))["floating_ip_pools"]
    ok(client.post(f"{API}/os-floating-ips", json={"pool": "tiny"}, headers=h))  # its only address
    empty = client.post(f"{API}/os-floating-ips", json={"pool": "tiny"}, headers=h)
    assert fault(empty, 404) == "No more floating IPs in pool tiny."

    project = project_of(client, demo_token)
    quota = {"quota": {"floatingip": 1}}
    ok(client.put(f"{NET}/quotas/{project}", json=quota, headers=net_hdr(admin_token)))
    over = client.post(f"{API}/os-floating-ips", json={"pool": "public"}, headers=h)
    assert fault(over, 403) == "IP allocation over quota in pool public."
    assert (
        fault(client.post(f"{API}/os-floating-ips", json=None, headers=h), 403) == "IP allocation over quota."
    )


def test_floating_ip_policy(client: TestClient, admin_token: str, cloud: Cloud, public_network: str) -> None:
    from pocketstack.core.identity.bootstrap import Account, bootstrap
    from tests.functional.conftest import issue_token

    bootstrap(cloud.db, cloud.verifier, [Account("watcher", "demo", "reader", "watch-pw-123")], "", "")
    reader = issue_token(client, "watcher", "watch-pw-123", "demo")
    assert ok(client.get(f"{API}/os-floating-ips", headers=hdr(reader)))["floating_ips"] == []
    assert ok(client.get(f"{API}/os-security-groups", headers=hdr(reader)))["security_groups"]
    assert fault(client.post(f"{API}/os-floating-ips", headers=hdr(reader)), 403)
    body = {"security_group": {"name": "x", "description": ""}}
    assert fault(client.post(f"{API}/os-security-groups", json=body, headers=hdr(reader)), 403)


# -- os-security-groups and os-security-group-rules -----------------------------------------------
def test_security_groups_in_nova_shape(client: TestClient, demo_token: str, admin_token: str) -> None:
    h = hdr(demo_token)
    project = project_of(client, demo_token)
    listed = ok(client.get(f"{API}/os-security-groups", headers=h))["security_groups"]
    (default,) = listed  # the project's default group, made on first need as Neutron makes it
    assert (default["name"], default["tenant_id"]) == ("default", project)
    # Only ingress rules, here the two from the group's own members (IPv4 and IPv6).
    assert len(default["rules"]) == 2
    for rule in default["rules"]:
        assert rule["group"] == {"name": "default", "tenant_id": project} and rule["ip_range"] == {}
        assert (rule["ip_protocol"], rule["from_port"], rule["to_port"]) == (None, None, None)
        assert rule["parent_group_id"] == default["id"]

    resp = client.post(
        f"{API}/os-security-groups", json={"security_group": {"name": "web", "description": "w"}}, headers=h
    )
    assert resp.status_code == 200, resp.text
    web = resp.json()["security_group"]
    assert set(web) == {"id", "name", "description", "tenant_id", "rules"}
    assert (web["name"], web["description"], web["tenant_id"], web["rules"]) == ("web", "w", project, [])
    neutron = ok(client.get(f"{NET}/security-groups/{web['id']}", headers=net_hdr(demo_token)))
    assert neutron["security_group"]["name"] == "web"

    body = {"security_group": {"name": "web2", "description": "changed"}}
    updated = ok(client.put(f"{API}/os-security-groups/{web['id']}", json=body, headers=h))["security_group"]
    assert (updated["name"], updated["description"]) == ("web2", "changed")
    assert ok(client.get(f"{API}/os-security-groups/{web['id']}", headers=h))["security_group"] == updated
    names = [g["name"] for g in ok(client.get(f"{API}/os-security-groups", headers=h))["security_groups"]]
    assert names == ["default", "web2"]
    limited = ok(client.get(f"{API}/os-security-groups?limit=1&offset=1", headers=h))["security_groups"]
    assert len(limited) == 1
    everyone = ok(client.get(f"{API}/os-security-groups?all_tenants=1", headers=hdr(admin_token)))
    assert web["id"] in {g["id"] for g in everyone["security_groups"]}
    just_admins = ok(client.get(f"{API}/os-security-groups", headers=hdr(admin_token)))["security_groups"]
    assert web["id"] not in {g["id"] for g in just_admins}

    # Nova's answers to what Neutron refuses.
    named_default = {"security_group": {"name": "default", "description": ""}}
    refused = client.post(f"{API}/os-security-groups", json=named_default, headers=h)
    assert fault(refused, 403) == "Default security group already exists."
    renamed = client.put(f"{API}/os-security-groups/{default['id']}", json=body, headers=h)
    assert fault(renamed, 400)
    assert fault(client.get(f"{API}/os-security-groups/not-a-uuid", headers=h), 400) == (
        "Security group id should be uuid"
    )
    missing = "00000000-0000-0000-0000-000000000000"
    assert missing in fault(client.get(f"{API}/os-security-groups/{missing}", headers=h), 404)
    assert fault(client.get(f"{API}/os-security-groups?limit=x", headers=h), 400)
    for bad in (
        {"security_group": {"name": "x"}},
        {"security_group": {"name": "x" * 256, "description": ""}},
    ):
        assert fault(client.post(f"{API}/os-security-groups", json=bad, headers=h), 400)

    assert client.delete(f"{API}/os-security-groups/{web['id']}", headers=h).status_code == 202
    assert fault(client.get(f"{API}/os-security-groups/{web['id']}", headers=h), 404)
    assert fault(client.delete(f"{API}/os-security-groups/{default['id']}", headers=h), 400)


def test_security_group_rules_as_nova_makes_them(client: TestClient, demo_token: str) -> None:
    h = hdr(demo_token)
    project = project_of(client, demo_token)
    body = {"security_group": {"name": "web", "description": ""}}
    web = ok(client.post(f"{API}/os-security-groups", json=body, headers=h))["security_group"]
    default = next(
        g
        for g in ok(client.get(f"{API}/os-security-groups", headers=h))["security_groups"]
        if g["name"] == "default"
    )

    def add(**rule: Any) -> httpx.Response:
        doc = {"security_group_rule": {"parent_group_id": web["id"], **rule}}
        return client.post(f"{API}/os-security-group-rules", json=doc, headers=h)

    ssh = add(ip_protocol="tcp", from_port=22, to_port=22, cidr="10.0.0.0/8")
    assert ssh.status_code == 200, ssh.text
    rule = ssh.json()["security_group_rule"]
    assert rule == {
        "id": rule["id"],
        "parent_group_id": web["id"],
        "ip_protocol": "tcp",
        "from_port": 22,
        "to_port": 22,
        "group": {},
        "ip_range": {"cidr": "10.0.0.0/8"},
    }
    neutron = ok(client.get(f"{NET}/security-group-rules/{rule['id']}", headers=net_hdr(demo_token)))
    n = neutron["security_group_rule"]
    assert (n["direction"], n["ethertype"], n["port_range_min"], n["port_range_max"]) == (
        "ingress",
        "IPv4",
        22,
        22,
    )
    assert n["remote_ip_prefix"] == "10.0.0.0/8"

    ping = add(ip_protocol="icmp", from_port=-1, to_port=-1, cidr="::/0").json()["security_group_rule"]
    assert (ping["from_port"], ping["to_port"], ping["ip_range"]) == (-1, -1, {"cidr": "::/0"})
    from_group = add(ip_protocol="tcp", group_id=default["id"]).json()["security_group_rule"]
    assert (from_group["from_port"], from_group["to_port"]) == (1, 65535)
    assert (from_group["group"], from_group["ip_range"]) == ({"name": "default", "tenant_id": project}, {})
    everything = add(group_id=web["id"]).json()["security_group_rule"]  # no protocol: all of it
    assert (everything["ip_protocol"], everything["from_port"]) == (None, None)

    shown = ok(client.get(f"{API}/os-security-groups/{web['id']}", headers=h))["security_group"]
    assert {r["id"] for r in shown["rules"]} == {rule["id"], ping["id"], from_group["id"], everything["id"]}

    # Nova's checks, in Nova's words; then Neutron's duplicate check, as Nova answers it.
    assert fault(add(ip_protocol="tcp", from_port=22, to_port=22, cidr="10.0.0.0/8"), 400) == (
        f"This rule already exists in group {web['id']}"
    )
    assert fault(add(ip_protocol="TCP", from_port=22, to_port=22, cidr="10.0.0.0/8"), 403).startswith(
        "Security group rule already exists."
    )
    cases = [
        ({"cidr": "10.0.0.0/8"}, "Not enough parameters to build a valid rule."),
        ({"ip_protocol": "tcp", "from_port": 80, "to_port": 22}, "Invalid port range 80:22. Former value"),
        ({"ip_protocol": "udp", "from_port": 0, "to_port": 22}, "Valid UDP ports should be between 1-65535"),
        ({"ip_protocol": "icmp", "from_port": 300, "to_port": 0}, "For ICMP, the type:code must be valid"),
        ({"ip_protocol": "gre", "from_port": 1, "to_port": 1}, "Invalid IP protocol gre."),
        ({"ip_protocol": "tcp", "from_port": "a", "to_port": 1}, "To and From ports must be integers"),
        ({"ip_protocol": "tcp", "from_port": [1], "to_port": 1}, "malformed"),
        (
            {"ip_protocol": "tcp", "from_port": 1, "to_port": 2, "cidr": "10.0.0.1"},
            "is not a valid IP network",
        ),
        (
            {"ip_protocol": "tcp", "from_port": 1, "to_port": 2, "cidr": "10.0.0.1/0"},
            "Bad prefix for network",
        ),
        ({"parent_group_id": "x"}, "parent_group_id"),
    ]
    for given, words in cases:
        assert words in fault(add(**given), 400), given
    unknown = add(ip_protocol="tcp", group_id="00000000-0000-0000-0000-000000000000")
    assert fault(unknown, 404)

    assert client.delete(f"{API}/os-security-group-rules/{rule['id']}", headers=h).status_code == 202
    assert (
        client.get(f"{NET}/security-group-rules/{rule['id']}", headers=net_hdr(demo_token)).status_code == 404
    )
    assert fault(client.delete(f"{API}/os-security-group-rules/{rule['id']}", headers=h), 404)
    assert fault(client.delete(f"{API}/os-security-group-rules/nope", headers=h), 400)


# -- a server's security groups -------------------------------------------------------------------
def test_server_security_groups_and_actions(
    client: TestClient, demo_token: str, other_token: str, image_id: str
) -> None:
    h = hdr(demo_token, "2.96")  # served at every microversion
    net, _ = network_with_subnet(client, demo_token)
    sid = boot(client, demo_token, image_id)
    assert fault(action(client, demo_token, sid, {"addSecurityGroup": {"name": "default"}}), 404) == (
        f"instance_id {sid} could not be found as device id on any ports"
    )
    port = server_port(client, demo_token, net["id"], sid)
    default_id = port_groups(client, demo_token, port["id"])[0]
    body = {"security_group": {"name": "web", "description": ""}}
    web = ok(client.post(f"{API}/os-security-groups", json=body, headers=hdr(demo_token)))["security_group"]

    listed = ok(client.get(f"{API}/servers/{sid}/os-security-groups", headers=h))["security_groups"]
    assert [(g["id"], g["name"]) for g in listed] == [(default_id, "default")]
    assert len(listed[0]["rules"]) == 2

    added = action(client, demo_token, sid, {"addSecurityGroup": {"name": "web"}}, "2.96")
    assert added.status_code == 202 and not added.content
    assert sorted(port_groups(client, demo_token, port["id"])) == sorted([default_id, web["id"]])
    listed = ok(client.get(f"{API}/servers/{sid}/os-security-groups", headers=h))["security_groups"]
    assert [g["name"] for g in listed] == ["default", "web"]
    again = action(client, demo_token, sid, {"addSecurityGroup": {"name": web["id"]}})  # by id
    assert "Duplicate" in fault(again, 400)

    removed = action(client, demo_token, sid, {"removeSecurityGroup": {"name": web["id"]}})
    assert removed.status_code == 202
    assert port_groups(client, demo_token, port["id"]) == [default_id]
    assert fault(action(client, demo_token, sid, {"removeSecurityGroup": {"name": "web"}}), 404) == (
        f"Security group web not associated with the instance {sid}"
    )
    project = project_of(client, demo_token)
    assert fault(action(client, demo_token, sid, {"addSecurityGroup": {"name": "nope"}}), 404) == (
        f"Security group nope is not found for project {project}"
    )
    assert fault(action(client, demo_token, sid, {"addSecurityGroup": {"name": "  "}}), 400) == (
        "Security group name cannot be empty"
    )
    for bad in (
        {"addSecurityGroup": {}},
        {"addSecurityGroup": {"name": "x", "y": 1}},
        {"addSecurityGroup": "x"},
    ):
        assert fault(action(client, demo_token, sid, bad), 400)

    for _ in range(2):
        client.post(
            f"{NET}/security-groups", json={"security_group": {"name": "twin"}}, headers=net_hdr(demo_token)
        )
    twin = action(client, demo_token, sid, {"addSecurityGroup": {"name": "twin"}})
    assert "Multiple security_group matches found for name 'twin'" in fault(twin, 409, "conflictingRequest")

    # Another project's server is not there for them.
    hidden = client.get(f"{API}/servers/{sid}/os-security-groups", headers=hdr(other_token))
    assert fault(hidden, 404) == f"Instance {sid} could not be found."
    assert fault(action(client, other_token, sid, {"addSecurityGroup": {"name": "web"}}), 404)


def test_security_group_needs_port_security(client: TestClient, demo_token: str, image_id: str) -> None:
    net, _ = network_with_subnet(client, demo_token)
    sid = boot(client, demo_token, image_id)
    server_port(client, demo_token, net["id"], sid, port_security_enabled=False, security_groups=[])
    assert ok(client.get(f"{API}/servers/{sid}/os-security-groups", headers=hdr(demo_token))) == {
        "security_groups": []
    }
    refused = action(client, demo_token, sid, {"addSecurityGroup": {"name": "default"}})
    assert fault(refused, 400) == (
        "Network requires port_security_enabled and subnet associated in order to apply security groups."
    )


# -- floating IPs on a server ---------------------------------------------------------------------
def routed_server(client: TestClient, token: str, image_id: str, public: str) -> tuple[str, dict]:
    """A server with a port on a subnet a router connects to ``public``."""
    net, sub = network_with_subnet(client, token, "10.60.0.0/24")
    router = create(client, token, "router", name="r", external_gateway_info={"network_id": public})
    interface = {"subnet_id": sub["id"]}
    ok(
        client.put(
            f"{NET}/routers/{router['id']}/add_router_interface", json=interface, headers=net_hdr(token)
        )
    )
    sid = boot(client, token, image_id)
    return sid, server_port(client, token, net["id"], sid)


def test_add_and_remove_floating_ip(
    client: TestClient, demo_token: str, other_token: str, image_id: str, public_network: str
) -> None:
    sid, port = routed_server(client, demo_token, image_id, public_network)
    fixed = port["fixed_ips"][0]["ip_address"]
    fip = ok(client.post(f"{API}/os-floating-ips", headers=hdr(demo_token)))["floating_ip"]

    added = action(client, demo_token, sid, {"addFloatingIp": {"address": fip["ip"]}}, "2.43")
    assert added.status_code == 202 and not added.content
    neutron = ok(client.get(f"{NET}/floatingips/{fip['id']}", headers=net_hdr(demo_token)))["floatingip"]
    assert (neutron["port_id"], neutron["fixed_ip_address"], neutron["status"]) == (
        port["id"],
        fixed,
        "ACTIVE",
    )
    shown = ok(client.get(f"{API}/os-floating-ips/{fip['id']}", headers=hdr(demo_token)))["floating_ip"]
    assert (shown["instance_id"], shown["fixed_ip"]) == (sid, fixed)

    # A second floating IP for the same fixed IP: Neutron's 409, Nova's 400.
    second = ok(client.post(f"{API}/os-floating-ips", headers=hdr(demo_token)))["floating_ip"]
    taken = action(
        client, demo_token, sid, {"addFloatingIp": {"address": second["ip"], "fixed_address": fixed}}
    )
    assert "already has a floating IP" in fault(taken, 400)

    removed = action(client, demo_token, sid, {"removeFloatingIp": {"address": fip["ip"]}}, "2.43")
    assert removed.status_code == 202
    neutron = ok(client.get(f"{NET}/floatingips/{fip['id']}", headers=net_hdr(demo_token)))["floatingip"]
    assert (neutron["port_id"], neutron["status"]) == (None, "DOWN")
    not_on = action(client, demo_token, sid, {"removeFloatingIp": {"address": fip["ip"]}})
    assert (
        fault(not_on, 409, "conflictingRequest")
        == f"Floating IP {fip['ip']} is not associated with instance {sid}."
    )

    # Gone from 2.44, as in Nova.
    for name in ("addFloatingIp", "removeFloatingIp"):
        late = action(client, demo_token, sid, {name: {"address": fip["ip"]}}, "2.44")
        assert fault(late, 404) == NOT_FOUND

    # Nova's errors.
    unknown = action(client, demo_token, sid, {"addFloatingIp": {"address": "192.0.2.99"}})
    assert fault(unknown, 404) == "floating IP not found"
    not_mine = action(
        client, demo_token, sid, {"addFloatingIp": {"address": fip["ip"], "fixed_address": "10.9.9.9"}}
    )
    assert fault(not_mine, 400) == "Specified fixed address not assigned to instance"
    gone = action(client, demo_token, sid, {"removeFloatingIp": {"address": "192.0.2.99"}})
    assert fault(gone, 404) == "Floating IP not found for address 192.0.2.99."
    assert fault(action(client, demo_token, sid, {"addFloatingIp": {"address": "nope"}}), 400)
    assert fault(action(client, demo_token, sid, {"addFloatingIp": {"address": fip["ip"], "x": 1}}), 400)
    assert fault(action(client, other_token, sid, {"addFloatingIp": {"address": fip["ip"]}}), 404)

    # Deleting an associated floating IP through the proxy lets it go.
    ok(action(client, demo_token, sid, {"addFloatingIp": {"address": fip["ip"]}}), 202)
    assert client.delete(f"{API}/os-floating-ips/{fip['id']}", headers=hdr(demo_token)).status_code == 202
    assert client.get(f"{NET}/floatingips/{fip['id']}", headers=net_hdr(demo_token)).status_code == 404


def test_floating_ip_needs_an_address_and_a_route(
    client: TestClient, demo_token: str, image_id: str, public_network: str
) -> None:
    fip = ok(client.post(f"{API}/os-floating-ips", headers=hdr(demo_token)))["floating_ip"]
    bare = boot(client, demo_token, image_id, "bare")
    body = {"addFloatingIp": {"address": fip["ip"]}}
    assert fault(action(client, demo_token, bare, body), 400) == "Instance network is not ready yet"

    lonely, _ = network_with_subnet(client, demo_token, "10.61.0.0/24")
    sid = boot(client, demo_token, image_id, "unrouted")
    port = server_port(client, demo_token, lonely["id"], sid)
    fixed = port["fixed_ips"][0]["ip_address"]
    message = fault(action(client, demo_token, sid, body), 400)
    assert message.startswith(
        f"Unable to associate floating IP {fip['ip']} to fixed IP {fixed} for instance {sid}."
    )
    assert "is not reachable" in message

    no_address = boot(client, demo_token, image_id, "no-address")
    server_port(client, demo_token, lonely["id"], no_address, fixed_ips=[])
    assert fault(action(client, demo_token, no_address, body), 400) == "No fixed IPs associated to instance"
