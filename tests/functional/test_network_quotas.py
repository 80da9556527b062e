"""Network v2 quotas: limits, defaults, usage details, enforcement at create (409 OverQuota) and
who may read or change them."""

from __future__ import annotations

from starlette.testclient import TestClient

from pocketstack.core.network.quotas import DEFAULTS
from tests.functional import network_support
from tests.functional.network_support import NET, create, error, hdr, network_with_subnet, ok, project_of

other_token = network_support.other_token  # a fixture


def test_defaults_and_usage(client: TestClient, demo_token: str) -> None:
    project = project_of(client, demo_token)
    h = hdr(demo_token)
    expected = {
        "network": 100,
        "subnet": 100,
        "port": 500,
        "router": 10,
        "floatingip": 50,
        "security_group": 10,
        "security_group_rule": 100,
        "rbac_policy": 10,
        "subnetpool": -1,
    }
    assert expected == DEFAULTS
    assert ok(client.get(f"{NET}/quotas/{project}", headers=h)) == {"quota": expected}
    assert ok(client.get(f"{NET}/quotas/{project}/default", headers=h)) == {"quota": expected}
    net, _ = network_with_subnet(client, demo_token)
    create(client, demo_token, "port", network_id=net["id"])
    details = ok(client.get(f"{NET}/quotas/{project}/details", headers=h))["quota"]
    assert details["network"] == {"limit": 100, "used": 1, "reserved": 0}
    assert (details["subnet"]["used"], details["port"]["used"], details["router"]["used"]) == (1, 1, 0)


def test_admin_sets_limits_and_creates_are_refused_past_them(
    client: TestClient, demo_token: str, admin_token: str
) -> None:
    project = project_of(client, demo_token)
    a = hdr(admin_token)
    changed = ok(
        client.put(f"{NET}/quotas/{project}", json={"quota": {"port": 2, "network": "1"}}, headers=a)
    )
    assert (changed["quota"]["port"], changed["quota"]["network"], changed["quota"]["subnet"]) == (2, 1, 100)
    net, _ = network_with_subnet(client, demo_token)
    body = error(
        client.post(f"{NET}/networks", json={"network": {}}, headers=hdr(demo_token)), 409, "OverQuota"
    )
    assert body["message"] == "Quota exceeded for resources: ['network']."
    for _ in range(2):
        create(client, demo_token, "port", network_id=net["id"])
    body = error(
        client.post(f"{NET}/ports", json={"port": {"network_id": net["id"]}}, headers=hdr(demo_token)), 409
    )
    assert (body["type"], body["message"]) == ("OverQuota", "Quota exceeded for resources: ['port'].")
    listed = ok(client.get(f"{NET}/quotas", headers=a))["quotas"]
    assert [(q["project_id"], q["port"]) for q in listed] == [(project, 2)]
    assert client.delete(f"{NET}/quotas/{project}", headers=a).status_code == 204
    assert ok(client.get(f"{NET}/quotas/{project}", headers=a))["quota"]["port"] == 500
    assert create(client, demo_token, "port", network_id=net["id"])
    assert ok(client.get(f"{NET}/quotas", headers=a)) == {"quotas": []}


def test_who_may_read_and_change_quotas(client: TestClient, demo_token: str, other_token: str) -> None:
    project = project_of(client, demo_token)
    h = hdr(demo_token)
    error(
        client.put(f"{NET}/quotas/{project}", json={"quota": {"port": 5}}, headers=h),
        403,
        "PolicyNotAuthorized",
    )
    error(client.delete(f"{NET}/quotas/{project}", headers=h), 403)
    error(client.get(f"{NET}/quotas", headers=h), 403)
    error(client.get(f"{NET}/quotas/{project}", headers=hdr(other_token)), 403)


def test_bad_quota_values(client: TestClient, demo_token: str, admin_token: str) -> None:
    project = project_of(client, demo_token)
    a = hdr(admin_token)
    for body in (
        {"quota": {"ports": 5}},
        {"quota": {"port": "many"}},
        {"quota": {"port": -2}},
        {"quotas": {}},
    ):
        error(client.put(f"{NET}/quotas/{project}", json=body, headers=a), 400, "HTTPBadRequest")
    ok(client.put(f"{NET}/quotas/{project}", json={"quota": {"port": -1}}, headers=a))
