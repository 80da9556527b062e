"""Network v2 security group rules: Neutron's checks of protocols, ports, prefixes and remotes
with its error types, normalisation, duplicates, lists and deletes."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.functional.network_support import NET, create, error, hdr, ok

RULES = f"{NET}/security-group-rules"
UNKNOWN = "5e2b1b8e-2c4f-4b7e-9d61-3f5c0f0c0a11"
BAD_RULES: list[tuple[dict[str, Any], int, str]] = [
    ({"protocol": "warp"}, 400, "SecurityGroupRuleInvalidProtocol"),
    ({"protocol": 256}, 400, "SecurityGroupRuleInvalidProtocol"),
    ({"protocol": "tcp", "port_range_min": 0, "port_range_max": 10}, 400, "SecurityGroupInvalidPortValue"),
    (
        {"protocol": "tcp", "port_range_min": 70000, "port_range_max": 70000},
        400,
        "SecurityGroupInvalidPortValue",
    ),
    ({"protocol": "tcp", "port_range_min": 30, "port_range_max": 20}, 400, "SecurityGroupInvalidPortRange"),
    ({"protocol": "udp", "port_range_min": 53}, 400, "SecurityGroupInvalidPortRange"),
    ({"protocol": "icmp", "port_range_min": 300}, 400, "SecurityGroupInvalidIcmpValue"),
    ({"protocol": "icmp", "port_range_max": 0}, 400, "SecurityGroupMissingIcmpType"),
    (
        {"protocol": "gre", "port_range_min": 1, "port_range_max": 2},
        400,
        "SecurityGroupInvalidProtocolForPort",
    ),
    ({"port_range_min": 22, "port_range_max": 22}, 400, "SecurityGroupProtocolRequiredWithPorts"),
    ({"ethertype": "IPv5"}, 400, "SecurityGroupRuleInvalidEtherType"),
    ({"remote_ip_prefix": "2001:db8::/64"}, 400, "SecurityGroupRuleParameterConflict"),
    ({"remote_ip_prefix": "10.0.0.0/33"}, 400, "InvalidCIDR"),
    ({"protocol": "ipv6-icmp"}, 400, "SecurityGroupEthertypeConflictWithProtocol"),
    ({"protocol": "58"}, 400, "SecurityGroupEthertypeConflictWithProtocol"),
    (
        {"remote_ip_prefix": "10.0.0.0/8", "remote_group_id": "SELF"},
        400,
        "SecurityGroupMultipleRemoteEntites",
    ),
    ({"direction": "up"}, 400, "HTTPBadRequest"),
    ({"direction": None}, 400, "HTTPBadRequest"),
    ({"colour": "red"}, 400, "HTTPBadRequest"),
    ({"security_group_id": UNKNOWN}, 404, "SecurityGroupNotFound"),
    ({"remote_group_id": UNKNOWN}, 404, "SecurityGroupNotFound"),
    ({"remote_address_group_id": UNKNOWN}, 404, "AddressGroupNotFound"),
]


def post_rule(client: TestClient, token: str, **attrs: Any) -> Any:
    return client.post(RULES, json={"security_group_rule": attrs}, headers=hdr(token))


def test_bad_rules_are_refused_as_neutron_refuses_them(client: TestClient, demo_token: str) -> None:
    group = create(client, demo_token, "security_group", name="g")
    for attrs, status, kind in BAD_RULES:
        rule = {"security_group_id": group["id"], "direction": "ingress", **attrs}
        if rule.get("remote_group_id") == "SELF":
            rule["remote_group_id"] = group["id"]
        body = post_rule(client, demo_token, **{k: v for k, v in rule.items() if v is not None})
        assert (body.status_code, body.json()["NeutronError"]["type"]) == (status, kind), (attrs, body.text)
    shown = ok(client.get(f"{NET}/security-groups/{group['id']}", headers=hdr(demo_token)))["security_group"]
    assert len(shown["security_group_rules"]) == 2  # none was made


def test_rules_are_normalised_and_duplicates_refused(client: TestClient, demo_token: str) -> None:
    group = create(client, demo_token, "security_group", name="g")
    gid = group["id"]
    ssh = create(
        client,
        demo_token,
        "security_group_rule",
        security_group_id=gid,
        direction="ingress",
        protocol="TCP",
        port_range_min="22",
        port_range_max=22,
        remote_ip_prefix="10.1.2.3/24",
        ethertype="ipv4",
        description="ssh",
    )
    assert (ssh["protocol"], ssh["port_range_min"], ssh["ethertype"], ssh["description"]) == (
        "tcp",
        22,
        "IPv4",
        "ssh",
    )
    assert (ssh["remote_ip_prefix"], ssh["normalized_cidr"]) == ("10.1.2.3/24", "10.1.2.0/24")
    assert (ssh["remote_group_id"], ssh["remote_address_group_id"], ssh["belongs_to_default_sg"]) == (
        None,
        None,
        False,
    )
    body = error(
        post_rule(
            client,
            demo_token,
            security_group_id=gid,
            direction="ingress",
            protocol="6",
            port_range_min=22,
            port_range_max=22,
            remote_ip_prefix="10.1.2.3/24",
        ),
        409,
        "SecurityGroupRuleExists",
    )
    assert body["message"] == f"Security group rule already exists. Rule id is {ssh['id']}."
    host = create(
        client,
        demo_token,
        "security_group_rule",
        security_group_id=gid,
        direction="ingress",
        remote_ip_prefix="192.168.1.1",
    )
    assert (host["remote_ip_prefix"], host["normalized_cidr"]) == ("192.168.1.1/32", "192.168.1.1/32")
    everything = create(
        client,
        demo_token,
        "security_group_rule",
        security_group_id=gid,
        direction="ingress",
        protocol="any",
        port_range_min=None,
    )
    assert everything["protocol"] is None
    error(
        post_rule(
            client, demo_token, security_group_id=gid, direction="ingress", remote_ip_prefix="0.0.0.0/0"
        ),
        409,
    )
    whole = create(
        client,
        demo_token,
        "security_group_rule",
        security_group_id=gid,
        direction="egress",
        protocol="udp",
        port_range_min=1,
        port_range_max=65535,
    )
    assert (whole["port_range_min"], whole["port_range_max"]) == (None, None)
    ping6 = create(
        client,
        demo_token,
        "security_group_rule",
        security_group_id=gid,
        direction="ingress",
        ethertype="IPv6",
        protocol="icmp",
        port_range_min=128,
        port_range_max=0,
    )
    assert (ping6["protocol"], ping6["port_range_min"], ping6["port_range_max"]) == ("ipv6-icmp", 128, 0)
    error(
        post_rule(
            client,
            demo_token,
            security_group_id=gid,
            direction="ingress",
            ethertype="IPv6",
            protocol="icmpv6",
            port_range_min=128,
            port_range_max=0,
        ),
        409,
        "SecurityGroupRuleExists",
    )
    by_number = create(
        client,
        demo_token,
        "security_group_rule",
        security_group_id=gid,
        direction="ingress",
        protocol=132,
        port_range_min=5000,
        port_range_max=5001,
        remote_group_id=gid,
    )
    assert (by_number["protocol"], by_number["remote_group_id"]) == ("132", gid)
    shown = ok(client.get(f"{NET}/security-groups/{gid}", headers=hdr(demo_token)))["security_group"]
    assert shown["revision_number"] == group["revision_number"] + 6  # each rule is a change of its group
    assert len(shown["security_group_rules"]) == 2 + 6


def test_bulk_rules_are_all_or_nothing(client: TestClient, demo_token: str) -> None:
    gid = create(client, demo_token, "security_group", name="g")["id"]
    rule = {
        "security_group_id": gid,
        "direction": "ingress",
        "protocol": "tcp",
        "port_range_min": 80,
        "port_range_max": 80,
    }
    made = ok(
        client.post(
            RULES,
            json={"security_group_rules": [rule, {**rule, "port_range_min": 79}]},
            headers=hdr(demo_token),
        ),
        201,
    )
    assert len(made["security_group_rules"]) == 2
    twice = {**rule, "port_range_min": 443, "port_range_max": 443}
    error(client.post(RULES, json={"security_group_rules": [twice, twice]}, headers=hdr(demo_token)), 409)
    listed = ok(client.get(f"{RULES}?security_group_id={gid}&protocol=tcp", headers=hdr(demo_token)))
    assert sorted(r["port_range_min"] for r in listed["security_group_rules"]) == [79, 80]


def test_rule_lists_shows_and_deletes(client: TestClient, demo_token: str) -> None:
    h = hdr(demo_token)
    default = ok(client.get(f"{NET}/security-groups", headers=h))["security_groups"][0]
    gid = create(client, demo_token, "security_group", name="g")["id"]
    rule = create(
        client,
        demo_token,
        "security_group_rule",
        security_group_id=gid,
        direction="ingress",
        protocol="tcp",
        port_range_min=443,
        port_range_max=443,
    )
    in_default = ok(client.get(f"{RULES}?belongs_to_default_sg=true", headers=h))["security_group_rules"]
    assert {r["security_group_id"] for r in in_default} == {default["id"]} and len(in_default) == 4
    egress = ok(client.get(f"{RULES}?direction=egress&security_group_id={gid}", headers=h))[
        "security_group_rules"
    ]
    assert {r["ethertype"] for r in egress} == {"IPv4", "IPv6"}
    ports = ok(client.get(f"{RULES}?port_range_min=443&fields=id", headers=h))["security_group_rules"]
    assert ports == [{"id": rule["id"]}]
    sorted_rules = ok(
        client.get(f"{RULES}?security_group_id={gid}&sort_key=direction&sort_dir=asc", headers=h)
    )
    assert [r["direction"] for r in sorted_rules["security_group_rules"]] == ["egress", "egress", "ingress"]
    assert ok(client.get(f"{RULES}/{rule['id']}", headers=h))["security_group_rule"] == rule
    error(client.put(f"{RULES}/{rule['id']}", json={"security_group_rule": {}}, headers=h), 405)
    error(client.get(f"{RULES}/{rule['id']}/tags", headers=h), 404)
    assert client.delete(f"{RULES}/{rule['id']}", headers=h).status_code == 204
    body = error(client.get(f"{RULES}/{rule['id']}", headers=h), 404, "SecurityGroupRuleNotFound")
    assert body["message"] == f"Security group rule {rule['id']} does not exist"
    other = create(client, demo_token, "security_group", name="other")
    create(
        client,
        demo_token,
        "security_group_rule",
        security_group_id=gid,
        direction="ingress",
        remote_group_id=other["id"],
    )
    assert client.delete(f"{NET}/security-groups/{other['id']}", headers=h).status_code == 204
    remaining = ok(client.get(f"{RULES}?security_group_id={gid}", headers=h))["security_group_rules"]
    assert [r["remote_group_id"] for r in remaining] == [None, None]  # went with the group it named
