"""Compute microversions 2.97 to 2.104 in-process: what each one changes (or, where it is an
API for a service pocketstack lacks, Nova's answer without that service)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.image.seed import seed_first_image
from tests.functional.conftest import auth_headers
from tests.functional.test_compute_servers import wait

API = "/compute/v2.1"


@pytest.fixture
def image_id(cloud: Cloud) -> str:
    return seed_first_image(cloud.db, cloud.image_data)


def hdr(token: str, version: str) -> dict[str, str]:
    return {**auth_headers(token), "OpenStack-API-Version": f"compute {version}"}


def boot(client: TestClient, token: str, image_id: str, **extra: Any) -> str:
    body: dict[str, Any] = {
        "server": {"name": "s", "imageRef": image_id, "flavorRef": "1", "networks": "none"}
    }
    body.update(extra.pop("top", {}))
    body["server"].update(extra)
    resp = client.post(f"{API}/servers", json=body, headers=hdr(token, "2.79"))
    assert resp.status_code == 202, resp.text
    sid = resp.json()["server"]["id"]
    wait(client, token, sid, "ACTIVE")
    return sid


def stop(client: TestClient, token: str, sid: str) -> None:
    resp = client.post(f"{API}/servers/{sid}/action", json={"os-stop": None}, headers=hdr(token, "2.79"))
    assert resp.status_code == 202, resp.text
    wait(client, token, sid, "SHUTOFF")


def show(client: TestClient, token: str, sid: str, version: str) -> dict[str, Any]:
    resp = client.get(f"{API}/servers/{sid}", headers=hdr(token, version))
    assert resp.status_code == 200, resp.text
    return resp.json()["server"]


def test_2_104_is_the_maximum(client: TestClient, demo_token: str) -> None:
    body = client.get(f"{API}/", headers=auth_headers(demo_token)).json()["version"]
    assert (body["version"], body["min_version"]) == ("2.104", "2.1")
    latest = client.get(f"{API}/flavors", headers=hdr(demo_token, "latest"))
    assert latest.headers["OpenStack-API-Version"] == "compute 2.104"
    assert client.get(f"{API}/flavors", headers=hdr(demo_token, "2.105")).status_code == 406
    legacy = client.get("/compute/").json()["versions"][0]
    assert (legacy["id"], legacy["status"]) == ("v2.0", "DEPRECATED")  # as Nova after 2.100


# -- 2.97: server shares (no Manila, no virtio-fs) ----------------------------------------------
def test_2_97_shares_answer_as_nova_without_share_support(
    client: TestClient, demo_token: str, admin_token: str, image_id: str
) -> None:
    sid = boot(client, demo_token, image_id)
    url, share = f"{API}/servers/{sid}/shares", str(uuid.uuid4())
    h = hdr(demo_token, "2.97")
    assert client.get(url, headers=hdr(demo_token, "2.96")).status_code == 404
    assert client.get(url, headers=h).json() == {"shares": []}
    assert client.get(f"{url}?x=1", headers=h).status_code == 400
    missing = client.get(f"{url}/{share}", headers=h)
    assert missing.status_code == 404 and missing.json()["itemNotFound"]["message"] == (
        f"Share {share} could not be found."
    )
    assert client.post(url, headers=h, json={"share": {"share_id": "nope"}}).status_code == 400
    assert client.post(url, headers=h, json={"share": {"share_id": share, "tag": "a b"}}).status_code == 400
    active = client.post(url, headers=h, json={"share": {"share_id": share, "tag": "t1"}})
    assert active.status_code == 409 and active.json()["conflictingRequest"]["message"] == (
        f"Cannot 'create share' instance {sid} while it is in vm_state active"
    )
    assert client.delete(f"{url}/{share}", headers=h).status_code == 409
    stop(client, demo_token, sid)
    stopped = client.post(url, headers=h, json={"share": {"share_id": share}})
    assert stopped.status_code == 409 and "not configured correctly" in stopped.text
    assert client.delete(f"{url}/{share}", headers=h).status_code == 404
    other = boot(client, admin_token, image_id)  # another project's server is not found
    assert client.get(f"{API}/servers/{other}/shares", headers=h).status_code == 404


# -- 2.98: the image's properties in the server -------------------------------------------------
def test_2_98_server_image_shows_the_standard_image_properties(
    client: TestClient, demo_token: str, admin_token: str, image_id: str
) -> None:
    patch = [
        {"op": "add", "path": "/hw_disk_bus", "value": "scsi"},
        {"op": "add", "path": "/os_distro", "value": "cirros"},
        {"op": "add", "path": "/my_own_key", "value": "hidden"},
    ]
    resp = client.patch(
        f"/image/v2/images/{image_id}",
        json=patch,
        headers={**auth_headers(admin_token), "Content-Type": "application/openstack-images-v2.1-json-patch"},
    )
    assert resp.status_code == 200, resp.text
    sid = boot(client, demo_token, image_id)
    expected = {"hw_disk_bus": "scsi", "os_distro": "cirros"}
    assert "properties" not in show(client, demo_token, sid, "2.97")["image"]
    assert show(client, demo_token, sid, "2.98")["image"]["properties"] == expected
    detail = client.get(f"{API}/servers/detail", headers=hdr(demo_token, "2.98")).json()["servers"]
    assert [s["image"]["properties"] for s in detail if s["id"] == sid] == [expected]
    updated = client.put(
        f"{API}/servers/{sid}", json={"server": {"name": "n"}}, headers=hdr(demo_token, "2.98")
    )
    assert updated.json()["server"]["image"]["properties"] == expected
    # What the server recorded at build stays, whatever the image becomes; a rebuild records anew.
    client.patch(
        f"/image/v2/images/{image_id}",
        json=[{"op": "replace", "path": "/hw_disk_bus", "value": "virtio"}],
        headers={**auth_headers(admin_token), "Content-Type": "application/openstack-images-v2.1-json-patch"},
    )
    assert show(client, demo_token, sid, "2.98")["image"]["properties"]["hw_disk_bus"] == "scsi"
    rebuilt = client.post(
        f"{API}/servers/{sid}/action",
        json={"rebuild": {"imageRef": image_id}},
        headers=hdr(demo_token, "2.98"),
    )
    assert rebuilt.status_code == 202, rebuilt.text
    assert rebuilt.json()["server"]["image"]["properties"]["hw_disk_bus"] == "virtio"


# -- 2.99: spice-direct consoles: still no console proxy ----------------------------------------
def test_2_99_remote_consoles_stay_not_implemented(
    client: TestClient, demo_token: str, image_id: str
) -> None:
    sid = boot(client, demo_token, image_id)
    body = {"remote_console": {"protocol": "spice", "type": "spice-direct"}}
    resp = client.post(f"{API}/servers/{sid}/remote-consoles", json=body, headers=hdr(demo_token, "2.99"))
    assert resp.status_code == 501


# -- 2.100: scheduler hints in the server ---------------------------------------------------------
def test_2_100_server_shows_its_scheduler_hints(
    client: TestClient, demo_token: str, admin_token: str, image_id: str
) -> None:
    plain = boot(client, demo_token, image_id)
    hinted = boot(
        client, demo_token, image_id, top={"os:scheduler_hints": {"different_host": plain, "x": "y"}}
    )
    assert "scheduler_hints" not in show(client, demo_token, hinted, "2.99")
    assert show(client, demo_token, hinted, "2.100")["scheduler_hints"] == {
        "different_host": [plain],
        "x": ["y"],
    }
    assert show(client, demo_token, plain, "2.100")["scheduler_hints"] == {}
    detail = client.get(f"{API}/servers/detail", headers=hdr(demo_token, "2.100")).json()["servers"]
    assert {s["id"]: s["scheduler_hints"] for s in detail}[hinted] == {"different_host": [plain], "x": ["y"]}
    updated = client.put(
        f"{API}/servers/{plain}", json={"server": {"name": "n"}}, headers=hdr(demo_token, "2.100")
    )
    assert updated.json()["server"]["scheduler_hints"] == {}
    # An admin's zone:host request is not a hint.
    forced = boot(client, admin_token, image_id, availability_zone="nova:" + _host(client, admin_token))
    assert show(client, admin_token, forced, "2.100")["scheduler_hints"] == {}


def _host(client: TestClient, admin_token: str) -> str:
    hosts = client.get(f"{API}/os-hypervisors", headers=hdr(admin_token, "2.53")).json()["hypervisors"]
    return hosts[0]["hypervisor_hostname"]


# -- 2.101 / 2.103: APIs pocketstack does not serve ---------------------------------------------
@pytest.mark.parametrize("version", ["2.100", "2.101", "2.102", "2.103"])
def test_volume_attachments_and_volumes_boot_are_not_served(
    client: TestClient, demo_token: str, version: str
) -> None:
    h = hdr(demo_token, version)
    assert client.get(f"{API}/os-volumes_boot", headers=h).status_code == 404
    assert client.post(f"{API}/servers/x/os-volume_attachments", json={}, headers=h).status_code == 404


# -- 2.102: flavors, and closed query strings -----------------------------------------------------
def test_2_102_flavors_lose_rxtx_factor_and_disabled(client: TestClient, admin_token: str) -> None:
    old = client.get(f"{API}/flavors/1", headers=hdr(admin_token, "2.101")).json()["flavor"]
    assert "rxtx_factor" in old and "OS-FLV-DISABLED:disabled" in old
    for path in ("/flavors/1", "/flavors/detail"):
        body = client.get(f"{API}{path}", headers=hdr(admin_token, "2.102")).json()
        for flavor in body.get("flavors", [body.get("flavor")]):
            assert "rxtx_factor" not in flavor and "OS-FLV-DISABLED:disabled" not in flavor
    new = {"flavor": {"name": "mv102", "ram": 64, "vcpus": 1, "disk": 0}}
    refused = client.post(
        f"{API}/flavors",
        json={"flavor": {**new["flavor"], "rxtx_factor": 1.0}},
        headers=hdr(admin_token, "2.102"),
    )
    assert refused.status_code == 400 and "'rxtx_factor' was unexpected" in refused.text
    made = client.post(f"{API}/flavors", json=new, headers=hdr(admin_token, "2.102"))
    assert made.status_code == 200 and "rxtx_factor" not in made.json()["flavor"]
    h101 = hdr(admin_token, "2.101")
    assert client.get(f"{API}/flavors?sort_key=rxtx_factor", headers=h101).status_code == 200
    assert (
        client.get(f"{API}/flavors?sort_key=rxtx_factor", headers=hdr(admin_token, "2.102")).status_code
        == 400
    )


def test_2_102_flavor_name_filter_is_a_regex(client: TestClient, demo_token: str) -> None:
    assert client.get(f"{API}/flavors?name=tiny", headers=hdr(demo_token, "2.101")).status_code == 400
    h = hdr(demo_token, "2.102")
    names = [f["name"] for f in client.get(f"{API}/flavors?name=tiny", headers=h).json()["flavors"]]
    assert names == ["m1.tiny"]
    names = [
        f["name"]
        for f in client.get(f"{API}/flavors/detail?name=^m1\\.(small|medium)$", headers=h).json()["flavors"]
    ]
    assert sorted(names) == ["m1.medium", "m1.small"]
    assert client.get(f"{API}/flavors?name=nothing-like-it", headers=h).json()["flavors"] == []
    assert client.get(f"{API}/flavors?name=(", headers=h).status_code == 400


def test_2_102_apis_with_open_query_strings_refuse_unknown_parameters(
    client: TestClient, demo_token: str, admin_token: str, image_id: str
) -> None:
    sid = boot(client, demo_token, image_id)
    paths = [
        f"/servers/{sid}",
        f"/servers/{sid}/ips",
        f"/servers/{sid}/metadata",
        f"/servers/{sid}/tags",
        f"/servers/{sid}/os-interface",
        f"/servers/{sid}/os-security-groups",
        f"/servers/{sid}/os-server-password",
        f"/servers/{sid}/topology",
        "/flavors/1",
        "/flavors/1/os-extra_specs",
        "/os-availability-zone",
        "/extensions",
    ]
    for path in paths:
        assert client.get(f"{API}{path}?junk=1", headers=hdr(demo_token, "2.101")).status_code == 200, path
        refused = client.get(f"{API}{path}?junk=1", headers=hdr(demo_token, "2.102"))
        assert refused.status_code == 400, path
        assert "('junk' was unexpected)" in refused.json()["badRequest"]["message"]
    # Checked before the lookup and the policy, as Nova's query schemas are.
    assert client.get(f"{API}/servers/nope?junk=1", headers=hdr(demo_token, "2.102")).status_code == 400
    assert client.get(f"{API}/os-aggregates?junk=1", headers=hdr(demo_token, "2.102")).status_code == 400
    assert client.get(f"{API}/os-aggregates?junk=1", headers=hdr(demo_token, "2.101")).status_code == 403
    # The parameters an API knows still work.
    assert client.get(f"{API}/servers?name=s", headers=hdr(demo_token, "2.102")).status_code == 200


# -- 2.104: unpin and re-pin the availability zone -----------------------------------------------
def test_2_104_update_unpins_and_repins_the_zone(client: TestClient, demo_token: str, image_id: str) -> None:
    pinned = boot(client, demo_token, image_id, availability_zone="nova")
    free = boot(client, demo_token, image_id)
    url = f"{API}/servers/{{}}"

    def put(sid: str, zone: str | None, version: str = "2.104") -> Any:
        body = {"server": {"pinned_availability_zone": zone}}
        return client.put(url.format(sid), json=body, headers=hdr(demo_token, version))

    assert put(free, "nova", "2.103").status_code == 400
    assert put(free, " bad").status_code == 400
    wrong = put(free, "elsewhere")
    assert wrong.status_code == 409 and wrong.json()["conflictingRequest"]["message"] == (
        "Server can only be pinned to its current availability zone 'nova', but 'elsewhere' was requested."
    )
    resp = put(free, "nova")
    assert resp.status_code == 200 and resp.json()["server"]["pinned_availability_zone"] == "nova"
    assert put(pinned, "nova").status_code == 200  # the same zone again: nothing changes
    change = put(pinned, "elsewhere")
    assert change.status_code == 409 and "Unpin first" in change.text
    unpinned = put(pinned, None)
    assert unpinned.status_code == 200 and unpinned.json()["server"]["pinned_availability_zone"] is None
    assert show(client, demo_token, pinned, "2.96")["pinned_availability_zone"] is None
    assert put(pinned, None).status_code == 200  # already unpinned: a no-op
