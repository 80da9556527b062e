"""Compute vNext's server reads and discovery: one core, two views (docs/compute-vnext.md)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from pocketstack.api.compute_vnext.routes import TABLE
from pocketstack.cloud import Cloud
from pocketstack.core.image.seed import seed_first_image
from tests.conftest import DEMO_PASSWORD
from tests.functional.conftest import auth_headers, issue_token
from tests.functional.test_compute_servers import API, boot, hdr, wait

V = "/compute/vnext"


@pytest.fixture
def image_id(cloud: Cloud) -> str:
    return seed_first_image(cloud.db, cloud.image_data)


def test_a_v21_server_shows_in_vnext_with_the_same_state_and_addresses(
    client: TestClient, demo_token: str, image_id: str
) -> None:
    sid = boot(client, demo_token, image_id, "web-1", metadata={"role": "web"}, tags=["blue"])
    nova = wait(client, demo_token, sid, "ACTIVE")
    resp = client.get(f"{V}/servers/{sid}", headers=auth_headers(demo_token))
    assert resp.status_code == 200, resp.text
    server = resp.json()
    assert (
        server["hostname"] == nova["OS-EXT-SRV-ATTR:hostname"] if "OS-EXT-SRV-ATTR:hostname" in nova else True
    )
    assert (server["virt_state"], server["power_state"]) == ("ACTIVE", "RUNNING")
    assert server["project_id"] == nova["tenant_id"] and server["launched_by"] == nova["user_id"]
    assert server["template_id"] == image_id and server["properties"] == {"role": "web"}
    assert server["tags"] == ["blue"] and server["task"] is None and "_elevated" not in server
    nova_ips = sorted(a["addr"] for addrs in nova["addresses"].values() for a in addrs)
    vnext_ips = sorted(a["address"] for i in server["networking"]["interfaces"] for a in i["addresses"])
    assert vnext_ips == nova_ips and vnext_ips
    assert server["_links"]["self"]["href"].endswith(f"{V}/servers/{sid}")
    assert server["_links"]["describedby"]["href"].endswith(f"{V}/schemas/ServerShape")

    head = client.head(f"{V}/servers/{sid}", headers=auth_headers(demo_token))
    assert head.status_code == 200
    assert (head.headers["X-Server-Virt-State"], head.headers["X-Server-Power-State"]) == (
        "ACTIVE",
        "RUNNING",
    )
    project = server["project_id"]
    by_name = client.get(
        f"{V}/projects/{project}/servers/{server['hostname']}", headers=auth_headers(demo_token)
    )
    assert by_name.status_code == 200 and by_name.json()["id"] == sid


def test_lists_page_with_links_and_filter_by_state(
    client: TestClient, demo_token: str, image_id: str
) -> None:
    ids = {boot(client, demo_token, image_id, f"s{i}") for i in range(3)}
    for sid in ids:
        wait(client, demo_token, sid, "ACTIVE")
    h = auth_headers(demo_token)
    first = client.get(f"{V}/servers?limit=2", headers=h).json()
    assert len(first["servers"]) == 2 and "next" in first["_links"]
    second = client.get(first["_links"]["next"]["href"], headers=h).json()
    assert len(second["servers"]) == 1 and "next" not in second["_links"]
    assert {s["id"] for s in first["servers"] + second["servers"]} == ids
    assert client.get(f"{V}/servers?virt_state=STOPPED", headers=h).json()["servers"] == []
    active = client.get(f"{V}/servers?virt_state=ERROR,ACTIVE", headers=h).json()["servers"]
    assert {s["id"] for s in active} == ids
    project = first["servers"][0]["project_id"]
    listed = client.get(f"{V}/projects/{project}/servers", headers=h).json()["servers"]
    assert {s["id"] for s in listed} == ids
    bad = client.get(f"{V}/servers?virt_state=HAPPY", headers=h)
    assert bad.status_code == 400 and bad.json()["errors"][0]["status"] == 400
    assert client.get(f"{V}/servers?limit=0", headers=h).status_code == 400


def test_another_projects_server_is_404_and_admins_see_elevated_fields(
    client: TestClient, demo_token: str, admin_token: str, image_id: str
) -> None:
    sid = boot(client, admin_token, image_id, "admins")
    wait(client, admin_token, sid, "ACTIVE")
    resp = client.get(f"{V}/servers/{sid}", headers=auth_headers(demo_token))
    assert resp.status_code == 404
    assert resp.json()["errors"][0]["code"] == "resource.not_found"
    assert client.head(f"{V}/servers/{sid}", headers=auth_headers(demo_token)).status_code == 404
    assert client.get(f"{V}/servers", headers=auth_headers(demo_token)).json()["servers"] == []
    admin_project = client.get(f"{V}/servers/{sid}", headers=auth_headers(admin_token)).json()["project_id"]
    assert (
        client.get(f"{V}/projects/{admin_project}/servers", headers=auth_headers(demo_token)).status_code
        == 404
    )
    shown = client.get(f"{V}/servers/{sid}", headers=auth_headers(admin_token)).json()
    assert shown["_elevated"]["host"]


def test_no_delete_json_only_and_no_token(client: TestClient, demo_token: str, image_id: str) -> None:
    sid = boot(client, demo_token, image_id)
    resp = client.delete(f"{V}/servers/{sid}", headers=auth_headers(demo_token))
    assert resp.status_code == 405 and resp.headers["Allow"] == "GET, HEAD, PATCH"
    resp = client.get(f"{V}/servers", headers={**auth_headers(demo_token), "Accept": "text/html"})
    assert resp.status_code == 406 and resp.json()["errors"][0]["status"] == 406
    assert client.get(f"{V}/servers").status_code == 401
    assert client.get(f"{API}/servers/{sid}", headers=hdr(demo_token)).status_code == 200


def test_discovery_names_every_route(client: TestClient) -> None:
    home = client.get(f"{V}/")
    assert home.status_code == 200 and home.headers["content-type"] == "application/json-home"
    resources = home.json()["resources"]
    for route in TABLE:
        entry = next(v for k, v in resources.items() if k.endswith(f":rel:{route.rel}"))
        assert route.method in entry["hints"]["allow"]
    api = client.get(f"{V}/openapi.json").json()
    assert api["openapi"] == "3.1.0"
    assert {(r.path, r.method.lower()) for r in TABLE} == {
        (path, method) for path, ops in api["paths"].items() for method in ops
    }
    schemas = client.get(f"{V}/schemas").json()["schemas"]
    for item in schemas:
        schema = client.get(item["_links"]["self"]["href"])
        assert schema.status_code == 200 and schema.headers["content-type"] == "application/schema+json"
    server = client.get(f"{V}/schemas/ServerShape").json()
    assert "hostname" in server["properties"] and any(link["rel"] == "server" for link in server["links"])
    assert client.get(f"{V}/schemas/Nope").status_code == 404


def test_reads_cover_every_project_the_user_has_a_role_in(
    client: TestClient, demo_token: str, admin_token: str, image_id: str
) -> None:
    """The caller's projects (seed 001): a server of another project where the user is a member
    is read with a token scoped elsewhere; writes and v2.1 stay with the token's project."""
    admin = auth_headers(admin_token)
    other = client.post("/identity/v3/projects", json={"project": {"name": "other"}}, headers=admin)
    other_id = other.json()["project"]["id"]
    user = client.get("/identity/v3/users?name=demo", headers=admin).json()["users"][0]["id"]
    role = client.get("/identity/v3/roles?name=member", headers=admin).json()["roles"][0]["id"]
    grant = f"/identity/v3/projects/{other_id}/users/{user}/roles/{role}"
    assert client.put(grant, headers=admin).status_code == 204
    there = issue_token(client, "demo", DEMO_PASSWORD, "other")
    sid = boot(client, there, image_id, "elsewhere")
    wait(client, there, sid, "ACTIVE")

    h = auth_headers(demo_token)  # scoped to demo, not to other
    assert sid in {s["id"] for s in client.get(f"{V}/servers", headers=h).json()["servers"]}
    only_other = client.get(f"{V}/servers?project={other_id}", headers=h).json()["servers"]
    assert [s["id"] for s in only_other] == [sid]
    assert client.get(f"{V}/servers/{sid}", headers=h).json()["project_id"] == other_id
    assert client.get(f"{V}/projects/{other_id}/servers", headers=h).status_code == 200
    assert client.get(f"{V}/servers/{sid}/tasks", headers=h).status_code == 200
    assert client.put(f"{API}/servers/{sid}/tags/kept", headers=hdr(there, "2.26")).status_code == 201
    tags = client.get(f"{V}/servers/{sid}/tags", headers=h)
    assert tags.status_code == 200 and tags.json()["tags"] == ["kept"], tags.text
    assert client.get(f"{V}/servers/{sid}/tags/kept", headers=h).status_code == 204
    assert client.get(f"{API}/servers/{sid}", headers=hdr(demo_token)).status_code == 404  # v2.1: the token's
    stop = client.post(f"{V}/servers/{sid}/tasks", json={"action": "STOP"}, headers=h)
    assert stop.status_code == 403  # a write acts in the token's project: it says which to scope to
    assert other_id in stop.json()["errors"][0]["detail"]
    assert client.patch(f"{V}/servers/{sid}", json={"hostname": "moved"}, headers=h).status_code == 403
    assert client.put(f"{V}/servers/{sid}/tags/t1", headers=h).status_code == 403
    assert client.get(f"{V}/servers/{sid}", headers=h).json()["hostname"] != "moved"

    assert client.delete(grant, headers=admin).status_code == 204
    assert client.get(f"{V}/servers/{sid}", headers=h).status_code == 404
    assert sid not in {s["id"] for s in client.get(f"{V}/servers", headers=h).json()["servers"]}
