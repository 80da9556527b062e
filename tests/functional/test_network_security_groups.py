"""Network v2 security groups: the default group made on first need (once, however many requests
race for it), what may not be done to it, CRUD and tags, the groups of ports, quotas."""

from __future__ import annotations

from collections import Counter
from typing import Any

from starlette.testclient import TestClient

from tests.functional import network_support
from tests.functional.network_support import NET, create, error, hdr, network_with_subnet, ok, project_of
from tests.functional.test_network_concurrency import race

other_token = network_support.other_token  # a fixture
SG = f"{NET}/security-groups"
UNKNOWN = "5e2b1b8e-2c4f-4b7e-9d61-3f5c0f0c0a11"


def groups(client: TestClient, token: str, query: str = "") -> list[dict[str, Any]]:
    return ok(client.get(f"{SG}?{query}", headers=hdr(token)))["security_groups"]


def post_group(client: TestClient, token: str, **attrs: Any) -> Any:
    return client.post(SG, json={"security_group": attrs}, headers=hdr(token))


def put(client: TestClient, token: str, path: str, kind: str, **attrs: Any) -> Any:
    return client.put(f"{NET}/{path}", json={kind: attrs}, headers=hdr(token))


def test_the_default_group_is_made_on_first_list(
    client: TestClient, demo_token: str, other_token: str
) -> None:
    first = groups(client, demo_token)
    assert [(g["name"], g["description"], g["stateful"]) for g in first] == [
        ("default", "Default security group", True)
    ]
    default = first[0]
    rules = {
        (r["direction"], r["ethertype"], r["remote_group_id"], r["protocol"], r["remote_ip_prefix"])
        for r in default["security_group_rules"]
    }
    assert rules == {
        ("egress", "IPv4", None, None, None),
        ("egress", "IPv6", None, None, None),
        ("ingress", "IPv4", default["id"], None, None),
        ("ingress", "IPv6", default["id"], None, None),
    }
    assert all(r["belongs_to_default_sg"] for r in default["security_group_rules"])
    assert groups(client, demo_token) == first  # made once
    others = groups(client, other_token)
    assert [g["name"] for g in others] == ["default"] and others[0]["id"] != default["id"]
    project = project_of(client, demo_token)
    usage = ok(client.get(f"{NET}/quotas/{project}/details", headers=hdr(demo_token)))["quota"]
    assert (usage["security_group"]["used"], usage["security_group_rule"]["used"]) == (1, 4)


def test_group_crud_and_tags(client: TestClient, demo_token: str) -> None:
    h = hdr(demo_token)
    web = create(
        client, demo_token, "security_group", name="web", description="www", stateful=False, tags=["t"]
    )
    assert (web["name"], web["description"], web["stateful"], web["tags"]) == ("web", "www", False, ["t"])
    assert {(r["direction"], r["ethertype"]) for r in web["security_group_rules"]} == {
        ("egress", "IPv4"),
        ("egress", "IPv6"),
    }
    assert not any(r["belongs_to_default_sg"] for r in web["security_group_rules"])
    assert ok(client.get(f"{SG}/{web['id']}", headers=h))["security_group"] == web
    changed = ok(
        put(client, demo_token, f"security-groups/{web['id']}", "security_group", name="www", stateful=True)
    )
    assert (changed["security_group"]["name"], changed["security_group"]["stateful"]) == ("www", True)
    assert changed["security_group"]["revision_number"] == web["revision_number"] + 1
    assert client.put(f"{SG}/{web['id']}/tags/blue", headers=h).status_code == 201
    assert ok(client.get(f"{SG}/{web['id']}/tags", headers=h)) == {"tags": ["blue", "t"]}
    assert [g["name"] for g in groups(client, demo_token, "tags=blue")] == ["www"]
    assert sorted(g["name"] for g in groups(client, demo_token)) == ["default", "www"]
    assert [g["name"] for g in groups(client, demo_token, "name=www&fields=name")] == ["www"]
    error(put(client, demo_token, f"security-groups/{web['id']}", "security_group", name="x" * 256), 400)
    error(put(client, demo_token, f"security-groups/{web['id']}", "security_group", name=True), 400)
    error(put(client, demo_token, f"security-groups/{web['id']}", "security_group", project_id="p"), 400)
    assert client.delete(f"{SG}/{web['id']}", headers=h).status_code == 204
    body = error(client.get(f"{SG}/{web['id']}", headers=h), 404, "SecurityGroupNotFound")
    assert body["message"] == f"Security group {web['id']} does not exist"


def test_what_the_default_group_refuses(client: TestClient, demo_token: str, admin_token: str) -> None:
    default = groups(client, demo_token)[0]
    path = f"security-groups/{default['id']}"
    body = error(
        put(client, demo_token, path, "security_group", name="mine"), 409, "SecurityGroupCannotUpdateDefault"
    )
    assert body["message"] == "Updating default security group not allowed."
    ok(put(client, demo_token, path, "security_group", description="changed"))
    for name in ("default", "Default"):
        error(post_group(client, demo_token, name=name), 409, "SecurityGroupDefaultAlreadyExists")
    web = create(client, demo_token, "security_group", name="web")
    error(put(client, demo_token, f"security-groups/{web['id']}", "security_group", name="default"), 409)
    body = error(
        client.delete(f"{NET}/{path}", headers=hdr(demo_token)), 409, "SecurityGroupCannotRemoveDefault"
    )
    assert body["message"] == "Insufficient rights for removing default security group."
    assert client.delete(f"{NET}/{path}", headers=hdr(admin_token)).status_code == 204
    again = [g for g in groups(client, demo_token) if g["name"] == "default"]
    assert len(again) == 1 and again[0]["id"] != default["id"]  # made anew when next needed


def test_visibility(client: TestClient, demo_token: str, other_token: str, admin_token: str) -> None:
    web = create(client, demo_token, "security_group", name="web")
    error(client.get(f"{SG}/{web['id']}", headers=hdr(other_token)), 404, "SecurityGroupNotFound")
    error(client.delete(f"{SG}/{web['id']}", headers=hdr(other_token)), 404)
    assert web["id"] not in {g["id"] for g in groups(client, other_token)}
    assert web["id"] in {g["id"] for g in groups(client, admin_token)}
    rule = {"security_group_id": web["id"], "direction": "ingress", "protocol": "udp"}
    body = client.post(
        f"{NET}/security-group-rules", json={"security_group_rule": rule}, headers=hdr(other_token)
    )
    error(body, 404, "SecurityGroupNotFound")
    by_admin = create(client, admin_token, "security_group_rule", **rule)
    assert by_admin["project_id"] == project_of(client, admin_token)
    seen = ok(client.get(f"{SG}/{web['id']}", headers=hdr(demo_token)))["security_group"]
    assert by_admin["id"] in {r["id"] for r in seen["security_group_rules"]}
    listed = ok(client.get(f"{NET}/security-group-rules", headers=hdr(demo_token)))["security_group_rules"]
    assert by_admin["id"] in {r["id"] for r in listed}
    mine = create(client, admin_token, "security_group", name="admins")
    admin_rule = create(
        client, admin_token, "security_group_rule", security_group_id=mine["id"], direction="ingress"
    )
    assert admin_rule["id"] not in {r["id"] for r in listed}


def test_the_groups_of_ports(client: TestClient, demo_token: str, admin_token: str, other_token: str) -> None:
    net, _ = network_with_subnet(client, demo_token)
    default = groups(client, demo_token)[0]["id"]
    web = create(client, demo_token, "security_group", name="web")
    loose = create(client, demo_token, "security_group", name="loose", stateful=False)
    port = create(client, demo_token, "port", network_id=net["id"])
    assert port["security_groups"] == [default]
    assert create(client, demo_token, "port", network_id=net["id"], security_groups=[web["id"]])[
        "security_groups"
    ] == [web["id"]]
    assert (
        create(client, demo_token, "port", network_id=net["id"], security_groups=[])["security_groups"] == []
    )
    assert (
        create(client, demo_token, "port", network_id=net["id"], security_groups=None)["security_groups"]
        == []
    )
    unsecured = create(client, demo_token, "port", network_id=net["id"], port_security_enabled=False)
    assert unsecured["security_groups"] == []
    dhcp = create(client, admin_token, "port", network_id=net["id"], device_owner="network:dhcp")
    assert dhcp["security_groups"] == []

    def post_port(**attrs: Any) -> Any:
        return client.post(
            f"{NET}/ports", json={"port": {"network_id": net["id"], **attrs}}, headers=hdr(demo_token)
        )

    body = error(
        post_port(port_security_enabled=False, security_groups=[web["id"]]),
        400,
        "PortSecurityAndIPRequiredForSecurityGroups",
    )
    assert "Port security must be enabled" in body["message"]
    error(post_port(security_groups=[web["id"], web["id"]]), 400)
    error(post_port(security_groups=[web["id"], loose["id"]]), 409, "SecurityGroupConflict")
    theirs = create(client, other_token, "security_group", name="theirs")
    error(post_port(security_groups=[theirs["id"]]), 404, "SecurityGroupNotFound")
    body = error(post_port(security_groups=[web["id"], UNKNOWN]), 404, "SecurityGroupNotFound")
    assert body["message"] == f"Security group {UNKNOWN} does not exist"

    path = f"ports/{port['id']}"
    error(
        put(client, demo_token, path, "port", port_security_enabled=False),
        409,
        "PortSecurityPortHasSecurityGroup",
    )
    error(put(client, demo_token, path, "port", security_groups=[UNKNOWN]), 404)
    assert ok(client.get(f"{NET}/{path}", headers=hdr(demo_token)))["port"]["security_groups"] == [default]
    moved = ok(put(client, demo_token, path, "port", security_groups=[web["id"], default]))["port"]
    assert sorted(moved["security_groups"]) == sorted([web["id"], default])
    listed = ok(client.get(f"{NET}/ports?security_groups={web['id']}", headers=hdr(demo_token)))["ports"]
    assert port["id"] in {p["id"] for p in listed}
    error(client.delete(f"{SG}/{web['id']}", headers=hdr(demo_token)), 409, "SecurityGroupInUse")
    error(client.delete(f"{SG}/{web['id']}", headers=hdr(admin_token)), 409, "SecurityGroupInUse")
    error(
        put(client, demo_token, f"security-groups/{web['id']}", "security_group", stateful=False),
        409,
        "SecurityGroupInUse",
    )
    off = ok(put(client, demo_token, path, "port", port_security_enabled=False, security_groups=[]))["port"]
    assert (off["port_security_enabled"], off["security_groups"]) == (False, [])
    error(
        put(client, demo_token, path, "port", security_groups=[default]),
        400,
        "PortSecurityAndIPRequiredForSecurityGroups",
    )
    for made in ok(client.get(f"{NET}/ports?security_groups={web['id']}", headers=hdr(demo_token)))["ports"]:
        assert client.delete(f"{NET}/ports/{made['id']}", headers=hdr(demo_token)).status_code == 204
    assert client.delete(f"{SG}/{web['id']}", headers=hdr(demo_token)).status_code == 204


def test_quotas_count_groups_and_their_rules(client: TestClient, demo_token: str, admin_token: str) -> None:
    project = project_of(client, demo_token)
    quota = f"{NET}/quotas/{project}"
    ok(client.put(quota, json={"quota": {"security_group": 2}}, headers=hdr(admin_token)))
    create(client, demo_token, "security_group", name="one")  # and the default group: 2
    body = error(post_group(client, demo_token, name="two"), 409, "OverQuota")
    assert body["message"] == "Quota exceeded for resources: ['security_group']."
    ok(
        client.put(
            quota, json={"quota": {"security_group": 10, "security_group_rule": 7}}, headers=hdr(admin_token)
        )
    )
    error(post_group(client, demo_token, name="two"), 409, "OverQuota")  # 4 + 2 used, 2 more needed
    usage = ok(client.get(f"{quota}/details", headers=hdr(demo_token)))["quota"]
    assert (usage["security_group"]["used"], usage["security_group_rule"]["used"]) == (2, 6)
    one = next(g for g in groups(client, demo_token) if g["name"] == "one")
    create(client, demo_token, "security_group_rule", security_group_id=one["id"], direction="ingress")
    rule = {"security_group_id": one["id"], "direction": "ingress", "protocol": "tcp"}
    body = error(
        client.post(
            f"{NET}/security-group-rules", json={"security_group_rule": rule}, headers=hdr(demo_token)
        ),
        409,
    )
    assert body["message"] == "Quota exceeded for resources: ['security_group_rule']."


def test_one_default_group_however_many_first_requests_race(
    client: TestClient, admin_token: str, other_token: str
) -> None:
    """The first requests of a project (lists of groups and of rules, group and port creates)
    all at once: exactly one default group, on SQLite and PostgreSQL."""
    net = create(client, admin_token, "network", name="commons", shared=True)
    create(client, admin_token, "subnet", network_id=net["id"], ip_version=4, cidr="10.70.0.0/24")
    h = hdr(other_token)

    def send(i: int) -> Any:
        kind = i % 4
        if kind == 0:
            return client.get(SG, headers=h)
        if kind == 1:
            return client.get(f"{NET}/security-group-rules", headers=h)
        if kind == 2:
            return client.post(SG, json={"security_group": {"name": f"g{i}"}}, headers=h)
        return client.post(f"{NET}/ports", json={"port": {"network_id": net["id"]}}, headers=h)

    answers = race(24, send, workers=24)
    assert Counter(a.status_code for a in answers) == {200: 12, 201: 12}, [a.text for a in answers][:3]
    project = project_of(client, other_token)
    defaults = groups(client, admin_token, f"project_id={project}&name=default")
    assert len(defaults) == 1
    ports = [a.json()["port"] for a in answers if "port" in a.json()]
    assert {tuple(p["security_groups"]) for p in ports} == {(defaults[0]["id"],)}
    rules = ok(client.get(f"{NET}/security-group-rules?security_group_id={defaults[0]['id']}", headers=h))
    assert len(rules["security_group_rules"]) == 4
