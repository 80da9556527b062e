"""The Operator API's tasks (issue 12): the list across projects with its filters and paging,
one task with its items, and the abort of a running task, which a build still carried out by
the conductor must not undo."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.identity.common import utcnow
from pocketstack.core.image.seed import seed_first_image
from pocketstack.core.operator.tasks import STUCK_AFTER_SECONDS
from pocketstack.store.compute_models import Allocation, Task
from tests.functional.conftest import auth_headers
from tests.functional.test_compute_servers import API, boot, hdr, wait

OP = "/operator"


@pytest.fixture
def image_id(cloud: Cloud) -> str:
    return seed_first_image(cloud.db, cloud.image_data)


def listed(client: TestClient, token: str, query: str = "") -> list[dict[str, Any]]:
    resp = client.get(f"{OP}/tasks{query}", headers=auth_headers(token))
    assert resp.status_code == 200, resp.text
    return resp.json()["tasks"]


def ids(found: list[dict[str, Any]]) -> list[str]:
    return [t["id"] for t in found]


@pytest.fixture
def history(client: TestClient, demo_token: str, admin_token: str, image_id: str) -> dict[str, Any]:
    """A demo server built then stopped, and an admin server built: three finished tasks."""
    mine = boot(client, demo_token, image_id, "mine")
    project = wait(client, demo_token, mine, "ACTIVE")["tenant_id"]
    resp = client.post(f"{API}/servers/{mine}/action", json={"os-stop": None}, headers=hdr(demo_token))
    assert resp.status_code == 202, resp.text
    wait(client, demo_token, mine, "SHUTOFF")
    theirs = boot(client, admin_token, image_id, "theirs")
    wait(client, admin_token, theirs, "ACTIVE")
    return {"mine": mine, "theirs": theirs, "demo_project": project}


def test_the_list_spans_projects_newest_first_and_filters(
    client: TestClient, system_admin_token: str, history: dict[str, Any]
) -> None:
    every = listed(client, system_admin_token)
    assert [(t["action"], t["server_id"]) for t in every] == [
        ("create", history["theirs"]),
        ("stop", history["mine"]),
        ("create", history["mine"]),
    ]
    assert all(t["state"] == "SUCCEEDED" and t["finished_at"] for t in every)
    assert every[0]["_links"]["self"]["href"].endswith(f"/operator/tasks/{every[0]['id']}")
    assert "abort" not in every[0]["_links"]
    t = system_admin_token
    assert ids(listed(client, t, "?action=stop")) == [every[1]["id"]]
    assert ids(listed(client, t, "?action=create,stop&state=succeeded")) == ids(every)
    assert listed(client, t, "?state=running") == [] and listed(client, t, "?state=FAILED") == []
    assert ids(listed(client, t, f"?server={history['mine']}")) == ids(every[1:])
    assert ids(listed(client, t, f"?project={history['demo_project']}")) == ids(every[1:])
    assert listed(client, t, "?project=nobody") == []
    since = every[1]["created_at"]
    assert ids(listed(client, t, f"?since={since}")) == ids(every[:2])
    assert listed(client, t, "?since=2999-01-01T00:00:00%2B02:00") == []


def test_stuck_is_a_task_running_past_the_threshold(
    client: TestClient, cloud: Cloud, system_admin_token: str, history: dict[str, Any]
) -> None:
    every = listed(client, system_admin_token)
    old, fresh = every[2]["id"], every[1]["id"]
    with cloud.db.transaction() as s:
        s.execute(update(Task).where(Task.id.in_([old, fresh])).values(status="running", finished_at=None))
        long_ago = utcnow() - timedelta(seconds=STUCK_AFTER_SECONDS + 5)
        s.execute(update(Task).where(Task.id == old).values(created_at=long_ago))
    assert ids(listed(client, system_admin_token, "?stuck=true")) == [old]
    assert ids(listed(client, system_admin_token, "?stuck=true&state=running")) == [old]
    assert len(listed(client, system_admin_token, "?stuck=false")) == 3
    running = listed(client, system_admin_token, "?state=running")
    assert set(ids(running)) == {old, fresh} and all("abort" in t["_links"] for t in running)


def test_paging_follows_the_marker(
    client: TestClient, system_admin_token: str, history: dict[str, Any]
) -> None:
    h = auth_headers(system_admin_token)
    every = ids(listed(client, system_admin_token))
    first = client.get(f"{OP}/tasks?limit=2", headers=h).json()
    assert ids(first["tasks"]) == every[:2]
    following = first["_links"]["next"]["href"]
    assert f"marker={every[1]}" in following and "limit=2" in following
    second = client.get(following.replace("http://testserver", ""), headers=h).json()
    assert ids(second["tasks"]) == every[2:] and "next" not in second["_links"]
    by_marker = client.get(f"{OP}/tasks?marker={every[0]}&action=create", headers=h).json()
    assert ids(by_marker["tasks"]) == [every[2]]


@pytest.mark.parametrize(
    "query",
    [
        "state=stuck",
        "action=fly",
        "since=yesterday",
        "stuck=maybe",
        "limit=0",
        "limit=x",
        "marker=00000000-0000-0000-0000-000000000000",
        "server=" + "x" * 65,
        "project=",
    ],
)
def test_a_bad_filter_is_a_400(client: TestClient, system_admin_token: str, query: str) -> None:
    resp = client.get(f"{OP}/tasks?{query}", headers=auth_headers(system_admin_token))
    assert resp.status_code == 400, resp.text
    assert resp.json()["errors"][0]["status"] == 400


def test_a_task_shows_its_items_and_an_unknown_one_is_a_404(
    client: TestClient, system_admin_token: str, history: dict[str, Any]
) -> None:
    h = auth_headers(system_admin_token)
    build = listed(client, system_admin_token, f"?server={history['mine']}&action=create")[0]
    resp = client.get(f"{OP}/tasks/{build['id']}", headers=h)
    assert resp.status_code == 200, resp.text
    shown = resp.json()
    assert shown["project_id"] == history["demo_project"] and shown["requested_by"]
    assert [i["name"] for i in shown["items"]] == [
        "conductor_schedule_and_build_instances",
        "compute__do_build_and_run_instance",
    ]
    assert [i["sequence"] for i in shown["items"]] == [1, 2]
    assert all(i["state"] == "SUCCEEDED" for i in shown["items"]) and shown["items"][1]["host"]
    for missing in ("00000000-0000-0000-0000-000000000000", "x" * 100):
        resp = client.get(f"{OP}/tasks/{missing}", headers=h)
        assert resp.status_code == 404, resp.text
        assert resp.json()["errors"][0]["status"] == 404
    resp = client.post(f"{OP}/tasks/{'0' * 36}/abort", headers=h)
    assert resp.status_code == 404, resp.text


def test_a_finished_task_cannot_be_aborted(
    client: TestClient, system_admin_token: str, demo_token: str, history: dict[str, Any]
) -> None:
    stop = listed(client, system_admin_token, "?action=stop")[0]
    resp = client.post(f"{OP}/tasks/{stop['id']}/abort", headers=auth_headers(system_admin_token))
    assert resp.status_code == 409, resp.text
    assert resp.json()["errors"][0]["status"] == 409
    assert listed(client, system_admin_token, "?action=stop")[0]["state"] == "SUCCEEDED"
    server = client.get(f"{API}/servers/{history['mine']}", headers=hdr(demo_token)).json()["server"]
    assert server["status"] == "SHUTOFF"


def _allocated(cloud: Cloud, consumer: str) -> bool:
    with cloud.db.read() as s:
        return s.scalar(select(Allocation.consumer_id).where(Allocation.consumer_id == consumer)) is not None


def _used_vcpus(client: TestClient, admin_token: str) -> int:
    resp = client.get(f"{API}/os-hypervisors/detail", headers=hdr(admin_token))
    assert resp.status_code == 200, resp.text
    return sum(h["vcpus_used"] for h in resp.json()["hypervisors"])


def test_aborting_a_delayed_build_leaves_it_in_error_and_claiming_nothing(
    client: TestClient,
    cloud: Cloud,
    system_admin_token: str,
    admin_token: str,
    demo_token: str,
    image_id: str,
) -> None:
    h = auth_headers(system_admin_token)
    assert client.patch(f"{OP}/faults", json={"build_delay": 3}, headers=h).status_code == 200
    sid = boot(client, demo_token, image_id, "slow")
    (task,) = listed(client, system_admin_token, f"?server={sid}")
    assert task["state"] == "RUNNING" and task["action"] == "create"
    assert task["_links"]["abort"]["href"].endswith(f"/operator/tasks/{task['id']}/abort")
    assert ids(listed(client, system_admin_token, "?state=running")) == [task["id"]]

    resp = client.post(f"{OP}/tasks/{task['id']}/abort", headers=h)
    assert resp.status_code == 200, resp.text
    aborted = resp.json()
    assert aborted["state"] == "FAILED" and aborted["message"] == "Aborted by the operator."
    assert aborted["finished_at"] and "abort" not in aborted["_links"]
    client.patch(f"{OP}/faults", json={"build_delay": 0}, headers=h)

    def check() -> None:
        server = client.get(f"{API}/servers/{sid}", headers=hdr(admin_token, "2.79")).json()["server"]
        assert server["status"] == "ERROR" and server["OS-EXT-STS:task_state"] is None
        assert "aborted by the operator" in server["fault"]["message"]
        assert server["OS-EXT-SRV-ATTR:host"] is None
        assert not _allocated(cloud, sid) and _used_vcpus(client, admin_token) == 0

    check()
    again = client.post(f"{OP}/tasks/{task['id']}/abort", headers=h)
    assert again.status_code == 409, again.text
    time.sleep(4)  # the delayed build wakes up: it must neither claim nor settle
    check()
    shown = client.get(f"{OP}/tasks/{task['id']}", headers=h).json()
    assert shown["state"] == "FAILED" and shown["message"] == "Aborted by the operator."
    assert client.delete(f"{API}/servers/{sid}", headers=hdr(demo_token)).status_code == 204
    deadline = time.monotonic() + 20
    while client.get(f"{API}/servers/{sid}", headers=hdr(demo_token)).status_code != 404:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_move_aborted_while_it_schedules_gives_back_the_claim_it_then_makes(
    client: TestClient,
    cloud: Cloud,
    system_admin_token: str,
    admin_token: str,
    demo_token: str,
    image_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The conductor claims the destination after the abort freed everything: it must notice
    the abort when the step ends, give that claim back and leave the server as the abort did."""
    sid = boot(client, demo_token, image_id)
    wait(client, demo_token, sid, "ACTIVE")
    scheduler = cloud.conductor.scheduler
    claim, entered, release = scheduler.claim, threading.Event(), threading.Event()

    def held_claim(*args: Any, **kwargs: Any) -> str:
        entered.set()
        release.wait(10)
        return claim(*args, **kwargs)

    monkeypatch.setattr(scheduler, "claim", held_claim)
    resp = client.post(f"{API}/servers/{sid}/action", json={"migrate": None}, headers=hdr(admin_token))
    assert resp.status_code == 202, resp.text
    assert entered.wait(10)
    h = auth_headers(system_admin_token)
    (task,) = listed(client, system_admin_token, f"?server={sid}&state=running&action=migrate")
    assert client.post(f"{OP}/tasks/{task['id']}/abort", headers=h).status_code == 200
    assert not _allocated(cloud, sid) and _used_vcpus(client, admin_token) == 0
    release.set()
    deadline = time.monotonic() + 10
    while True:
        items = client.get(f"{OP}/tasks/{task['id']}", headers=h).json()["items"]
        if items and items[0]["state"] != "RUNNING" and _used_vcpus(client, admin_token) == 0:
            break
        assert time.monotonic() < deadline, items
        time.sleep(0.05)
    time.sleep(0.5)
    server = client.get(f"{API}/servers/{sid}", headers=hdr(admin_token)).json()["server"]
    assert server["status"] == "ERROR" and server["OS-EXT-STS:task_state"] is None
    assert server["OS-EXT-SRV-ATTR:host"] is None and "aborted by the operator" in server["fault"]["message"]
    assert _used_vcpus(client, admin_token) == 0
    with cloud.db.read() as s:
        assert list(s.scalars(select(Allocation.consumer_id))) == []
    shown = client.get(f"{OP}/tasks/{task['id']}", headers=h).json()
    assert shown["state"] == "FAILED" and shown["message"] == "Aborted by the operator."
    assert [i["name"] for i in shown["items"]] == ["conductor_migrate_server"]
