"""Servers through Compute v2.1 in-process: isolation between projects, Nova's answers to bad
input (never a 500), microversion negotiation, paging and filters, and the state machine."""

from __future__ import annotations

import time
from typing import Any

import pytest
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.image.seed import seed_first_image
from tests.functional.conftest import auth_headers

API = "/compute/v2.1"


@pytest.fixture
def image_id(cloud: Cloud) -> str:
    return seed_first_image(cloud.db, cloud.image_data)


def hdr(token: str, version: str = "2.79") -> dict[str, str]:
    return {**auth_headers(token), "OpenStack-API-Version": f"compute {version}"}


def boot(client: TestClient, token: str, image_id: str, name: str = "s", **extra: Any) -> str:
    body = {"server": {"name": name, "imageRef": image_id, "flavorRef": "1", "networks": "auto", **extra}}
    resp = client.post(f"{API}/servers", json=body, headers=hdr(token))
    assert resp.status_code == 202, resp.text
    return resp.json()["server"]["id"]


def wait(client: TestClient, token: str, server_id: str, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        server = client.get(f"{API}/servers/{server_id}", headers=hdr(token)).json()["server"]
        if server["status"] == status and server["OS-EXT-STS:task_state"] is None:
            return server
        assert time.monotonic() < deadline, server["status"]
        time.sleep(0.05)


def test_boot_shows_nova_fields_and_an_address(client: TestClient, demo_token: str, image_id: str) -> None:
    sid = boot(client, demo_token, image_id, "web-1", metadata={"k": "v"}, tags=["a"])
    server = wait(client, demo_token, sid, "ACTIVE")
    assert server["name"] == "web-1" and server["metadata"] == {"k": "v"} and server["tags"] == ["a"]
    assert server["flavor"]["original_name"] == "m1.tiny" and server["flavor"]["ram"] == 512
    (address,) = server["addresses"]["auto_allocated_network"]  # get-me-a-network made it
    assert address["version"] == 4 and address["addr"].startswith("10.0.")
    assert address["OS-EXT-IPS:type"] == "fixed" and server["security_groups"] == [{"name": "default"}]
    assert server["OS-EXT-AZ:availability_zone"] == "nova" and server["hostId"]
    assert "OS-EXT-SRV-ATTR:host" not in server  # admin-only
    assert server["OS-EXT-STS:power_state"] == 1 and server["locked"] is False


def test_no_network_means_no_addresses(client: TestClient, demo_token: str, image_id: str) -> None:
    sid = boot(client, demo_token, image_id, networks="none")
    assert wait(client, demo_token, sid, "ACTIVE")["addresses"] == {}


def test_another_projects_server_is_invisible(
    client: TestClient, demo_token: str, admin_token: str, image_id: str
) -> None:
    sid = boot(client, admin_token, image_id, "secret")
    wait(client, admin_token, sid, "ACTIVE")
    h = hdr(demo_token)
    calls = [
        ("GET", f"/servers/{sid}", None),
        ("PUT", f"/servers/{sid}", {"server": {"name": "x"}}),
        ("DELETE", f"/servers/{sid}", None),
        ("POST", f"/servers/{sid}/action", {"os-stop": None}),
        ("GET", f"/servers/{sid}/metadata", None),
        ("GET", f"/servers/{sid}/tags", None),
        ("GET", f"/servers/{sid}/ips", None),
        ("GET", f"/servers/{sid}/os-instance-actions", None),
        ("GET", f"/servers/{sid}/os-server-password", None),
    ]
    for method, path, body in calls:
        resp = client.request(method, API + path, json=body, headers=h)
        assert resp.status_code == 404, (method, path, resp.text)
        assert resp.json()["itemNotFound"]["message"] == f"Instance {sid} could not be found."
    listed = client.get(f"{API}/servers/detail?all_tenants=1", headers=h)
    assert listed.status_code == 403
    assert sid not in [s["id"] for s in client.get(f"{API}/servers", headers=h).json()["servers"]]
    admin_list = client.get(f"{API}/servers?all_tenants=1", headers=hdr(admin_token)).json()["servers"]
    assert sid in [s["id"] for s in admin_list]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"OpenStack-API-Version": "compute 2.500"}, 406),
        ({"OpenStack-API-Version": "compute 1.5"}, 406),
        ({"X-OpenStack-Nova-API-Version": "2.x"}, 400),
        ({"X-OpenStack-Nova-API-Version": "latest"}, 200),
        ({"OpenStack-API-Version": "compute 2.1"}, 200),
    ],
)
def test_microversion_headers(client: TestClient, demo_token: str, headers: dict, status: int) -> None:
    resp = client.get(f"{API}/servers", headers={**auth_headers(demo_token), **headers})
    assert resp.status_code == status, resp.text
    if status == 200:
        assert resp.headers["OpenStack-API-Version"].startswith("compute 2.")
        assert "OpenStack-API-Version" in resp.headers["Vary"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"server": {"name": "x", "flavorRef": "1", "networks": "auto", "bogus": 1}}, "bogus"),
        ({"server": {"name": "", "flavorRef": "1", "networks": "auto"}}, "name"),
        ({"server": {"name": "x", "flavorRef": "1"}}, "networks"),
        ({"server": {"name": "x", "flavorRef": "nope", "networks": "auto"}}, "nope"),
        ({"server": {"name": "x", "flavorRef": "1", "networks": [{"uuid": "abc"}]}}, "network uuid"),
        ({"server": {"name": "x", "flavorRef": "1", "networks": "auto", "min_count": 0}}, "min_count"),
        ({"server": {"name": "x", "flavorRef": "1", "networks": "auto", "key_name": "missing"}}, "key_name"),
        (
            {"server": {"name": "x", "flavorRef": "1", "networks": "auto", "availability_zone": "mars"}},
            "zone",
        ),
        ("not an object", "server"),
    ],
)
def test_bad_creates_are_400(
    client: TestClient, demo_token: str, image_id: str, body: Any, fragment: str
) -> None:
    if isinstance(body, dict):
        body = {"server": {"imageRef": image_id, **body["server"]}}
    resp = client.post(f"{API}/servers", json=body, headers=hdr(demo_token))
    assert resp.status_code in (400, 404), resp.text
    assert resp.status_code == 400 or fragment == "nope"
    message = next(iter(resp.json().values()))["message"]
    assert fragment.lower() in message.lower() or fragment == "nope"
    assert client.get(f"{API}/servers", headers=hdr(demo_token)).json()["servers"] == []


def test_paging_with_links_and_bad_markers(client: TestClient, demo_token: str, image_id: str) -> None:
    ids = [boot(client, demo_token, image_id, f"p{i}", networks="none") for i in range(5)]
    first = client.get(f"{API}/servers?limit=2", headers=hdr(demo_token)).json()
    assert len(first["servers"]) == 2 and first["servers_links"][0]["rel"] == "next"
    seen = [s["id"] for s in first["servers"]]
    href = first["servers_links"][0]["href"]
    while href:
        page = client.get(href, headers=hdr(demo_token)).json()
        seen += [s["id"] for s in page["servers"]]
        href = page.get("servers_links", [{}])[0].get("href")
    assert sorted(seen) == sorted(ids) and len(seen) == 5
    for query in (
        "limit=-1",
        "limit=abc",
        "marker=nope",
        "sort_key=bogus",
        "sort_dir=sideways&sort_key=name",
    ):
        assert client.get(f"{API}/servers?{query}", headers=hdr(demo_token)).status_code == 400, query


def test_filters(client: TestClient, demo_token: str, image_id: str) -> None:
    web = boot(client, demo_token, image_id, "web-1", tags=["prod"])
    db = boot(client, demo_token, image_id, "db-1")
    for sid in (web, db):
        wait(client, demo_token, sid, "ACTIVE")
    h = hdr(demo_token)

    def names(query: str) -> list[str]:
        resp = client.get(f"{API}/servers?{query}", headers=h)
        assert resp.status_code == 200, resp.text
        return sorted(s["name"] for s in resp.json()["servers"])

    assert names("name=^web") == ["web-1"]
    assert names("tags=prod") == ["web-1"] and names("not-tags=prod") == ["db-1"]
    assert names("status=ACTIVE") == ["db-1", "web-1"] and names("status=SHUTOFF") == []
    assert names("flavor=1") == ["db-1", "web-1"] and names(f"image={image_id}") == ["db-1", "web-1"]
    assert client.get(f"{API}/servers?name=(", headers=h).status_code == 400


def test_state_machine_answers_409_naming_the_state(
    client: TestClient, demo_token: str, image_id: str
) -> None:
    sid = boot(client, demo_token, image_id)
    wait(client, demo_token, sid, "ACTIVE")
    h = hdr(demo_token)
    resp = client.post(f"{API}/servers/{sid}/action", json={"os-start": None}, headers=h)
    assert resp.status_code == 409 and "vm_state active" in resp.json()["conflictingRequest"]["message"]
    assert client.post(f"{API}/servers/{sid}/action", json={"os-stop": None}, headers=h).status_code == 202
    wait(client, demo_token, sid, "SHUTOFF")
    resp = client.post(f"{API}/servers/{sid}/action", json={"pause": None}, headers=h)
    assert resp.status_code == 409 and "stopped" in resp.json()["conflictingRequest"]["message"]
    resp = client.post(f"{API}/servers/{sid}/action", json={"nosuch": None}, headers=h)
    assert resp.status_code == 400


def test_locked_server_refuses_members_but_not_admins(
    client: TestClient, demo_token: str, admin_token: str, image_id: str
) -> None:
    sid = boot(client, demo_token, image_id)
    wait(client, demo_token, sid, "ACTIVE")
    assert (
        client.post(
            f"{API}/servers/{sid}/action", json={"lock": {"locked_reason": "maint"}}, headers=hdr(demo_token)
        ).status_code
        == 202
    )
    server = client.get(f"{API}/servers/{sid}", headers=hdr(demo_token)).json()["server"]
    assert server["locked"] is True and server["locked_reason"] == "maint"
    resp = client.post(f"{API}/servers/{sid}/action", json={"os-stop": None}, headers=hdr(demo_token))
    assert resp.status_code == 409 and "locked" in resp.json()["conflictingRequest"]["message"]
    assert client.delete(f"{API}/servers/{sid}", headers=hdr(demo_token)).status_code == 409
    assert (
        client.post(
            f"{API}/servers/{sid}/action", json={"os-stop": None}, headers=hdr(admin_token)
        ).status_code
        == 202
    )


def test_fault_injection_per_server_and_global(
    client: TestClient, demo_token: str, admin_token: str, image_id: str
) -> None:
    failed = boot(client, demo_token, image_id, "f", metadata={"pocketstack:fail_build": "true", "k": "v"})
    server = wait(client, demo_token, failed, "ERROR")
    assert server["metadata"] == {"k": "v"} and "injected" in server["fault"]["message"]
    crashed = boot(client, demo_token, image_id, "c", metadata={"pocketstack:crash": "1"})
    assert wait(client, demo_token, crashed, "ACTIVE")["OS-EXT-STS:power_state"] == 6
    path = f"{API}/os-pocketstack-faults"
    assert client.put(path, json={"faults": {"fail_builds": 1}}, headers=hdr(demo_token)).status_code == 403
    assert client.put(path, json={"faults": {"fail_builds": 1}}, headers=hdr(admin_token)).status_code == 200
    assert wait(client, demo_token, boot(client, demo_token, image_id, "g1"), "ERROR")
    assert wait(client, demo_token, boot(client, demo_token, image_id, "g2"), "ACTIVE")
    assert client.get(path, headers=hdr(admin_token)).json()["faults"]["fail_builds"] == 0


def test_remote_console_is_501_naming_what_is_missing(
    client: TestClient, demo_token: str, image_id: str
) -> None:
    sid = boot(client, demo_token, image_id)
    wait(client, demo_token, sid, "ACTIVE")
    resp = client.post(
        f"{API}/servers/{sid}/action", json={"os-getVNCConsole": {"type": "novnc"}}, headers=hdr(demo_token)
    )
    assert resp.status_code == 501 and "remote consoles" in resp.json()["notImplemented"]["message"]


def test_no_valid_host_puts_the_server_in_error(
    client: TestClient, demo_token: str, admin_token: str, image_id: str
) -> None:
    flavor = {"flavor": {"name": "giant", "ram": 512, "vcpus": 1, "disk": 5000}}  # more disk than a host has
    resp = client.post(f"{API}/flavors", json=flavor, headers=hdr(admin_token))
    assert resp.status_code == 200, resp.text
    body = {
        "server": {
            "name": "g",
            "imageRef": image_id,
            "flavorRef": resp.json()["flavor"]["id"],
            "networks": "none",
        }
    }
    resp = client.post(f"{API}/servers", json=body, headers=hdr(admin_token))
    assert resp.status_code == 202, resp.text
    server = wait(client, admin_token, resp.json()["server"]["id"], "ERROR")
    assert server["fault"]["message"].startswith("No valid host was found")
    assert server["OS-EXT-SRV-ATTR:host"] is None


def test_answers_of_changes_follow_the_microversion(
    client: TestClient, demo_token: str, image_id: str
) -> None:
    """Before 2.75 an update's answer leaves out what a show adds (state, usage, key, groups);
    addresses are canonical; a console tail has as many lines as asked; an unknown flavor is a 400."""
    sid = boot(client, demo_token, image_id, "web-1")
    wait(client, demo_token, sid, "ACTIVE")
    ipv6 = {"server": {"accessIPv6": "0000:0000:0000:0000:0000:babe:220.12.22.2"}}
    old = {**hdr(demo_token), "OpenStack-API-Version": "compute 2.47"}
    answer = client.put(f"{API}/servers/{sid}", json=ipv6, headers=old).json()["server"]
    assert answer["accessIPv6"] == "::babe:dc0c:1602"
    assert not {"OS-EXT-STS:vm_state", "key_name", "security_groups", "OS-SRV-USG:launched_at"} & set(answer)
    assert set(next(iter(answer["addresses"].values()))[0]) == {"version", "addr"}
    new = {**hdr(demo_token), "OpenStack-API-Version": "compute 2.75"}
    answer = client.put(f"{API}/servers/{sid}", json={"server": {"name": "web-2"}}, headers=new).json()[
        "server"
    ]
    assert answer["OS-EXT-STS:vm_state"] == "active" and answer["server_groups"] == []
    tail = client.post(
        f"{API}/servers/{sid}/action", json={"os-getConsoleOutput": {"length": 3}}, headers=hdr(demo_token)
    ).json()["output"]
    assert len(tail.split("\n")) == 3
    body = {"server": {"name": "x", "imageRef": image_id, "flavorRef": "no-such-flavor", "networks": "none"}}
    resp = client.post(f"{API}/servers", json=body, headers=hdr(demo_token))
    assert resp.status_code == 400 and "no-such-flavor" in resp.json()["badRequest"]["message"]
