"""Network v2 RBAC policies: sharing a network with one project (it sees the network and its
subnets and may make ports there), making it external for one project, ``shared`` as the ``*``
policy, who may do what, policies in use, quotas."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.functional import network_support
from tests.functional.network_support import NET, create, error, hdr, network_with_subnet, ok, project_of

other_token = network_support.other_token  # a fixture
public_network = network_support.public_network  # a fixture
RBAC = f"{NET}/rbac-policies"


def post_policy(client: TestClient, token: str, **attrs: Any) -> Any:
    return client.post(RBAC, json={"rbac_policy": attrs}, headers=hdr(token))


def share(
    client: TestClient, token: str, network_id: str, target: str, action: str = "access_as_shared"
) -> Any:
    attrs = {"object_type": "network", "object_id": network_id, "action": action, "target_tenant": target}
    return ok(post_policy(client, token, **attrs), 201)["rbac_policy"]


def policies(client: TestClient, token: str, query: str = "") -> list[dict[str, Any]]:
    return ok(client.get(f"{RBAC}?{query}", headers=hdr(token)))["rbac_policies"]


def test_sharing_a_network_with_one_project(
    client: TestClient, admin_token: str, demo_token: str, other_token: str
) -> None:
    net, sub = network_with_subnet(client, admin_token, "10.80.0.0/24")
    demo = project_of(client, demo_token)
    error(client.get(f"{NET}/networks/{net['id']}", headers=hdr(demo_token)), 404, "NetworkNotFound")
    policy = share(client, admin_token, net["id"], demo)
    assert policy == {
        "id": policy["id"],
        "tenant_id": project_of(client, admin_token),
        "project_id": project_of(client, admin_token),
        "object_type": "network",
        "object_id": net["id"],
        "action": "access_as_shared",
        "target_tenant": demo,
    }
    seen = ok(client.get(f"{NET}/networks/{net['id']}", headers=hdr(demo_token)))["network"]
    assert seen["shared"] is True and seen["revision_number"] > net["revision_number"]
    assert (
        ok(client.get(f"{NET}/networks/{net['id']}", headers=hdr(admin_token)))["network"]["shared"] is False
    )
    assert (
        ok(client.get(f"{NET}/subnets/{sub['id']}", headers=hdr(demo_token)))["subnet"]["cidr"]
        == "10.80.0.0/24"
    )
    assert net["id"] in {
        n["id"] for n in ok(client.get(f"{NET}/networks", headers=hdr(demo_token)))["networks"]
    }
    error(client.get(f"{NET}/networks/{net['id']}", headers=hdr(other_token)), 404)
    error(client.get(f"{NET}/subnets/{sub['id']}", headers=hdr(other_token)), 404)
    port = create(client, demo_token, "port", network_id=net["id"])
    assert port["fixed_ips"][0]["subnet_id"] == sub["id"]
    body = {"port": {"network_id": net["id"]}}
    error(client.post(f"{NET}/ports", json=body, headers=hdr(other_token)), 404, "NetworkNotFound")
    body = error(client.delete(f"{RBAC}/{policy['id']}", headers=hdr(admin_token)), 409, "RbacPolicyInUse")
    assert body["message"].startswith(f"RBAC policy on object {net['id']} cannot be removed")
    assert client.delete(f"{NET}/ports/{port['id']}", headers=hdr(demo_token)).status_code == 204
    assert client.delete(f"{RBAC}/{policy['id']}", headers=hdr(admin_token)).status_code == 204
    error(client.get(f"{NET}/networks/{net['id']}", headers=hdr(demo_token)), 404)
    error(client.get(f"{RBAC}/{policy['id']}", headers=hdr(admin_token)), 404, "RbacPolicyNotFound")


def test_an_owner_shares_its_network_but_not_with_everyone(
    client: TestClient, demo_token: str, other_token: str, admin_token: str
) -> None:
    net, _ = network_with_subnet(client, demo_token, "10.81.0.0/24")
    other = project_of(client, other_token)
    policy = share(client, demo_token, net["id"], other)
    assert create(client, other_token, "port", network_id=net["id"])["project_id"] == other
    wildcard = {
        "object_type": "network",
        "object_id": net["id"],
        "action": "access_as_shared",
        "target_tenant": "*",
    }
    error(post_policy(client, demo_token, **wildcard), 403, "PolicyNotAuthorized")
    change = {"rbac_policy": {"target_tenant": "*"}}
    error(client.put(f"{RBAC}/{policy['id']}", json=change, headers=hdr(demo_token)), 403)
    assert [p["id"] for p in policies(client, demo_token)] == [policy["id"]]
    assert policies(client, other_token) == []  # the project a policy names does not see it
    error(client.get(f"{RBAC}/{policy['id']}", headers=hdr(other_token)), 404, "RbacPolicyNotFound")
    everyone = share(client, admin_token, net["id"], "*")
    assert ok(client.get(f"{NET}/networks/{net['id']}", headers=hdr(demo_token)))["network"]["shared"] is True
    assert [p["id"] for p in policies(client, admin_token, f"object_id={net['id']}&target_tenant=*")] == [
        everyone["id"]
    ]
    assert policies(client, admin_token, f"id={policy['id']}&fields=action&fields=id") == [
        {"id": policy["id"], "action": "access_as_shared"}
    ]


def test_who_may_create_which_policy(
    client: TestClient, admin_token: str, demo_token: str, other_token: str
) -> None:
    demo, other = project_of(client, demo_token), project_of(client, other_token)
    admins = create(client, admin_token, "network", name="admins")
    mine = create(client, demo_token, "network", name="mine")
    share(client, admin_token, admins["id"], demo)

    def policy(**attrs: Any) -> dict[str, Any]:
        return {
            "object_type": "network",
            "object_id": mine["id"],
            "action": "access_as_shared",
            "target_tenant": other,
            **attrs,
        }

    cases: list[tuple[dict[str, Any], int, str]] = [
        (policy(object_id=admins["id"]), 400, "InvalidInput"),  # visible by RBAC, but not its own
        (policy(object_id="5e2b1b8e-2c4f-4b7e-9d61-3f5c0f0c0a11"), 400, "InvalidInput"),
        (policy(object_id="not-a-uuid"), 400, "HTTPBadRequest"),
        (policy(object_type="router"), 400, "InvalidInput"),
        (policy(action="access_as_owner"), 400, "InvalidActionForType"),
        (policy(target_tenant=None), 400, "HTTPBadRequest"),
        (policy(target_tenant="1234" * 100), 400, "InvalidInput"),
        (policy(colour="red"), 400, "HTTPBadRequest"),
        ({k: v for k, v in policy().items() if k != "action"}, 400, "HTTPBadRequest"),
    ]
    for attrs, status, kind in cases:
        error(client.post(RBAC, json={"rbac_policy": attrs}, headers=hdr(demo_token)), status, kind)
    made = ok(post_policy(client, demo_token, **policy()), 201)["rbac_policy"]
    error(post_policy(client, demo_token, **policy()), 409, "DuplicateRbacPolicy")
    error(post_policy(client, admin_token, **policy()), 409, "DuplicateRbacPolicy")
    error(client.delete(f"{RBAC}/{made['id']}", headers=hdr(other_token)), 404)


def test_shared_true_is_the_wildcard_policy(client: TestClient, admin_token: str, other_token: str) -> None:
    net = create(client, admin_token, "network", name="commons", shared=True)
    wildcard = policies(client, admin_token, f"object_id={net['id']}")
    assert [(p["action"], p["target_tenant"], p["project_id"]) for p in wildcard] == [
        ("access_as_shared", "*", net["project_id"])
    ]
    assert client.delete(f"{RBAC}/{wildcard[0]['id']}", headers=hdr(admin_token)).status_code == 204
    assert (
        ok(client.get(f"{NET}/networks/{net['id']}", headers=hdr(admin_token)))["network"]["shared"] is False
    )
    error(client.get(f"{NET}/networks/{net['id']}", headers=hdr(other_token)), 404)
    ok(
        client.put(
            f"{NET}/networks/{net['id']}", json={"network": {"shared": True}}, headers=hdr(admin_token)
        )
    )
    assert len(policies(client, admin_token, f"object_id={net['id']}&action=access_as_shared")) == 1
    listed = ok(client.get(f"{NET}/networks?shared=true", headers=hdr(admin_token)))["networks"]
    assert net["id"] in {n["id"] for n in listed}
    create(client, admin_token, "subnet", network_id=net["id"], ip_version=4, cidr="10.82.0.0/24")
    create(client, other_token, "port", network_id=net["id"])
    unshare = {"network": {"shared": False}}
    error(
        client.put(f"{NET}/networks/{net['id']}", json=unshare, headers=hdr(admin_token)),
        409,
        "InvalidSharedSetting",
    )
    own = share(client, admin_token, net["id"], project_of(client, other_token))
    unshared = ok(client.put(f"{NET}/networks/{net['id']}", json=unshare, headers=hdr(admin_token)))[
        "network"
    ]
    assert unshared["shared"] is False  # the project with ports keeps its own policy
    assert (
        ok(client.get(f"{NET}/networks/{net['id']}", headers=hdr(other_token)))["network"]["shared"] is True
    )
    assert [p["id"] for p in policies(client, admin_token, f"object_id={net['id']}")] == [own["id"]]


def test_deleting_a_network_takes_its_policies(client: TestClient, admin_token: str, demo_token: str) -> None:
    net = create(client, admin_token, "network", name="short-lived", shared=True)
    share(client, admin_token, net["id"], project_of(client, demo_token))
    assert len(policies(client, admin_token, f"object_id={net['id']}")) == 2
    assert client.delete(f"{NET}/networks/{net['id']}", headers=hdr(admin_token)).status_code == 204
    assert policies(client, admin_token, f"object_id={net['id']}") == []


def test_external_for_one_project(
    client: TestClient, admin_token: str, demo_token: str, other_token: str, public_network: str
) -> None:
    net = create(client, admin_token, "network", name="uplink")
    policy = share(client, admin_token, net["id"], project_of(client, demo_token), "access_as_external")
    seen = ok(client.get(f"{NET}/networks/{net['id']}", headers=hdr(demo_token)))["network"]
    assert (seen["router:external"], seen["shared"]) == (True, False)
    error(client.get(f"{NET}/networks/{net['id']}", headers=hdr(other_token)), 404)
    error(client.post(f"{NET}/ports", json={"port": {"network_id": net["id"]}}, headers=hdr(demo_token)), 403)
    assert client.delete(f"{RBAC}/{policy['id']}", headers=hdr(admin_token)).status_code == 204
    shown = ok(client.get(f"{NET}/networks/{net['id']}", headers=hdr(admin_token)))["network"]
    assert shown["router:external"] is False  # its last external policy went
    public = policies(client, admin_token, f"object_id={public_network}")
    assert [(p["action"], p["target_tenant"]) for p in public] == [("access_as_external", "*")]
    body = error(client.delete(f"{RBAC}/{public[0]['id']}", headers=hdr(admin_token)), 409, "RbacPolicyInUse")
    assert "Default external networks must be shared to everyone." in body["message"]
    ok(
        client.put(
            f"{NET}/networks/{net['id']}",
            json={"network": {"router:external": True}},
            headers=hdr(admin_token),
        )
    )
    assert len(policies(client, admin_token, f"object_id={net['id']}&target_tenant=*")) == 1
    assert ok(client.get(f"{NET}/networks/{net['id']}", headers=hdr(other_token)))["network"][
        "router:external"
    ]


def test_retargeting_a_policy(
    client: TestClient, demo_token: str, other_token: str, admin_token: str
) -> None:
    net, _ = network_with_subnet(client, demo_token, "10.83.0.0/24")
    other = project_of(client, other_token)
    policy = share(client, demo_token, net["id"], other)
    port = create(client, other_token, "port", network_id=net["id"])
    admin = project_of(client, admin_token)
    change = {"rbac_policy": {"target_tenant": admin}}
    error(client.put(f"{RBAC}/{policy['id']}", json=change, headers=hdr(demo_token)), 409, "RbacPolicyInUse")
    error(
        client.put(f"{RBAC}/{policy['id']}", json={"rbac_policy": {"action": "x"}}, headers=hdr(demo_token)),
        400,
    )
    assert client.delete(f"{NET}/ports/{port['id']}", headers=hdr(other_token)).status_code == 204
    moved = ok(client.put(f"{RBAC}/{policy['id']}", json=change, headers=hdr(demo_token)))["rbac_policy"]
    assert moved == {**policy, "target_tenant": admin}
    error(client.get(f"{NET}/networks/{net['id']}", headers=hdr(other_token)), 404)
    self_share = share(client, demo_token, net["id"], net["project_id"])
    create(client, demo_token, "port", network_id=net["id"])
    assert client.delete(f"{RBAC}/{self_share['id']}", headers=hdr(demo_token)).status_code == 204


def test_rbac_quota(client: TestClient, demo_token: str, admin_token: str) -> None:
    demo = project_of(client, demo_token)
    ok(client.put(f"{NET}/quotas/{demo}", json={"quota": {"rbac_policy": 2}}, headers=hdr(admin_token)))
    net = create(client, demo_token, "network", name="n")
    targets = ["0" * 31 + str(i) for i in range(3)]
    share(client, demo_token, net["id"], targets[0])
    share(client, demo_token, net["id"], targets[1])
    body = error(
        post_policy(
            client,
            demo_token,
            object_type="network",
            object_id=net["id"],
            action="access_as_shared",
            target_tenant=targets[2],
        ),
        409,
        "OverQuota",
    )
    assert body["message"] == "Quota exceeded for resources: ['rbac_policy']."
    usage = ok(client.get(f"{NET}/quotas/{demo}/details", headers=hdr(demo_token)))["quota"]["rbac_policy"]
    assert (usage["limit"], usage["used"]) == (2, 2)
