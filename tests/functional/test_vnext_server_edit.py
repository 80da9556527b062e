"""Compute vNext: changing a server (PATCH), its tags, console log and consoles, over the core
v2.1 uses too (docs/compute-vnext.md §2, §6.5, §6.7)."""

from __future__ import annotations

import orjson
import pytest
from httpx import Response
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.image.seed import seed_first_image
from tests.functional.conftest import auth_headers
from tests.functional.test_compute_servers import API, boot, hdr, wait

V = "/compute/vnext"


@pytest.fixture
def image_id(cloud: Cloud) -> str:
    return seed_first_image(cloud.db, cloud.image_data)


@pytest.fixture
def server_id(client: TestClient, demo_token: str, image_id: str) -> str:
    sid = boot(client, demo_token, image_id, "first")
    wait(client, demo_token, sid, "ACTIVE")
    return sid


def _patch(client: TestClient, token: str, sid: str, doc: object, merge: bool = False) -> Response:
    kind = "application/merge-patch+json" if merge else "application/json"
    headers = {**auth_headers(token), "Content-Type": kind}
    return client.patch(f"{V}/servers/{sid}", content=orjson.dumps(doc), headers=headers)


def test_patch_hostname_then_find_it_by_name_and_409_when_taken(
    client: TestClient, demo_token: str, image_id: str, server_id: str
) -> None:
    resp = _patch(client, demo_token, server_id, {"hostname": "web-1.example"}, merge=True)
    assert resp.status_code == 200, resp.text
    shown = resp.json()
    assert shown["id"] == server_id and shown["hostname"] == "web-1.example"
    project = shown["project_id"]
    found = client.get(f"{V}/projects/{project}/servers/web-1.example", headers=auth_headers(demo_token))
    assert found.status_code == 200 and found.json()["id"] == server_id
    nova = client.get(f"{API}/servers/{server_id}", headers=hdr(demo_token, "2.90")).json()["server"]
    assert nova["OS-EXT-SRV-ATTR:hostname"] == "web-1.example" and nova["name"] == "first"

    other = boot(client, demo_token, image_id, "second")
    wait(client, demo_token, other, "ACTIVE")
    taken = _patch(client, demo_token, other, {"hostname": "web-1.example"})
    assert taken.status_code == 409, taken.text
    assert taken.json()["errors"][0]["code"] == "compute.server.hostname_taken"
    # The same name again is no change; a bad one is a 400, as is an unknown field or null.
    assert _patch(client, demo_token, server_id, {"hostname": "web-1.example"}).status_code == 200
    for doc in ({"hostname": "Web_1"}, {"name": "x"}, {"hostname": None}, {"project_id": None}, []):
        bad = _patch(client, demo_token, server_id, doc)
        assert bad.status_code == 400, (doc, bad.text)
    plain = client.patch(
        f"{V}/servers/{server_id}",
        content=b'{"hostname": "a"}',
        headers={**auth_headers(demo_token), "Content-Type": "text/plain"},
    )
    assert plain.status_code == 415


def test_properties_are_v21_metadata_replaced_as_a_whole(
    client: TestClient, demo_token: str, server_id: str
) -> None:
    client.put(
        f"{API}/servers/{server_id}/metadata", json={"metadata": {"old": "1"}}, headers=hdr(demo_token)
    )
    resp = _patch(client, demo_token, server_id, {"properties": {"role": "web", "tier": "front"}})
    assert resp.status_code == 200 and resp.json()["properties"] == {"role": "web", "tier": "front"}
    meta = client.get(f"{API}/servers/{server_id}/metadata", headers=hdr(demo_token)).json()["metadata"]
    assert meta == {"role": "web", "tier": "front"}
    assert _patch(client, demo_token, server_id, {"properties": {"k": "v" * 256}}).status_code == 400
    assert _patch(client, demo_token, server_id, {"properties": {"k": 1}}).status_code == 400
    cleared = _patch(client, demo_token, server_id, {"properties": None}, merge=True)
    assert cleared.status_code == 200 and cleared.json()["properties"] == {}


def test_transfer_to_an_unknown_project_is_400_and_to_its_own_a_no_op(
    client: TestClient, demo_token: str, server_id: str
) -> None:
    project = client.get(f"{V}/servers/{server_id}", headers=auth_headers(demo_token)).json()["project_id"]
    resp = _patch(client, demo_token, server_id, {"project_id": "0" * 32})
    assert resp.status_code == 400
    error = resp.json()["errors"][0]
    assert error["detail"] == f"Project {'0' * 32} could not be found."
    # With another field too: refused before anything is looked at (tests/functional/test_vnext_transfer.py).
    both = _patch(client, demo_token, server_id, {"project_id": "0" * 32, "hostname": "moved"})
    assert both.status_code == 400
    assert (
        client.get(f"{V}/servers/{server_id}", headers=auth_headers(demo_token)).json()["hostname"] != "moved"
    )
    same = _patch(client, demo_token, server_id, {"project_id": project})
    assert same.status_code == 200 and same.json()["project_id"] == project


def test_tags_are_v21_tags_both_ways(client: TestClient, demo_token: str, server_id: str) -> None:
    h = auth_headers(demo_token)
    tags = f"{V}/servers/{server_id}/tags"
    put = client.put(tags, json={"tags": ["b", "a", "b"]}, headers=h)
    assert put.status_code == 200 and put.json()["tags"] == ["a", "b"]
    assert put.json()["_links"]["self"]["href"].endswith(tags)
    nova_tags = f"{API}/servers/{server_id}/tags"
    assert client.get(nova_tags, headers=hdr(demo_token)).json()["tags"] == ["a", "b"]

    assert client.put(f"{nova_tags}/c", headers=hdr(demo_token)).status_code == 201
    assert client.get(tags, headers=h).json()["tags"] == ["a", "b", "c"]
    assert client.get(f"{tags}/c", headers=h).status_code == 204
    assert client.get(f"{tags}/d", headers=h).status_code == 404

    assert client.put(f"{tags}/d", headers=h).status_code == 204
    assert client.put(f"{tags}/d", headers=h).status_code == 204  # already there
    assert client.get(f"{nova_tags}/d", headers=hdr(demo_token)).status_code == 204
    assert client.delete(f"{tags}/a", headers=h).status_code == 204
    assert client.delete(f"{tags}/a", headers=h).status_code == 404
    assert client.get(nova_tags, headers=hdr(demo_token)).json()["tags"] == ["b", "c", "d"]

    assert client.put(f"{tags}/a,b", headers=h).status_code == 400
    assert client.put(f"{tags}/{'x' * 61}", headers=h).status_code == 400
    assert client.put(tags, json={"tags": [str(i) for i in range(51)]}, headers=h).status_code == 400
    assert client.put(tags, json={"tags": ["a/b"]}, headers=h).status_code == 400
    assert client.put(tags, json={"tags": [str(i) for i in range(50)]}, headers=h).status_code == 200
    assert client.put(f"{tags}/one-more", headers=h).status_code == 400
    # v2.1's own rules are unchanged now that both call core/compute/server_tags.py.
    replaced = client.put(nova_tags, json={"tags": ["z", "y", "z"]}, headers=hdr(demo_token))
    assert replaced.status_code == 200 and replaced.json() == {"tags": ["y", "z"]}
    assert client.put(f"{nova_tags}/y", headers=hdr(demo_token)).status_code == 204
    assert client.get(nova_tags, headers=hdr(demo_token, "2.25")).status_code == 404
    assert client.delete(nova_tags, headers=hdr(demo_token)).status_code == 204
    assert client.get(tags, headers=h).json()["tags"] == []


def test_console_log_lines_and_consoles(client: TestClient, demo_token: str, server_id: str) -> None:
    h = auth_headers(demo_token)
    full = client.get(f"{V}/servers/{server_id}/console_log", headers=h)
    assert full.status_code == 200, full.text
    lines = full.json()["lines"]
    assert len(lines) > 2 and all("\n" not in line for line in lines)
    tail = client.get(f"{V}/servers/{server_id}/console_log?lines=2", headers=h).json()
    assert tail["lines"] == lines[-2:]
    assert tail["_links"]["describedby"]["href"].endswith("/schemas/ConsoleLog")
    assert client.get(f"{V}/servers/{server_id}/console_log?lines=-1", headers=h).status_code == 400

    resp = client.get(f"{V}/servers/{server_id}/consoles/novnc", headers=h)
    assert resp.status_code == 501
    assert "remote consoles" in resp.json()["errors"][0]["detail"]
    assert "fake" in resp.json()["errors"][0]["detail"]
    assert client.get(f"{V}/servers/{server_id}/consoles/telnet", headers=h).status_code == 400


def test_console_log_of_a_shelved_server_is_409(client: TestClient, demo_token: str, server_id: str) -> None:
    resp = client.post(f"{API}/servers/{server_id}/action", json={"shelve": None}, headers=hdr(demo_token))
    assert resp.status_code == 202, resp.text
    wait(client, demo_token, server_id, "SHELVED_OFFLOADED")
    log = client.get(f"{V}/servers/{server_id}/console_log", headers=auth_headers(demo_token))
    assert log.status_code == 409 and log.json()["errors"][0]["code"] == "compute.server.invalid_state"


def test_another_projects_server_is_404_on_every_route(
    client: TestClient, demo_token: str, admin_token: str, image_id: str
) -> None:
    sid = boot(client, admin_token, image_id, "admins")
    wait(client, admin_token, sid, "ACTIVE")
    h = auth_headers(demo_token)
    base = f"{V}/servers/{sid}"
    answers = [
        _patch(client, demo_token, sid, {"hostname": "mine"}),
        client.get(f"{base}/tags", headers=h),
        client.put(f"{base}/tags", json={"tags": ["a"]}, headers=h),
        client.get(f"{base}/tags/a", headers=h),
        client.put(f"{base}/tags/a", headers=h),
        client.delete(f"{base}/tags/a", headers=h),
        client.get(f"{base}/console_log", headers=h),
        client.get(f"{base}/consoles/novnc", headers=h),
    ]
    assert [a.status_code for a in answers] == [404] * len(answers), [a.text for a in answers]
    assert client.get(f"{API}/servers/{sid}/tags", headers=hdr(admin_token)).json()["tags"] == []
