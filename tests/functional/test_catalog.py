"""/v3/services, /v3/endpoints, /v3/regions, and how they reach the token's catalog."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.store.models import Endpoint, Region, Service
from tests.conftest import ADMIN_PASSWORD, DEMO_PASSWORD
from tests.functional.conftest import auth_headers, password_auth

V3 = "/identity/v3"
TOKENS = f"{V3}/auth/tokens"


def counts(cloud: Cloud) -> tuple[int, int, int]:
    with cloud.db.read() as s:
        return (
            s.scalar(select(func.count()).select_from(Service)),
            s.scalar(select(func.count()).select_from(Endpoint)),
            s.scalar(select(func.count()).select_from(Region)),
        )


def new_service(client: TestClient, token: str, **fields: Any) -> dict:
    body = {"service": {"type": "compute", "name": "nova-legacy", **fields}}
    resp = client.post(f"{V3}/services", json=body, headers=auth_headers(token))
    assert resp.status_code == 201, resp.text
    return resp.json()["service"]


def new_endpoint(client: TestClient, token: str, service_id: str, **fields: Any) -> dict:
    body = {
        "endpoint": {
            "service_id": service_id,
            "interface": "public",
            "url": "http://compute.example:8774/v2.1",
            "region_id": "RegionOne",
            **fields,
        }
    }
    resp = client.post(f"{V3}/endpoints", json=body, headers=auth_headers(token))
    assert resp.status_code == 201, resp.text
    return resp.json()["endpoint"]


def new_region(client: TestClient, token: str, **fields: Any) -> dict:
    resp = client.post(f"{V3}/regions", json={"region": fields}, headers=auth_headers(token))
    assert resp.status_code == 201, resp.text
    return resp.json()["region"]


def token_catalog(client: TestClient) -> list[dict]:
    resp = client.post(TOKENS, json=password_auth("demo", DEMO_PASSWORD, "demo"))
    assert resp.status_code == 201
    return resp.json()["token"]["catalog"]


def auth_catalog(client: TestClient, token: str) -> list[dict]:
    resp = client.get(f"{V3}/auth/catalog", headers=auth_headers(token))
    assert resp.status_code == 200
    return resp.json()["catalog"]


def entry(catalog: list[dict], service_id: str) -> dict | None:
    return next((s for s in catalog if s["id"] == service_id), None)


# -- services ------------------------------------------------------------------------------------
def test_service_create_show_list_filter_update_delete(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    service = new_service(client, admin_token, description="Compute", color="green")
    assert service["type"] == "compute"
    assert service["name"] == "nova-legacy"
    assert service["description"] == "Compute"
    assert service["enabled"] is True
    assert service["color"] == "green"  # unknown attributes are kept, as Keystone keeps them
    assert service["links"]["self"].endswith(f"/identity/v3/services/{service['id']}")
    assert client.get(f"{V3}/services/{service['id']}", headers=h).json()["service"] == service

    volume = new_service(client, admin_token, type="volumev3", name="cinder")
    listed = client.get(f"{V3}/services", headers=h).json()
    bootstrapped = {"identity", "image", "compute", "compute-vnext", "network", "operator", "object-store"}
    assert {s["type"] for s in listed["services"]} == bootstrapped | {"volumev3"}
    assert listed["links"]["self"].endswith("/identity/v3/services")
    by_type = client.get(f"{V3}/services", params={"type": "volumev3"}, headers=h).json()["services"]
    assert [s["id"] for s in by_type] == [volume["id"]]
    by_name = client.get(f"{V3}/services", params={"name": "nova-legacy"}, headers=h).json()["services"]
    assert [s["id"] for s in by_name] == [service["id"]]

    patch = {"service": {"name": "nova2", "enabled": False, "color": "red", "id": service["id"]}}
    resp = client.patch(f"{V3}/services/{service['id']}", json=patch, headers=h)
    assert resp.status_code == 200
    updated = resp.json()["service"]
    assert (updated["name"], updated["enabled"], updated["color"]) == ("nova2", False, "red")
    assert updated["type"] == "compute" and updated["description"] == "Compute"

    assert client.delete(f"{V3}/services/{service['id']}", headers=h).status_code == 204
    gone = client.get(f"{V3}/services/{service['id']}", headers=h)
    assert gone.status_code == 404
    assert gone.json()["error"]["title"] == "Not Found"
    assert client.delete(f"{V3}/services/{service['id']}", headers=h).status_code == 404


def test_service_input_is_checked(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    h = auth_headers(admin_token)
    before = counts(cloud)
    for body in (
        {"service": {"name": "no-type"}},
        {"service": {"type": ""}},
        {"service": {"type": "compute", "enabled": "yes"}},
        {"service": "compute"},
        {"services": {"type": "compute"}},
    ):
        resp = client.post(f"{V3}/services", json=body, headers=h)
        assert resp.status_code == 400, body
        assert resp.json()["error"]["code"] == 400
    assert counts(cloud) == before
    # openstackclient sends null for a name or description the user left out.
    ok = client.post(
        f"{V3}/services", json={"service": {"type": "dns", "name": None, "description": None}}, headers=h
    )
    assert ok.status_code == 201
    dns = ok.json()["service"]
    assert (dns["name"], dns["description"], dns["enabled"]) == ("", "", True)

    path = f"{V3}/services/{dns['id']}"
    assert client.patch(path, json={"service": {}}, headers=h).status_code == 400
    assert client.patch(path, json={"service": {"id": "other"}}, headers=h).status_code == 400
    assert client.patch(path, json={"service": {"type": None}}, headers=h).status_code == 400
    assert client.patch(f"{V3}/services/nope", json={"service": {"name": "x"}}, headers=h).status_code == 404


def test_deleting_a_service_deletes_its_endpoints(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    service = new_service(client, admin_token)
    endpoints = [
        new_endpoint(client, admin_token, service["id"], interface=i) for i in ("public", "internal")
    ]
    assert client.delete(f"{V3}/services/{service['id']}", headers=h).status_code == 204
    for e in endpoints:
        assert client.get(f"{V3}/endpoints/{e['id']}", headers=h).status_code == 404
    listed = client.get(f"{V3}/endpoints", params={"service_id": service["id"]}, headers=h).json()
    assert listed["endpoints"] == []


# -- endpoints -----------------------------------------------------------------------------------
def test_endpoint_create_show_list_filter_update_delete(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    service = new_service(client, admin_token)
    public = new_endpoint(client, admin_token, service["id"], name="nova-public")
    assert public["interface"] == "public"
    assert public["region_id"] == public["region"] == "RegionOne"
    assert public["service_id"] == service["id"]
    assert public["url"] == "http://compute.example:8774/v2.1"
    assert public["enabled"] is True
    assert public["name"] == "nova-public"
    assert public["links"]["self"].endswith(f"/identity/v3/endpoints/{public['id']}")
    assert client.get(f"{V3}/endpoints/{public['id']}", headers=h).json()["endpoint"] == public

    new_region(client, admin_token, id="RegionTwo")
    internal = new_endpoint(client, admin_token, service["id"], interface="internal", region_id="RegionTwo")

    def ids(**params: str) -> set[str]:
        resp = client.get(f"{V3}/endpoints", params=params, headers=h)
        assert resp.status_code == 200
        return {e["id"] for e in resp.json()["endpoints"]}

    assert {public["id"], internal["id"]} <= ids()
    assert len(ids()) == 2 + 3 * 7  # and three of each of the seven bootstrapped services
    assert ids(service_id=service["id"]) == {public["id"], internal["id"]}
    assert ids(service_id=service["id"], interface="internal") == {internal["id"]}
    assert ids(region_id="RegionTwo") == {internal["id"]}
    assert client.get(f"{V3}/endpoints", params={"interface": "private"}, headers=h).status_code == 400

    patch = {"endpoint": {"url": "https://compute.example/v2.1", "region_id": None, "enabled": False}}
    resp = client.patch(f"{V3}/endpoints/{public['id']}", json=patch, headers=h)
    assert resp.status_code == 200
    updated = resp.json()["endpoint"]
    assert updated["url"] == "https://compute.example/v2.1"
    assert updated["region_id"] is None and updated["region"] is None
    assert updated["enabled"] is False
    assert updated["interface"] == "public"

    assert client.delete(f"{V3}/endpoints/{public['id']}", headers=h).status_code == 204
    assert client.get(f"{V3}/endpoints/{public['id']}", headers=h).status_code == 404
    assert client.delete(f"{V3}/endpoints/{public['id']}", headers=h).status_code == 404


def test_endpoint_needs_a_known_service_region_interface_and_url(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    h = auth_headers(admin_token)
    service = new_service(client, admin_token)
    good = {"service_id": service["id"], "interface": "public", "url": "http://x.example/"}
    before = counts(cloud)
    cases = [
        ({**good, "service_id": "no-such-service"}, "service_id"),
        ({**good, "region_id": "Atlantis"}, "region_id"),
        ({**good, "interface": "private"}, "interface"),
        ({k: v for k, v in good.items() if k != "url"}, "url"),
        ({**good, "url": "not a url"}, "url"),
        ({**good, "url": "http://x.example/$(tenant)s"}, "invalid URL"),
        ({k: v for k, v in good.items() if k != "service_id"}, "service_id"),
        ({k: v for k, v in good.items() if k != "interface"}, "interface"),
    ]
    for body, hint in cases:
        resp = client.post(f"{V3}/endpoints", json={"endpoint": body}, headers=h)
        assert resp.status_code == 400, (body, resp.text)
        assert hint in resp.json()["error"]["message"], resp.json()
    assert counts(cloud) == before

    templated = {**good, "url": "http://x.example/v1/$(project_id)s"}
    assert client.post(f"{V3}/endpoints", json={"endpoint": templated}, headers=h).status_code == 201

    created = new_endpoint(client, admin_token, service["id"])
    path = f"{V3}/endpoints/{created['id']}"
    for patch in ({"service_id": "no-such"}, {"region_id": "Atlantis"}, {"interface": "x"}, {}, {"id": "x"}):
        resp = client.patch(path, json={"endpoint": patch}, headers=h)
        assert resp.status_code == 400, patch
    assert client.get(path, headers=h).json()["endpoint"] == created


def test_legacy_region_attribute_creates_the_region(client: TestClient, admin_token: str) -> None:
    """COMPAT: Keystone creates a region named with the v2-style ``region`` when it is missing."""
    h = auth_headers(admin_token)
    service = new_service(client, admin_token)
    body = {
        "endpoint": {"service_id": service["id"], "interface": "admin", "url": "http://a/", "region": "West"}
    }
    resp = client.post(f"{V3}/endpoints", json=body, headers=h)
    assert resp.status_code == 201
    assert resp.json()["endpoint"]["region_id"] == "West"
    region = client.get(f"{V3}/regions/West", headers=h)
    assert region.status_code == 200
    assert region.json()["region"]["parent_region_id"] is None


# -- regions -------------------------------------------------------------------------------------
def test_region_create_by_post_and_put_show_list_update(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    generated = new_region(client, admin_token, description="Somewhere")
    assert len(generated["id"]) == 32
    assert generated["description"] == "Somewhere"
    assert generated["parent_region_id"] is None
    assert generated["links"]["self"].endswith(f"/identity/v3/regions/{generated['id']}")
    assert new_region(client, admin_token, id="")["id"] not in ("", generated["id"])

    named = new_region(client, admin_token, id="East", parent_region_id="RegionOne", owner="ops")
    assert named["parent_region_id"] == "RegionOne"
    assert named["owner"] == "ops"
    put = client.put(f"{V3}/regions/East-1", json={"region": {"parent_region_id": "East"}}, headers=h)
    assert put.status_code == 201
    assert put.json()["region"]["id"] == "East-1"
    assert put.json()["region"]["description"] == ""
    same = client.put(f"{V3}/regions/East-2", json={"region": {"id": "East-2"}}, headers=h)
    assert same.status_code == 201

    assert client.get(f"{V3}/regions/East-1", headers=h).json()["region"] == put.json()["region"]
    listed = client.get(f"{V3}/regions", headers=h).json()
    assert {"RegionOne", "East", "East-1", "East-2", generated["id"]} <= {r["id"] for r in listed["regions"]}
    children = client.get(f"{V3}/regions", params={"parent_region_id": "RegionOne"}, headers=h).json()
    assert [r["id"] for r in children["regions"]] == ["East"]
    assert children["links"]["self"].endswith("/identity/v3/regions?parent_region_id=RegionOne")

    patch = {"region": {"description": "East coast", "parent_region_id": None, "owner": "net"}}
    resp = client.patch(f"{V3}/regions/East", json=patch, headers=h)
    assert resp.status_code == 200
    region = resp.json()["region"]
    assert (region["description"], region["parent_region_id"], region["owner"]) == ("East coast", None, "net")


def test_region_errors(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    h = auth_headers(admin_token)
    new_region(client, admin_token, id="Top")
    new_region(client, admin_token, id="Middle", parent_region_id="Top")
    new_region(client, admin_token, id="Bottom", parent_region_id="Middle")
    before = counts(cloud)

    dup = client.post(f"{V3}/regions", json={"region": {"id": "Top"}}, headers=h)
    assert dup.status_code == 409
    assert client.put(f"{V3}/regions/Top", json={"region": {}}, headers=h).status_code == 409
    mismatch = client.put(f"{V3}/regions/A", json={"region": {"id": "B"}}, headers=h)
    assert mismatch.status_code == 400
    assert "Conflicting region IDs" in mismatch.json()["error"]["message"]
    orphan = client.post(
        f"{V3}/regions", json={"region": {"id": "X", "parent_region_id": "Nowhere"}}, headers=h
    )
    assert orphan.status_code == 404
    assert client.post(f"{V3}/regions", json={"region": {"description": 5}}, headers=h).status_code == 400
    assert client.post(f"{V3}/regions", json={"region": {"id": "x" * 256}}, headers=h).status_code == 400
    assert client.put(f"{V3}/regions/{'x' * 256}", json={"region": {}}, headers=h).status_code == 400
    assert counts(cloud) == before

    cycle = client.patch(f"{V3}/regions/Top", json={"region": {"parent_region_id": "Bottom"}}, headers=h)
    assert cycle.status_code == 400
    assert "circular" in cycle.json()["error"]["message"]
    itself = client.patch(f"{V3}/regions/Top", json={"region": {"parent_region_id": "Top"}}, headers=h)
    assert itself.status_code == 400
    missing_parent = client.patch(
        f"{V3}/regions/Top", json={"region": {"parent_region_id": "Nope"}}, headers=h
    )
    assert missing_parent.status_code == 404
    assert client.patch(f"{V3}/regions/Top", json={"region": {}}, headers=h).status_code == 400
    assert client.patch(f"{V3}/regions/Top", json={"region": {"id": "Other"}}, headers=h).status_code == 400
    assert (
        client.patch(f"{V3}/regions/Nope", json={"region": {"description": "x"}}, headers=h).status_code
        == 404
    )
    assert client.get(f"{V3}/regions/Top", headers=h).json()["region"]["parent_region_id"] is None
    assert client.get(f"{V3}/regions/Nope", headers=h).status_code == 404


def test_deleting_a_region_deletes_the_regions_below_unless_endpoints_use_them(
    client: TestClient, admin_token: str
) -> None:
    h = auth_headers(admin_token)
    for rid, parent in (("Top", None), ("Middle", "Top"), ("Bottom", "Middle"), ("Side", "Top")):
        new_region(client, admin_token, id=rid, parent_region_id=parent)
    service = new_service(client, admin_token)
    endpoint = new_endpoint(client, admin_token, service["id"], region_id="Bottom")

    refused = client.delete(f"{V3}/regions/Top", headers=h)
    assert refused.status_code == 403
    assert "associated endpoints" in refused.json()["error"]["message"]
    for rid in ("Top", "Middle", "Bottom", "Side"):
        assert client.get(f"{V3}/regions/{rid}", headers=h).status_code == 200

    assert client.delete(f"{V3}/endpoints/{endpoint['id']}", headers=h).status_code == 204
    assert client.delete(f"{V3}/regions/Top", headers=h).status_code == 204
    for rid in ("Top", "Middle", "Bottom", "Side"):
        assert client.get(f"{V3}/regions/{rid}", headers=h).status_code == 404
    assert client.get(f"{V3}/regions/RegionOne", headers=h).status_code == 200
    assert client.delete(f"{V3}/regions/Top", headers=h).status_code == 404


# -- the token's catalog -------------------------------------------------------------------------
def test_changes_show_in_the_token_catalog_at_once(
    client: TestClient, admin_token: str, demo_token: str
) -> None:
    h = auth_headers(admin_token)
    service = new_service(client, admin_token, type="image", name="glance")
    endpoint = new_endpoint(client, admin_token, service["id"], url="http://image.example/")

    for catalog in (token_catalog(client), auth_catalog(client, demo_token)):
        image = entry(catalog, service["id"])
        assert image is not None
        assert (image["type"], image["name"]) == ("image", "glance")
        assert image["endpoints"] == [
            {
                "id": endpoint["id"],
                "interface": "public",
                "region": "RegionOne",
                "region_id": "RegionOne",
                "url": "http://image.example/",
            }
        ]

    moved = {"endpoint": {"url": "http://image2.example/"}}
    assert client.patch(f"{V3}/endpoints/{endpoint['id']}", json=moved, headers=h).status_code == 200
    assert (
        entry(auth_catalog(client, demo_token), service["id"])["endpoints"][0]["url"]
        == "http://image2.example/"
    )

    off = {"endpoint": {"enabled": False}}
    assert client.patch(f"{V3}/endpoints/{endpoint['id']}", json=off, headers=h).status_code == 200
    assert entry(token_catalog(client), service["id"])["endpoints"] == []

    disabled = {"service": {"enabled": False}}
    assert client.patch(f"{V3}/services/{service['id']}", json=disabled, headers=h).status_code == 200
    assert entry(token_catalog(client), service["id"]) is None
    assert entry(auth_catalog(client, demo_token), service["id"]) is None

    enabled = {"service": {"enabled": True, "name": "glance-2"}}
    assert client.patch(f"{V3}/services/{service['id']}", json=enabled, headers=h).status_code == 200
    assert entry(auth_catalog(client, demo_token), service["id"])["name"] == "glance-2"

    assert client.delete(f"{V3}/services/{service['id']}", headers=h).status_code == 204
    assert entry(token_catalog(client), service["id"]) is None
    identity = [s for s in auth_catalog(client, demo_token) if s["type"] == "identity"]
    assert len(identity) == 1 and len(identity[0]["endpoints"]) == 3


# -- policy --------------------------------------------------------------------------------------
def test_members_cannot_change_the_catalog(
    client: TestClient, cloud: Cloud, admin_token: str, demo_token: str
) -> None:
    service = new_service(client, admin_token)
    endpoint = new_endpoint(client, admin_token, service["id"])
    before = counts(cloud)
    d = auth_headers(demo_token)
    calls = [
        ("POST", f"{V3}/services", {"service": {"type": "volume"}}),
        ("PATCH", f"{V3}/services/{service['id']}", {"service": {"name": "mine"}}),
        ("DELETE", f"{V3}/services/{service['id']}", None),
        (
            "POST",
            f"{V3}/endpoints",
            {"endpoint": {"service_id": service["id"], "interface": "admin", "url": "http://e/"}},
        ),
        ("PATCH", f"{V3}/endpoints/{endpoint['id']}", {"endpoint": {"url": "http://evil/"}}),
        ("DELETE", f"{V3}/endpoints/{endpoint['id']}", None),
        ("POST", f"{V3}/regions", {"region": {"id": "Mine"}}),
        ("PUT", f"{V3}/regions/Mine", {"region": {}}),
        ("PATCH", f"{V3}/regions/RegionOne", {"region": {"description": "mine"}}),
        ("DELETE", f"{V3}/regions/RegionOne", None),
        ("GET", f"{V3}/services", None),
        ("GET", f"{V3}/endpoints/{endpoint['id']}", None),
    ]
    for method, path, body in calls:
        resp = client.request(method, path, json=body, headers=d)
        assert resp.status_code == 403, (method, path, resp.text)
        assert resp.json()["error"]["title"] == "Forbidden"
    assert counts(cloud) == before
    h = auth_headers(admin_token)
    assert client.get(f"{V3}/services/{service['id']}", headers=h).json()["service"] == service
    assert client.get(f"{V3}/endpoints/{endpoint['id']}", headers=h).json()["endpoint"] == endpoint
    assert client.get(f"{V3}/regions/RegionOne", headers=h).json()["region"]["description"] == ""


def test_any_token_reads_regions_and_none_is_401(client: TestClient, demo_token: str) -> None:
    d = auth_headers(demo_token)
    listed = client.get(f"{V3}/regions", headers=d)
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()["regions"]] == ["RegionOne"]
    assert client.get(f"{V3}/regions/RegionOne", headers=d).status_code == 200
    for path in ("regions", "services", "endpoints"):
        resp = client.get(f"{V3}/{path}")
        assert resp.status_code == 401
        assert resp.json()["error"]["code"] == 401


def test_admin_token_issued_with_password_sees_new_catalog(client: TestClient, admin_token: str) -> None:
    """The admin's own fresh token carries the new service too (catalog is never cached)."""
    service = new_service(client, admin_token, type="network", name="neutron")
    new_endpoint(client, admin_token, service["id"], url="http://net.example:9696")
    resp = client.post(TOKENS, json=password_auth("admin", ADMIN_PASSWORD, "admin"))
    network = entry(resp.json()["token"]["catalog"], service["id"])
    assert network is not None and network["endpoints"][0]["url"] == "http://net.example:9696"
