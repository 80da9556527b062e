"""Issue #8 defect 4: concurrent actions on one server. Of requests that race for a server only
one may win (Nova: one 202, the others 409); a task that ends after a delete or a reset took the
server over changes nothing; a delete always ends with the server deleted.

The fake driver's calls are held at a gate, so the winning task is still running while the
others arrive; the requests are sent from threads released together by a barrier.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.image.seed import seed_first_image
from pocketstack.store.compute_models import Server, Task
from tests.functional.test_compute_servers import API, boot, hdr, wait


@pytest.fixture
def image_id(cloud: Cloud) -> str:
    return seed_first_image(cloud.db, cloud.image_data)


class Gate:
    """Holds every call of the named fake-driver methods until opened."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, driver: Any, *methods: str) -> None:
        self.opened = threading.Event()
        self.entered = threading.Semaphore(0)
        for name in methods:
            monkeypatch.setattr(driver, name, self._held(getattr(driver, name)))

    def _held(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def held(*args: Any, **kwargs: Any) -> Any:
            self.entered.release()
            assert self.opened.wait(60), "the gate was never opened"
            return method(*args, **kwargs)

        return held

    def wait_entered(self) -> None:
        assert self.entered.acquire(timeout=20), "no task reached the driver"


MakeGate = Callable[..., Gate]


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch, cloud: Cloud) -> Iterator[MakeGate]:
    made: list[Gate] = []

    def make(*methods: str) -> Gate:
        made.append(Gate(monkeypatch, cloud.driver, *methods))
        return made[-1]

    yield make
    for g in made:  # let held tasks finish before the cloud closes
        g.opened.set()


def race(client: TestClient, token: str, sid: str, bodies: list[Any]) -> list[httpx.Response]:
    """POST every action body at once, from as many threads."""
    barrier = threading.Barrier(len(bodies))

    def send(body: Any) -> httpx.Response:
        barrier.wait(10)
        if body == "DELETE":
            return client.delete(f"{API}/servers/{sid}", headers=hdr(token))
        return client.post(f"{API}/servers/{sid}/action", json=body, headers=hdr(token))

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(send, bodies))


def conflicts(answers: list[httpx.Response]) -> Counter[str]:
    return Counter(a.json()["conflictingRequest"]["message"] for a in answers if a.status_code == 409)


def row(cloud: Cloud, sid: str) -> Server:
    with cloud.db.read() as s:
        return s.get(Server, sid)


def tasks_of(cloud: Cloud, sid: str, action: str | None = None) -> list[Task]:
    with cloud.db.read() as s:
        stmt = select(Task).where(Task.server_id == sid)
        return list(s.scalars(stmt if action is None else stmt.where(Task.action == action)))


def settled(cloud: Cloud, sid: str) -> None:
    """Every task of the server has ended."""
    deadline = time.monotonic() + 20
    while any(t.status == "running" for t in tasks_of(cloud, sid)):
        assert time.monotonic() < deadline
        time.sleep(0.05)


def active_server(client: TestClient, token: str, image: str) -> str:
    sid = boot(client, token, image)
    wait(client, token, sid, "ACTIVE")
    return sid


def test_twenty_parallel_soft_reboots_one_is_accepted(
    client: TestClient, cloud: Cloud, demo_token: str, image_id: str, gate: MakeGate
) -> None:
    sid = active_server(client, demo_token, image_id)
    held = gate("reboot")
    answers = race(client, demo_token, sid, [{"reboot": {"type": "SOFT"}}] * 20)
    assert sorted(a.status_code for a in answers) == [202] + [409] * 19
    assert conflicts(answers) == {"Cannot 'reboot' instance while it is in task_state rebooting": 19}
    held.wait_entered()
    assert client.get(f"{API}/servers/{sid}", headers=hdr(demo_token)).json()["server"]["status"] == "REBOOT"
    held.opened.set()
    wait(client, demo_token, sid, "ACTIVE")
    assert len(tasks_of(cloud, sid, "reboot")) == 1


def test_a_hard_reboot_cuts_into_a_soft_one_but_not_the_other_way(
    client: TestClient, demo_token: str, image_id: str, gate: MakeGate
) -> None:
    sid = active_server(client, demo_token, image_id)
    held = gate("reboot")
    post = f"{API}/servers/{sid}/action"
    assert client.post(post, json={"reboot": {"type": "SOFT"}}, headers=hdr(demo_token)).status_code == 202
    assert client.post(post, json={"reboot": {"type": "HARD"}}, headers=hdr(demo_token)).status_code == 202
    resp = client.post(post, json={"reboot": {"type": "SOFT"}}, headers=hdr(demo_token))
    assert resp.status_code == 409
    assert conflicts([resp]) == {"Cannot 'reboot' instance while it is in task_state rebooting_hard": 1}
    held.opened.set()
    wait(client, demo_token, sid, "ACTIVE")


def test_parallel_stop_pause_suspend_and_reboot_exactly_one_wins(
    client: TestClient, demo_token: str, image_id: str, gate: MakeGate
) -> None:
    sid = active_server(client, demo_token, image_id)
    held = gate("reboot", "power_off", "power_on", "pause", "suspend")
    kinds = [{"os-stop": None}, {"pause": None}, {"suspend": None}, {"reboot": {"type": "SOFT"}}]
    answers = race(client, demo_token, sid, kinds * 5)
    won = [body for body, a in zip(kinds * 5, answers, strict=True) if a.status_code == 202]
    held.wait_entered()
    assert len(won) == 1 and sum(a.status_code == 409 for a in answers) == 19
    held.opened.set()
    expected = {"os-stop": "SHUTOFF", "pause": "PAUSED", "suspend": "SUSPENDED", "reboot": "ACTIVE"}
    wait(client, demo_token, sid, expected[next(iter(won[0]))])


def test_parallel_stops_then_starts_exactly_one_wins_each_time(
    client: TestClient, demo_token: str, image_id: str, gate: MakeGate
) -> None:
    sid = active_server(client, demo_token, image_id)
    held = gate("power_off", "power_on", "reboot")
    stops = race(client, demo_token, sid, [{"os-stop": None}] * 12)
    assert sorted(a.status_code for a in stops) == [202] + [409] * 11
    assert conflicts(stops) == {"Cannot 'stop' instance while it is in task_state powering-off": 11}
    held.opened.set()
    wait(client, demo_token, sid, "SHUTOFF")
    held.opened.clear()
    # with one hard reboot (allowed from SHUTOFF; several would pile onto each other, as in Nova)
    starts = race(client, demo_token, sid, [{"os-start": None}] * 11 + [{"reboot": {"type": "HARD"}}])
    assert sorted(a.status_code for a in starts) == [202] + [409] * 11
    held.opened.set()
    wait(client, demo_token, sid, "ACTIVE")


def test_a_reboot_that_ends_after_its_server_was_deleted_leaves_it_deleted(
    client: TestClient, cloud: Cloud, demo_token: str, image_id: str, gate: MakeGate
) -> None:
    sid = active_server(client, demo_token, image_id)
    held = gate("reboot")
    post = f"{API}/servers/{sid}/action"
    assert client.post(post, json={"reboot": {"type": "SOFT"}}, headers=hdr(demo_token)).status_code == 202
    held.wait_entered()
    assert client.delete(f"{API}/servers/{sid}", headers=hdr(demo_token)).status_code == 204
    deadline = time.monotonic() + 20
    while client.get(f"{API}/servers/{sid}", headers=hdr(demo_token)).status_code != 404:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    held.opened.set()
    settled(cloud, sid)
    gone = row(cloud, sid)
    assert (gone.deleted, gone.vm_state, gone.task_state) == (True, "deleted", None)
    assert client.get(f"{API}/servers/{sid}", headers=hdr(demo_token)).status_code == 404


def test_actions_after_a_delete_claimed_the_server_are_refused(
    client: TestClient, cloud: Cloud, demo_token: str, image_id: str, gate: MakeGate
) -> None:
    sid = active_server(client, demo_token, image_id)
    held = gate("destroy")
    answers = race(client, demo_token, sid, ["DELETE"] * 5 + [{"reboot": {"type": "SOFT"}}] * 5)
    assert [a.status_code for a in answers[:5]] == [204] * 5  # a delete being done is answered again
    assert {a.status_code for a in answers[5:]} <= {202, 409}
    held.wait_entered()
    for body in ({"reboot": {"type": "HARD"}}, {"os-stop": None}, {"pause": None}):
        resp = client.post(f"{API}/servers/{sid}/action", json=body, headers=hdr(demo_token))
        assert resp.status_code == 409, resp.text
        assert "task_state deleting" in resp.json()["conflictingRequest"]["message"]
    held.opened.set()
    settled(cloud, sid)
    deadline = time.monotonic() + 20
    while not row(cloud, sid).deleted:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    gone = row(cloud, sid)
    assert (gone.vm_state, gone.task_state) == ("deleted", None)
    assert len(tasks_of(cloud, sid, "delete")) == 1


def test_a_task_that_ends_after_a_reset_state_leaves_the_reset_state(
    client: TestClient,
    cloud: Cloud,
    demo_token: str,
    admin_token: str,
    image_id: str,
    gate: MakeGate,
) -> None:
    sid = active_server(client, demo_token, image_id)
    held = gate("power_off")
    post = f"{API}/servers/{sid}/action"
    assert client.post(post, json={"os-stop": None}, headers=hdr(demo_token)).status_code == 202
    held.wait_entered()
    reset = {"os-resetState": {"state": "active"}}
    assert client.post(post, json=reset, headers=hdr(admin_token)).status_code == 202
    held.opened.set()
    settled(cloud, sid)
    server = client.get(f"{API}/servers/{sid}", headers=hdr(demo_token)).json()["server"]
    assert (server["status"], server["OS-EXT-STS:task_state"]) == ("ACTIVE", None)


def test_parallel_confirm_and_revert_of_a_resize_exactly_one_wins(
    client: TestClient, demo_token: str, image_id: str
) -> None:
    sid = active_server(client, demo_token, image_id)
    post = f"{API}/servers/{sid}/action"
    assert client.post(post, json={"resize": {"flavorRef": "2"}}, headers=hdr(demo_token)).status_code == 202
    wait(client, demo_token, sid, "VERIFY_RESIZE")
    answers = race(client, demo_token, sid, [{"confirmResize": None}, {"revertResize": None}] * 5)
    assert sorted(a.status_code for a in answers).count(409) == 9
    won = next(i for i, a in enumerate(answers) if a.status_code != 409)
    server = wait(client, demo_token, sid, "ACTIVE")
    assert server["flavor"]["original_name"] == ("m1.small" if won % 2 == 0 else "m1.tiny")
