"""Draining a host through the Operator API (issue 12): an operator task that disables the host
and moves each server off it as a server task of its own (live when it runs, a confirmed cold
migration when it is stopped); the host is then empty and can be removed."""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.compute import recovery
from pocketstack.core.context import RequestContext
from pocketstack.core.operator import drain
from tests.functional.conftest import auth_headers
from tests.functional.test_compute_servers import wait
from tests.functional.test_operator_hosts import image_id, register  # noqa: F401 (image_id: a fixture)

OP = "/operator"
API = "/compute/v2.1"
V = {"OpenStack-API-Version": "compute 2.79"}


def _host(client: TestClient, token: str) -> dict[str, Any]:
    hosts = client.get(f"{OP}/hosts?limit=100", headers=auth_headers(token)).json()["hosts"]
    return sorted(hosts, key=lambda h: h["name"])[0]


def _boot_only_on(client: TestClient, token: str, image: str, name: str) -> list[str]:
    """Three servers booted by an admin in the zone ``nova:<host>``: forced onto that host, as
    Nova's admins place servers; a later move (the drain's) is free to go elsewhere."""
    body = {
        "server": {
            "name": "to-drain",
            "imageRef": image,
            "flavorRef": "1",
            "networks": "none",
            "availability_zone": f"nova:{name}",
        }
    }
    headers = {**auth_headers(token), **V}
    sids = []
    for _ in range(3):
        resp = client.post(f"{API}/servers", json=body, headers=headers)
        assert resp.status_code == 202, resp.text
        sids.append(resp.json()["server"]["id"])
    for sid in sids:
        assert wait(client, token, sid, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == name
    return sids


def _until_ended(client: TestClient, token: str, href: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        task = client.get(href, headers=auth_headers(token)).json()
        if task["state"] != "RUNNING":
            return task
        assert time.monotonic() < deadline, task
        time.sleep(0.1)


def test_a_drain_moves_every_server_off_and_leaves_the_host_empty(
    client: TestClient,
    system_admin_token: str,
    admin_token: str,
    image_id: str,  # noqa: F811
) -> None:
    """Issue 12's acceptance: a fifth host registered through the API takes servers placed on
    it, is drained of them, then removed."""
    op = auth_headers(system_admin_token)
    host = register(client, system_admin_token)
    sids = _boot_only_on(client, admin_token, image_id, host["name"])
    stopped = sids[1]
    headers = {**auth_headers(admin_token), **V}
    resp = client.post(f"{API}/servers/{stopped}/action", json={"os-stop": None}, headers=headers)
    assert resp.status_code == 202, resp.text
    wait(client, admin_token, stopped, "SHUTOFF")

    started = client.post(f"{OP}/hosts/{host['id']}/drain", headers=op)
    assert started.status_code == 202, started.text
    task = started.json()
    href = task["_links"]["self"]["href"]
    assert href.endswith(f"/operator/tasks/{task['id']}") and started.headers["Location"] == href
    assert (task["kind"], task["action"], task["server_id"], task["project_id"]) == (
        "operator",
        "drain",
        None,
        None,
    )
    assert task["parameters"] == {"host": host["id"]}

    ended = _until_ended(client, system_admin_token, href)
    assert ended["state"] == "SUCCEEDED", [item["details"] for item in ended["items"]]
    details = [json.loads(item["details"]) for item in ended["items"]]
    assert sorted(d["server_id"] for d in details) == sorted(sids)
    assert all(item["state"] == "SUCCEEDED" for item in ended["items"])
    moves = {d["server_id"]: d for d in details}
    assert moves[stopped]["action"] == "migrate"
    assert {moves[s]["action"] for s in sids if s != stopped} == {"live-migration"}
    for d in details:
        move = client.get(f"{OP}/tasks/{d['task_id']}", headers=op).json()
        assert (move["kind"], move["server_id"], move["state"]) == ("server", d["server_id"], "SUCCEEDED")

    for sid in sids:
        server = client.get(f"{API}/servers/{sid}", headers=headers).json()["server"]
        assert server["OS-EXT-SRV-ATTR:host"] not in (None, host["name"])
        assert server["status"] == ("SHUTOFF" if sid == stopped else "ACTIVE")
        assert server["OS-EXT-STS:task_state"] is None
    shown = client.get(f"{OP}/hosts/{host['id']}", headers=op).json()
    assert shown["enabled"] is False and task["id"] in shown["disabled_reason"]
    assert shown["usage"]["servers"] == 0

    listed = client.get(f"{OP}/tasks?kind=operator&action=drain", headers=op).json()["tasks"]
    assert [t["id"] for t in listed] == [task["id"]]
    servers_only = client.get(f"{OP}/tasks?kind=server&limit=100", headers=op).json()["tasks"]
    assert servers_only and all(t["kind"] == "server" and t["server_id"] for t in servers_only)
    actions = client.get(f"{API}/servers/{stopped}/os-instance-actions", headers=headers).json()
    assert {a["action"] for a in actions["instanceActions"]} >= {"migrate", "confirmResize"}
    assert all(a["instance_uuid"] == stopped for a in actions["instanceActions"])

    # Compute's task views are of servers: an operator's task is none of theirs.
    vnext = client.get(f"/compute/vnext/server_tasks/{task['id']}", headers=auth_headers(admin_token))
    assert vnext.status_code == 404, vnext.text
    again = client.post(f"{OP}/tasks/{task['id']}/abort", headers=op)
    assert again.status_code == 409
    assert client.delete(f"{OP}/hosts/{host['id']}", headers=op).status_code == 204


def test_a_host_being_drained_is_409_and_its_drain_cannot_be_aborted_yet(
    client: TestClient, cloud: Cloud, system_admin_token: str
) -> None:
    op = auth_headers(system_admin_token)
    host = _host(client, system_admin_token)
    with cloud.db.transaction() as s:
        running, _ = drain.begin(s, RequestContext.system(), host["id"])
    again = client.post(f"{OP}/hosts/{host['id']}/drain", headers=op)
    assert again.status_code == 409, again.text
    assert running in again.text
    shown = client.get(f"{OP}/tasks/{running}", headers=op)
    assert shown.status_code == 200
    assert (shown.json()["state"], shown.json()["kind"], shown.json()["items"]) == ("RUNNING", "operator", [])
    assert "abort" not in shown.json()["_links"]
    aborted = client.post(f"{OP}/tasks/{running}/abort", headers=op)
    assert aborted.status_code == 409 and "not supported" in aborted.text
    assert client.get(f"{OP}/tasks/{running}", headers=op).json()["state"] == "RUNNING"
    other = sorted(client.get(f"{OP}/hosts?limit=100", headers=op).json()["hosts"], key=lambda h: h["name"])[
        1
    ]
    drained = client.post(f"{OP}/hosts/{other['id']}/drain", headers=op)
    assert drained.status_code == 202, drained.text
    assert _until_ended(client, system_admin_token, drained.json()["_links"]["self"]["href"])["state"] == (
        "SUCCEEDED"
    )
    assert client.post(f"{OP}/hosts/no-such-host/drain", headers=op).status_code == 404
    recovery.resolve_interrupted(cloud.conductor)  # what a restart does with a drain left running
    interrupted = client.get(f"{OP}/tasks/{running}", headers=op).json()
    assert (interrupted["state"], interrupted["message"]) == ("FAILED", recovery.INTERRUPTED)
