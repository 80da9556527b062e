"""Network v2: discovery, extensions, networks (CRUD, policy, visibility, If-Match, tags) and
the error envelope."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from pocketstack.api.network_v2.handlers.extensions import EXTENSIONS
from pocketstack.cloud import Cloud
from pocketstack.core.network.seed import seed_public_network
from tests.functional import network_support
from tests.functional.network_support import (
    NET,
    create,
    error,
    hdr,
    ok,
)

other_token = network_support.other_token  # a fixture
public_network = network_support.public_network  # a fixture


def test_version_discovery(client: TestClient) -> None:
    versions = ok(client.get("/network"))["versions"]
    assert [(v["id"], v["status"]) for v in versions] == [("v2.0", "CURRENT")]
    assert versions[0]["links"][0]["href"] == "http://testserver/network/v2.0/"
    resources = ok(client.get(f"{NET}/"))["resources"]
    assert {"networks", "subnets", "ports", "subnetpools", "address_scopes"} <= {
        r["collection"] for r in resources
    }
    network = next(r for r in resources if r["name"] == "network")
    assert network["links"] == [{"rel": "self", "href": "http://testserver/network/v2.0/networks"}]


def test_extensions_list_what_is_served(client: TestClient, demo_token: str) -> None:
    listed = ok(client.get(f"{NET}/extensions", headers=hdr(demo_token)))["extensions"]
    aliases = {e["alias"] for e in listed}
    assert aliases == {e[0] for e in EXTENSIONS}
    assert {"external-net", "provider", "standard-attr-tag", "quotas", "revision-if-match"} <= aliases
    assert {"security-group", "rbac-policies", "stateful-security-group"} <= aliases
    assert not aliases & {"rbac-security-groups", "dns-integration", "agent", "l3-ha", "dvr"}
    assert all(set(e) == {"alias", "name", "description", "updated", "links"} for e in listed)
    one = ok(client.get(f"{NET}/extensions/external-net", headers=hdr(demo_token)))["extension"]
    assert one["name"] == "Neutron external network"
    error(client.get(f"{NET}/extensions/dvr", headers=hdr(demo_token)), 404, "HTTPNotFound")
    assert client.get(f"{NET}/extensions").status_code == 401


def test_network_crud(client: TestClient, demo_token: str) -> None:
    h = hdr(demo_token)
    net = create(client, demo_token, "network", name="n1", description="first", tags=["a"])
    assert (net["status"], net["admin_state_up"], net["shared"], net["router:external"]) == (
        "ACTIVE",
        True,
        False,
        False,
    )
    assert net["tenant_id"] == net["project_id"] and net["subnets"] == [] and net["tags"] == ["a"]
    assert (net["mtu"], net["port_security_enabled"], net["l2_adjacency"]) == (1450, True, True)
    assert net["created_at"].endswith("Z") and len(net["created_at"]) == 20
    assert "provider:network_type" not in net  # admin only
    assert ok(client.get(f"{NET}/networks/{net['id']}", headers=h))["network"] == net
    updated = ok(
        client.put(f"{NET}/networks/{net['id']}", json={"network": {"name": "n2", "mtu": 1400}}, headers=h)
    )
    assert (updated["network"]["name"], updated["network"]["mtu"]) == ("n2", 1400)
    assert updated["network"]["revision_number"] == net["revision_number"] + 1
    assert client.delete(f"{NET}/networks/{net['id']}", headers=h).status_code == 204
    body = error(client.get(f"{NET}/networks/{net['id']}", headers=h), 404, "NetworkNotFound")
    assert body["message"] == f"Network {net['id']} could not be found."


def test_bad_input_is_a_400_in_the_neutron_envelope(client: TestClient, demo_token: str) -> None:
    h = hdr(demo_token)
    cases = [
        {"network": {"name": "x", "colour": "red"}},
        {"network": {"status": "DOWN"}},
        {"network": {"admin_state_up": "maybe"}},
        {"network": {"name": 5}},
        {"network": {"mtu": 9000}},
        {"network": {"dns_domain": "-bad-.example."}},
        {"netwerk": {}},
    ]
    for body in cases:
        error(client.post(f"{NET}/networks", json=body, headers=h), 400)
    assert (
        "Unrecognized attribute(s) 'colour'"
        in error(client.post(f"{NET}/networks", json=cases[0], headers=h), 400)["message"]
    )
    error(client.post(f"{NET}/networks", content=b"{", headers=h), 400, "HTTPBadRequest")
    error(client.patch(f"{NET}/networks", headers=h), 405, "HTTPMethodNotAllowed")
    error(client.get(f"{NET}/lbaas/loadbalancers", headers=h), 404, "HTTPNotFound")


def test_members_cannot_set_admin_attributes(client: TestClient, demo_token: str, admin_token: str) -> None:
    h = hdr(demo_token)
    for attrs in (
        {"router:external": True},
        {"shared": True},
        {"provider:network_type": "vlan", "provider:physical_network": "p", "provider:segmentation_id": 5},
    ):
        error(client.post(f"{NET}/networks", json={"network": attrs}, headers=h), 403, "PolicyNotAuthorized")
    net = create(client, demo_token, "network", name="mine", shared=False)  # the default value is allowed
    error(client.put(f"{NET}/networks/{net['id']}", json={"network": {"shared": True}}, headers=h), 403)
    admin = create(
        client,
        admin_token,
        "network",
        name="vlan",
        **{
            "provider:network_type": "vlan",
            "provider:physical_network": "physnet1",
            "provider:segmentation_id": 42,
        },
    )
    assert (admin["provider:network_type"], admin["provider:segmentation_id"], admin["mtu"]) == (
        "vlan",
        42,
        1500,
    )
    again = {
        "provider:network_type": "vlan",
        "provider:physical_network": "physnet1",
        "provider:segmentation_id": 42,
    }
    error(client.post(f"{NET}/networks", json={"network": again}, headers=hdr(admin_token)), 409)


def test_visibility_own_shared_and_external(
    client: TestClient, demo_token: str, admin_token: str, other_token: str, public_network: str
) -> None:
    mine = create(client, demo_token, "network", name="mine")
    shared = create(client, admin_token, "network", name="shared", shared=True)
    hidden = create(client, admin_token, "network", name="hidden")
    seen = {n["name"] for n in ok(client.get(f"{NET}/networks", headers=hdr(other_token)))["networks"]}
    assert seen == {"shared", "public"}
    demo_seen = {n["name"] for n in ok(client.get(f"{NET}/networks", headers=hdr(demo_token)))["networks"]}
    assert demo_seen == {"mine", "shared", "public"}
    error(client.get(f"{NET}/networks/{mine['id']}", headers=hdr(other_token)), 404, "NetworkNotFound")
    error(client.get(f"{NET}/networks/{hidden['id']}", headers=hdr(demo_token)), 404)
    error(client.delete(f"{NET}/networks/{mine['id']}", headers=hdr(other_token)), 404)
    assert ok(client.get(f"{NET}/networks/{shared['id']}", headers=hdr(other_token)))["network"]["shared"]
    # Visible is not writable: another project's shared network is a 403 to change.
    body = {"network": {"name": "taken"}}
    error(
        client.put(f"{NET}/networks/{shared['id']}", json=body, headers=hdr(demo_token)),
        403,
        "PolicyNotAuthorized",
    )
    public = ok(client.get(f"{NET}/networks/{public_network}", headers=hdr(demo_token)))["network"]
    assert (public["name"], public["router:external"], public["shared"], public["is_default"]) == (
        "public",
        True,
        False,
        True,
    )
    everything = {n["name"] for n in ok(client.get(f"{NET}/networks", headers=hdr(admin_token)))["networks"]}
    assert {"mine", "shared", "hidden", "public"} <= everything


def test_if_match_revision_number(client: TestClient, demo_token: str) -> None:
    h = hdr(demo_token)
    net = create(client, demo_token, "network", name="rev")
    stale = {**h, "If-Match": f"revision_number={net['revision_number'] + 5}"}
    body = error(
        client.put(f"{NET}/networks/{net['id']}", json={"network": {"name": "x"}}, headers=stale), 412
    )
    assert body["type"] == "RevisionNumberConstraintFailed"
    error(client.delete(f"{NET}/networks/{net['id']}", headers=stale), 412)
    current = {**h, "If-Match": f"revision_number={net['revision_number']}"}
    ok(client.put(f"{NET}/networks/{net['id']}", json={"network": {"name": "x"}}, headers=current))
    error(client.put(f"{NET}/networks/{net['id']}", json={"network": {"name": "y"}}, headers=current), 412)
    double = {**h, "If-Match": "revision_number=1, revision_number=2"}
    error(client.delete(f"{NET}/networks/{net['id']}", headers=double), 400)
    error(client.delete(f"{NET}/networks/{net['id']}", headers={**h, "If-Match": "revision_number=x"}), 400)
    fresh = {**h, "If-Match": f'"revision_number={net["revision_number"] + 1}"'}
    assert client.delete(f"{NET}/networks/{net['id']}", headers=fresh).status_code == 204


def test_tags(client: TestClient, demo_token: str, other_token: str) -> None:
    h = hdr(demo_token)
    net = create(client, demo_token, "network", name="tagged")
    tags = f"{NET}/networks/{net['id']}/tags"
    assert ok(client.put(tags, json={"tags": ["b", "a", "b"]}, headers=h)) == {"tags": ["a", "b"]}
    assert client.put(f"{tags}/c", headers=h).status_code == 201
    assert ok(client.get(tags, headers=h)) == {"tags": ["a", "b", "c"]}
    assert client.get(f"{tags}/a", headers=h).status_code == 204
    error(client.get(f"{tags}/zzz", headers=h), 404, "TagNotFound")
    assert client.delete(f"{tags}/a", headers=h).status_code == 204
    error(client.delete(f"{tags}/a", headers=h), 404, "TagNotFound")
    shown = ok(client.get(f"{NET}/networks/{net['id']}", headers=h))["network"]
    assert shown["tags"] == ["b", "c"] and shown["revision_number"] == net["revision_number"] + 3
    error(client.put(f"{tags}/x", headers=hdr(other_token)), 404)
    error(client.put(tags, json={"tags": ["x" * 256]}, headers=h), 400)
    assert client.delete(tags, headers=h).status_code == 204
    assert ok(client.get(tags, headers=h)) == {"tags": []}


@pytest.mark.parametrize("tags", [None, "ab", {"a": 1}, 5])
def test_tags_that_are_no_list_are_a_400(client: TestClient, demo_token: str, tags: object) -> None:
    """Found by the route fuzz: ``{"tags": null}`` was a 500 (list(None)); a text or an object
    was taken as its letters or keys."""
    h = hdr(demo_token)
    net = create(client, demo_token, "network", name="tagged", tags=["keep"])
    path = f"{NET}/networks/{net['id']}/tags"
    error(client.put(path, json={"tags": tags}, headers=h), 400)
    assert ok(client.get(path, headers=h)) == {"tags": ["keep"]}


def test_delete_network_with_ports_is_a_409_and_takes_subnets(client: TestClient, demo_token: str) -> None:
    h = hdr(demo_token)
    net = create(client, demo_token, "network", name="busy")
    subnet = create(client, demo_token, "subnet", network_id=net["id"], ip_version=4, cidr="10.9.0.0/24")
    port = create(client, demo_token, "port", network_id=net["id"])
    body = error(client.delete(f"{NET}/networks/{net['id']}", headers=h), 409, "NetworkInUse")
    assert "ports still in use" in body["message"]
    assert client.delete(f"{NET}/ports/{port['id']}", headers=h).status_code == 204
    assert client.delete(f"{NET}/networks/{net['id']}", headers=h).status_code == 204
    error(client.get(f"{NET}/subnets/{subnet['id']}", headers=h), 404, "SubnetNotFound")


def test_unsharing_a_network_other_projects_use_is_a_409(
    client: TestClient, admin_token: str, other_token: str
) -> None:
    net = create(client, admin_token, "network", name="commons", shared=True)
    create(client, admin_token, "subnet", network_id=net["id"], ip_version=4, cidr="10.8.0.0/24")
    port = create(client, other_token, "port", network_id=net["id"])
    assert port["fixed_ips"][0]["ip_address"] == "10.8.0.2"
    body = {"network": {"shared": False}}
    error(
        client.put(f"{NET}/networks/{net['id']}", json=body, headers=hdr(admin_token)),
        409,
        "InvalidSharedSetting",
    )


def test_bulk_create_is_all_or_nothing(client: TestClient, demo_token: str) -> None:
    h = hdr(demo_token)
    made = ok(
        client.post(f"{NET}/networks", json={"networks": [{"name": "b1"}, {"name": "b2"}]}, headers=h), 201
    )
    assert [n["name"] for n in made["networks"]] == ["b1", "b2"]
    failing = {"networks": [{"name": "b3"}, {"name": "b4", "mtu": 99999}]}
    error(client.post(f"{NET}/networks", json=failing, headers=h), 400)
    names = {n["name"] for n in ok(client.get(f"{NET}/networks", headers=h))["networks"]}
    assert "b3" not in names and {"b1", "b2"} <= names


def test_public_network_is_made_once(
    client: TestClient, cloud: Cloud, admin_token: str, public_network: str
) -> None:
    settings = cloud.settings
    assert seed_public_network(cloud.db, settings.public_network_cidr, settings.public_network_pool) is None
    public = ok(client.get(f"{NET}/networks/{public_network}", headers=hdr(admin_token)))["network"]
    assert (public["provider:network_type"], public["provider:physical_network"], public["mtu"]) == (
        "flat",
        "public",
        1500,
    )
    subnet = ok(client.get(f"{NET}/subnets/{public['subnets'][0]}", headers=hdr(admin_token)))["subnet"]
    assert (subnet["name"], subnet["cidr"], subnet["gateway_ip"], subnet["enable_dhcp"]) == (
        "public-subnet",
        "172.24.4.0/24",
        "172.24.4.1",
        False,
    )
    assert client.delete(f"{NET}/networks/{public_network}", headers=hdr(admin_token)).status_code == 204
    assert seed_public_network(cloud.db, settings.public_network_cidr, settings.public_network_pool) is None
    error(client.get(f"{NET}/networks/{public_network}", headers=hdr(admin_token)), 404)
