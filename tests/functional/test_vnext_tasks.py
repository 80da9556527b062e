"""Compute vNext's tasks: every action is a task, and a task is the instance action v2.1 shows
(docs/compute-vnext.md §5, §6.3): one history, two views."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.compute.server_types import type_uuid
from pocketstack.core.image.seed import seed_first_image
from pocketstack.store.compute_models import Task
from tests.functional.conftest import auth_headers
from tests.functional.test_compute_servers import API, boot, hdr, wait

V = "/compute/vnext"


@pytest.fixture
def image_id(cloud: Cloud) -> str:
    return seed_first_image(cloud.db, cloud.image_data)


def start(
    client: TestClient, token: str, sid: str, body: dict[str, Any], status: int = 202
) -> dict[str, Any]:
    resp = client.post(f"{V}/servers/{sid}/tasks", json=body, headers=auth_headers(token))
    assert resp.status_code == status, resp.text
    return resp.json()


def finished(client: TestClient, token: str, task_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        task = client.get(f"{V}/server_tasks/{task_id}", headers=auth_headers(token)).json()
        if task["state"] != "RUNNING":
            return task
        assert time.monotonic() < deadline, task
        time.sleep(0.05)


def active(client: TestClient, token: str, image_id: str, name: str = "s") -> str:
    sid = boot(client, token, image_id, name)
    wait(client, token, sid, "ACTIVE")
    return sid


def test_stop_and_start_are_v21_instance_actions_with_their_events(
    client: TestClient, demo_token: str, image_id: str
) -> None:
    sid = active(client, demo_token, image_id)
    resp = client.post(f"{V}/servers/{sid}/tasks", json={"action": "STOP"}, headers=auth_headers(demo_token))
    assert resp.status_code == 202, resp.text
    task = resp.json()
    assert resp.headers["Location"] == task["_links"]["self"]["href"]
    assert resp.headers["Location"].endswith(f"{V}/server_tasks/{task['id']}")
    assert (task["action"], task["server_id"], task["parameters"]) == ("STOP", sid, {})
    assert task["_links"]["items"]["href"].endswith(f"/server_tasks/{task['id']}/items")
    assert task["_links"]["server"]["href"].endswith(f"{V}/servers/{sid}")
    done = finished(client, demo_token, task["id"])
    assert done["state"] == "SUCCEEDED" and done["finished_at"] and done["message"] is None
    wait(client, demo_token, sid, "SHUTOFF")
    assert (
        client.get(f"{V}/servers/{sid}", headers=auth_headers(demo_token)).json()["virt_state"] == "STOPPED"
    )

    # the same row in v2.1: the action by its request id, the items as its events
    nova = client.get(f"{API}/servers/{sid}/os-instance-actions", headers=hdr(demo_token)).json()
    stop = nova["instanceActions"][0]
    assert (stop["action"], stop["request_id"]) == ("stop", done["request_id"])
    assert stop["user_id"] == done["requested_by"] and stop["project_id"] == done["project_id"]
    shown = client.get(
        f"{API}/servers/{sid}/os-instance-actions/{stop['request_id']}", headers=hdr(demo_token)
    ).json()["instanceAction"]
    items = client.get(f"{V}/server_tasks/{task['id']}/items", headers=auth_headers(demo_token)).json()
    assert [e["event"] for e in shown["events"]] == [i["name"] for i in items["items"]]
    assert [i["sequence"] for i in items["items"]] == list(range(1, len(items["items"]) + 1))
    assert {i["state"] for i in items["items"]} == {"SUCCEEDED"} and "_elevated" not in items["items"][0]

    started = start(client, demo_token, sid, {"action": "START"})
    assert finished(client, demo_token, started["id"])["state"] == "SUCCEEDED"
    wait(client, demo_token, sid, "ACTIVE")


def test_a_v21_action_is_a_vnext_task_and_the_list_filters_and_pages(
    client: TestClient, demo_token: str, image_id: str
) -> None:
    sid = active(client, demo_token, image_id)
    h = auth_headers(demo_token)
    resp = client.post(f"{API}/servers/{sid}/action", json={"pause": None}, headers=hdr(demo_token))
    assert resp.status_code == 202
    wait(client, demo_token, sid, "PAUSED")
    listed = client.get(f"{V}/servers/{sid}/tasks", headers=h).json()
    assert [t["action"] for t in listed["tasks"]] == ["PAUSE", "CREATE"]  # newest first
    assert listed["_links"]["self"]["href"].endswith(f"/servers/{sid}/tasks")
    nova = client.get(f"{API}/servers/{sid}/os-instance-actions", headers=hdr(demo_token)).json()
    assert [a["request_id"] for a in nova["instanceActions"]] == [t["request_id"] for t in listed["tasks"]]

    first = client.get(f"{V}/servers/{sid}/tasks?limit=1", headers=h).json()
    assert [t["action"] for t in first["tasks"]] == ["PAUSE"] and "next" in first["_links"]
    second = client.get(first["_links"]["next"]["href"], headers=h).json()
    assert [t["action"] for t in second["tasks"]] == ["CREATE"] and "next" not in second["_links"]
    ok = client.get(f"{V}/servers/{sid}/tasks?state=SUCCEEDED,FAILED", headers=h).json()["tasks"]
    assert len(ok) == 2
    assert client.get(f"{V}/servers/{sid}/tasks?state=RUNNING", headers=h).json()["tasks"] == []
    late = client.get(f"{V}/servers/{sid}/tasks?since=2999-01-01T00:00:00Z", headers=h).json()
    assert late["tasks"] == []
    early = client.get(f"{V}/servers/{sid}/tasks?since=2000-01-01T00:00:00Z", headers=h).json()
    assert len(early["tasks"]) == 2
    assert client.get(f"{V}/servers/{sid}/tasks?state=DONE", headers=h).status_code == 400
    assert client.get(f"{V}/servers/{sid}/tasks?since=yesterday", headers=h).status_code == 400
    assert client.get(f"{V}/servers/{sid}/tasks?marker=nope", headers=h).status_code == 400


def test_reboot_hard_lock_with_a_reason_and_a_password_never_shown(
    client: TestClient, demo_token: str, image_id: str
) -> None:
    sid = active(client, demo_token, image_id)
    reboot = start(client, demo_token, sid, {"action": "REBOOT", "type": "HARD"})
    assert reboot["parameters"] == {"type": "HARD"}
    assert finished(client, demo_token, reboot["id"])["state"] == "SUCCEEDED"
    wait(client, demo_token, sid, "ACTIVE")
    password = start(client, demo_token, sid, {"action": "UPDATE_PASSWORD", "password": "s3cret-pw"})
    assert password["action"] == "UPDATE_PASSWORD" and password["parameters"] == {}
    assert finished(client, demo_token, password["id"])["state"] == "SUCCEEDED"
    assert "s3cret-pw" not in client.get(f"{V}/servers/{sid}/tasks", headers=auth_headers(demo_token)).text
    wait(client, demo_token, sid, "ACTIVE")

    lock = start(client, demo_token, sid, {"action": "LOCK", "reason": "maintenance"})
    assert (lock["state"], lock["parameters"]) == ("SUCCEEDED", {"reason": "maintenance"})
    nova = client.get(f"{API}/servers/{sid}", headers=hdr(demo_token)).json()["server"]
    assert nova["locked"] is True and nova["locked_reason"] == "maintenance"
    assert start(client, demo_token, sid, {"action": "UNLOCK"})["state"] == "SUCCEEDED"
    assert client.get(f"{V}/servers/{sid}", headers=auth_headers(demo_token)).json()["locked"] is False


def test_terminate_deletes_and_its_task_stays_readable(
    client: TestClient, demo_token: str, image_id: str
) -> None:
    sid = active(client, demo_token, image_id)
    task = start(client, demo_token, sid, {"action": "TERMINATE"})
    assert task["action"] == "TERMINATE"
    assert finished(client, demo_token, task["id"])["state"] == "SUCCEEDED"
    assert client.get(f"{API}/servers/{sid}", headers=hdr(demo_token)).status_code == 404
    h = auth_headers(demo_token)
    assert client.get(f"{V}/servers/{sid}", headers=h).status_code == 404
    listed = client.get(f"{V}/servers/{sid}/tasks", headers=h).json()["tasks"]
    assert listed[0]["id"] == task["id"] and listed[0]["action"] == "TERMINATE"
    assert client.get(f"{V}/server_tasks/{task['id']}/items", headers=h).json()["items"]


def test_snapshot_makes_an_image_and_backup_keeps_its_rotation(
    client: TestClient, demo_token: str, image_id: str
) -> None:
    sid = active(client, demo_token, image_id)
    task = start(client, demo_token, sid, {"action": "SNAPSHOT", "name": "snap-1"})
    made = task["parameters"]["template_id"]
    assert task["parameters"]["name"] == "snap-1" and made
    assert finished(client, demo_token, task["id"])["state"] == "SUCCEEDED"
    image = client.get(f"/image/v2/images/{made}", headers=auth_headers(demo_token))
    assert image.status_code == 200 and image.json()["name"] == "snap-1"
    wait(client, demo_token, sid, "ACTIVE")
    backup = start(client, demo_token, sid, {"action": "BACKUP", "name": "nightly", "rotation": 1})
    assert backup["parameters"]["rotation"] == 1 and backup["parameters"]["template_id"]
    assert finished(client, demo_token, backup["id"])["state"] == "SUCCEEDED"


def test_resize_confirms_itself_in_the_same_task(client: TestClient, demo_token: str, image_id: str) -> None:
    sid = active(client, demo_token, image_id)
    task = start(client, demo_token, sid, {"action": "RESIZE", "type_id": type_uuid("2")})
    assert task["parameters"] == {"type_id": type_uuid("2")}
    assert finished(client, demo_token, task["id"])["state"] == "SUCCEEDED"
    nova = wait(client, demo_token, sid, "ACTIVE")  # no VERIFY_RESIZE in between
    assert nova["flavor"]["original_name"] == "m1.small"
    shown = client.get(
        f"{API}/servers/{sid}/os-instance-actions/{task['request_id']}", headers=hdr(demo_token)
    ).json()["instanceAction"]
    assert shown["action"] == "resize"
    assert "compute_confirm_resize" in [e["event"] for e in shown["events"]]
    vnext = client.get(f"{V}/servers/{sid}", headers=auth_headers(demo_token)).json()
    assert vnext["type_id"] == type_uuid("2") and vnext["virt_state"] == "ACTIVE"
    assert start(client, demo_token, sid, {"action": "REVERT"}, 409)["errors"][0]["status"] == 409
    unknown = start(client, demo_token, sid, {"action": "RESIZE", "type_id": type_uuid("nope")}, 400)
    assert "could not be found" in unknown["errors"][0]["detail"]


def test_move_cold_and_live_as_admin(client: TestClient, admin_token: str, image_id: str) -> None:
    sid = active(client, admin_token, image_id)
    h = auth_headers(admin_token)
    before = client.get(f"{V}/servers/{sid}", headers=h).json()["_elevated"]["host"]
    cold = start(client, admin_token, sid, {"action": "MOVE"})
    assert cold["parameters"] == {"placement_id": None, "live": False}
    assert finished(client, admin_token, cold["id"])["state"] == "SUCCEEDED"
    wait(client, admin_token, sid, "ACTIVE")
    moved = client.get(f"{V}/servers/{sid}", headers=h).json()
    assert moved["_elevated"]["host"] != before and moved["virt_state"] == "ACTIVE"
    live = start(client, admin_token, sid, {"action": "MOVE", "live": True})
    assert (live["action"], live["parameters"]["live"]) == ("MOVE", True)
    assert finished(client, admin_token, live["id"])["state"] == "SUCCEEDED"
    nova = client.get(f"{API}/servers/{sid}/os-instance-actions", headers=hdr(admin_token)).json()
    assert [a["action"] for a in nova["instanceActions"][:2]] == ["live-migration", "migrate"]
    items = client.get(f"{V}/server_tasks/{cold['id']}/items", headers=h).json()["items"]
    assert items[-1]["name"] == "compute_confirm_resize" and items[-1]["_elevated"]["host"]
    bad = start(client, admin_token, sid, {"action": "MOVE", "placement_id": "nowhere"}, 400)
    assert bad["errors"][0]["status"] == 400
    placement = moved["placement_id"]
    assert placement is not None
    wait(client, admin_token, sid, "ACTIVE")
    inside = start(client, admin_token, sid, {"action": "MOVE", "placement_id": placement})
    assert inside["parameters"] == {"placement_id": placement, "live": False}
    assert finished(client, admin_token, inside["id"])["state"] == "SUCCEEDED"
    assert client.get(f"{V}/servers/{sid}", headers=h).json()["placement_id"] == placement


def test_revert_undoes_a_v21_resize_left_to_confirm(
    client: TestClient, demo_token: str, image_id: str
) -> None:
    sid = active(client, demo_token, image_id)
    body = {"resize": {"flavorRef": "2"}}
    assert client.post(f"{API}/servers/{sid}/action", json=body, headers=hdr(demo_token)).status_code == 202
    wait(client, demo_token, sid, "VERIFY_RESIZE")
    assert (
        client.get(f"{V}/servers/{sid}", headers=auth_headers(demo_token)).json()["virt_state"] == "RESIZED"
    )
    revert = start(client, demo_token, sid, {"action": "REVERT"})
    assert finished(client, demo_token, revert["id"])["state"] == "SUCCEEDED"
    assert wait(client, demo_token, sid, "ACTIVE")["flavor"]["original_name"] == "m1.tiny"


def test_member_may_not_move(client: TestClient, demo_token: str, image_id: str) -> None:
    sid = active(client, demo_token, image_id)
    assert start(client, demo_token, sid, {"action": "MOVE"}, 403)["errors"][0]["status"] == 403


def test_wrong_state_and_a_running_task_are_409(
    client: TestClient, cloud: Cloud, demo_token: str, image_id: str
) -> None:
    sid = active(client, demo_token, image_id)
    wrong = start(client, demo_token, sid, {"action": "START"}, 409)["errors"][0]
    assert wrong["code"] == "compute.server.invalid_state" and "active" in wrong["detail"]
    cloud.driver.delay = 1.0  # the fake driver takes its time: the stop is still running
    try:
        stop = start(client, demo_token, sid, {"action": "STOP"})
        busy = start(client, demo_token, sid, {"action": "PAUSE"}, 409)["errors"][0]
        assert busy["code"] == "compute.server.invalid_state"
        running = client.get(f"{V}/servers/{sid}", headers=auth_headers(demo_token)).json()["task"]
        assert running == {"id": stop["id"], "action": "STOP"}
    finally:
        cloud.driver.delay = 0.0
    assert finished(client, demo_token, stop["id"])["state"] == "SUCCEEDED"


def test_bad_bodies_are_400(client: TestClient, demo_token: str, image_id: str) -> None:
    sid = active(client, demo_token, image_id)
    cases = [
        {"action": "DANCE"},
        {"action": "CREATE"},  # a name of the history only
        {"type": "HARD"},
        {"action": "STOP", "force": True},
        {"action": "REBOOT", "type": "GENTLE"},
        {"action": "SNAPSHOT"},
        {"action": "BACKUP", "name": "b", "rotation": -1},
        {"action": "REBUILD", "template_id": "0" * 36},
    ]
    for body in cases:
        error = start(client, demo_token, sid, body, 400)["errors"][0]
        assert error["status"] == 400 and error["code"] == "request.invalid", (body, error)
    assert (
        "force" in start(client, demo_token, sid, {"action": "STOP", "force": 1}, 400)["errors"][0]["detail"]
    )
    resp = client.post(f"{V}/servers/{sid}/tasks", json=["STOP"], headers=auth_headers(demo_token))
    assert resp.status_code == 400


def test_another_projects_server_and_task_are_404(
    client: TestClient, demo_token: str, admin_token: str, image_id: str
) -> None:
    sid = active(client, admin_token, image_id, "admins")
    error = start(client, demo_token, sid, {"action": "STOP"}, 404)["errors"][0]
    assert error["code"] == "resource.not_found"
    task = start(client, admin_token, sid, {"action": "LOCK"})
    h = auth_headers(demo_token)
    assert client.get(f"{V}/server_tasks/{task['id']}", headers=h).status_code == 404
    assert client.get(f"{V}/server_tasks/{task['id']}/items", headers=h).status_code == 404
    assert client.get(f"{V}/servers/{sid}/tasks", headers=h).status_code == 404
    assert client.get(f"{V}/server_tasks/not-a-task", headers=h).status_code == 404
    assert client.get(f"{V}/server_tasks/{task['id']}", headers=auth_headers(admin_token)).status_code == 200


def test_items_page_by_sequence(client: TestClient, demo_token: str, image_id: str) -> None:
    sid = active(client, demo_token, image_id)
    create = client.get(f"{V}/servers/{sid}/tasks", headers=auth_headers(demo_token)).json()["tasks"][-1]
    h = auth_headers(demo_token)
    path = f"{V}/server_tasks/{create['id']}/items"
    every = client.get(path, headers=h).json()["items"]
    assert every and every[0]["sequence"] == 1 and every[0]["started_at"].endswith("Z")
    first = client.get(f"{path}?limit=1", headers=h).json()
    assert first["items"] == every[:1]
    if len(every) > 1:
        rest = client.get(first["_links"]["next"]["href"], headers=h).json()["items"]
        assert rest[0]["sequence"] == 2
    assert client.get(f"{path}?marker=99", headers=h).status_code == 400
    assert client.get(f"{path}?marker=x", headers=h).status_code == 400


def test_the_task_schemas_are_discoverable(client: TestClient) -> None:
    create = client.get(f"{V}/schemas/TaskCreate").json()
    assert create["discriminator"]["propertyName"] == "action"
    assert any(link["rel"] == "server-tasks" and link["method"] == "POST" for link in create["links"])
    task = client.get(f"{V}/schemas/TaskShape").json()
    assert "CREATE" in task["properties"]["action"]["enum"]
    api = client.get(f"{V}/openapi.json").json()
    assert "202" in api["paths"]["/servers/{server_id}/tasks"]["post"]["responses"]


def test_a_password_reaches_the_guest_but_is_never_stored_in_the_clear(
    client: TestClient, cloud: Cloud, demo_token: str, image_id: str
) -> None:
    """The task row holds the password sealed while the task runs and not at all afterwards;
    the driver gets it in the clear (core/tasks/secrets.py)."""
    sid = active(client, demo_token, image_id)
    seen: dict[str, Any] = {}
    driver = cloud.conductor.driver

    class Witness:
        def __getattr__(self, name: str) -> Any:
            return getattr(driver, name)

        def set_admin_password(self, guest: Any, password: str) -> None:
            with cloud.db.read() as s:
                row = s.scalars(
                    select(Task).where(Task.server_id == sid, Task.action == "changePassword")
                ).one()
                seen["stored"] = dict(row.params)
            seen["password"] = password
            driver.set_admin_password(guest, password)

    cloud.conductor.driver = Witness()
    task = start(client, demo_token, sid, {"action": "UPDATE_PASSWORD", "password": "s3cret-pw"})
    assert finished(client, demo_token, task["id"])["state"] == "SUCCEEDED"
    assert seen["password"] == "s3cret-pw"
    assert "s3cret-pw" not in json.dumps(seen["stored"]) and "password" not in seen["stored"]
    with cloud.db.read() as s:
        assert "s3cret-pw" not in json.dumps(s.get(Task, task["id"]).params)
        assert s.get(Task, task["id"]).params == {}
