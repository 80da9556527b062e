"""core/compute/action_table.py: the one table of server actions. It must cover exactly the
state machine's actions, every row must be runnable as it says (a task state means a step, no
step means finished in the request with one event), and the event names a row declares must be
the ones its step really records, checked by running the actions on a cloud with the fake
driver (the requests go straight to ``ServerActions.run``, as the API handlers do)."""

from __future__ import annotations

import inspect
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from pocketstack.api.app import build_app
from pocketstack.cloud import Cloud, build_cloud
from pocketstack.config import Settings
from pocketstack.core.compute import action_table, states
from pocketstack.core.compute.action_table import ACTIONS
from pocketstack.core.context import RequestContext
from pocketstack.core.identity.bootstrap import Account, bootstrap
from pocketstack.core.image.seed import seed_first_image
from pocketstack.core.tasks import tasks
from pocketstack.drivers.base import Driver
from pocketstack.store.compute_models import Host, Server, Task
from tests.conftest import ADMIN_PASSWORD, DEMO_PASSWORD


# -- the table as data ---------------------------------------------------------------------
def test_the_table_covers_every_state_machine_action_and_nothing_else() -> None:
    assert ACTIONS.keys() == states.ACTIONS.keys()
    for name, row in ACTIONS.items():
        assert row.name == name
        assert row.state is states.ACTIONS[name]  # the state rule is the state machine's own


def test_every_row_with_a_task_state_has_a_step_and_every_other_one_an_event() -> None:
    for name, row in ACTIONS.items():
        if row.state.task_state is not None:
            assert row.step is not None, name
        if row.step is None:
            assert row.finished_in_request, name
            assert row.done_event and row.items == (row.done_event,), name
            assert (row.done is None) != (row.recorded_by is None), name  # one records it
            assert row.prepare is None and not row.registers_image, name
        else:
            assert row.items and row.done_event is None, name
            assert row.done is None and row.recorded_by is None, name


def test_the_transfer_is_finished_in_the_request_and_recorded_by_its_own_module() -> None:
    row = ACTIONS["transfer"]
    assert row.step is None and row.done is None and row.done_event == "api_transfer"
    assert row.recorded_by


def test_every_driver_method_a_row_names_exists_on_the_driver_interface() -> None:
    for name, row in ACTIONS.items():
        for method in (row.state.capability, row.driver_method):
            if method is not None:
                assert inspect.isfunction(getattr(Driver, method, None)), f"{name}: {method}"


def test_a_hard_reboot_has_its_own_state_rule() -> None:
    reboot = ACTIONS["reboot"]
    assert reboot.state_for({"type": "HARD"}) is states.HARD_REBOOT
    assert reboot.state_for({"type": "SOFT"}) is states.ACTIONS["reboot"]
    assert reboot.state_for(None) is states.ACTIONS["reboot"]
    for name, row in ACTIONS.items():  # the same answers as the state machine's own lookup
        for params in (None, {"type": "HARD"}):
            assert row.state_for(params) is states.action_for(name, params), name


def test_failures_as_before() -> None:
    errors = {n for n, r in ACTIONS.items() if r.on_failure.error}
    undoes = {n for n, r in ACTIONS.items() if r.on_failure.undo_claim}
    frees = {n for n, r in ACTIONS.items() if r.on_failure.free_allocations}
    assert errors == {"create", "unshelve", "evacuate", "rebuild"}
    assert undoes == {"resize", "migrate", "live-migration", "evacuate"}
    assert frees == {"create"}
    assert {n for n, r in ACTIONS.items() if r.registers_image} == {"createImage", "createBackup", "shelve"}
    assert action_table.failure_of("no-such-action") == action_table.Failure()
    assert {n for n, r in ACTIONS.items() if r.ignores_lock} == {"lock", "unlock"}


# -- the table against what the steps record -----------------------------------------------
API = "/compute/v2.1"

# Events a step records only when asked to: a resize confirmed in its own task (vNext's), a
# delete that is soft (a reclaim interval set).
CONDITIONAL = {
    "resize": {"compute_confirm_resize"},
    "migrate": {"compute_confirm_resize"},
    "delete": {"compute_soft_delete_instance"},
}


@dataclass
class Rig:
    cloud: Cloud
    client: TestClient
    ctx: RequestContext


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'pocketstack.db'}",
        port=5000,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
    )
    cloud = build_cloud(settings)
    accounts = [
        Account("admin", "admin", "admin", ADMIN_PASSWORD),
        Account("demo", "demo", "member", DEMO_PASSWORD),
    ]
    bootstrap(cloud.db, cloud.verifier, accounts, settings.base_url, settings.region)
    with TestClient(build_app(cloud), base_url="http://testserver") as client:
        auth = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {"name": "demo", "domain": {"name": "Default"}, "password": DEMO_PASSWORD}
                    },
                },
                "scope": {"project": {"name": "demo", "domain": {"name": "Default"}}},
            }
        }
        resp = client.post("/identity/v3/auth/tokens", json=auth)
        assert resp.status_code == 201, resp.text
        token = resp.headers["X-Subject-Token"]
        client.headers.update({"X-Auth-Token": token, "OpenStack-API-Version": "compute 2.79"})
        project_id = resp.json()["token"]["project"]["id"]
        user_id = resp.json()["token"]["user"]["id"]
        # The owner with the admin role: may also live-migrate, evacuate and unshelve to a host.
        ctx = RequestContext(user_id=user_id, project_id=project_id, roles=frozenset({"admin", "member"}))
        yield Rig(cloud, client, ctx)
    cloud.close()


def _finished(cloud: Cloud, task_id: str) -> Task:
    deadline = time.monotonic() + 20
    while True:
        with cloud.db.read() as s:
            task = tasks.get(s, task_id)
            if task is not None and task.status != tasks.RUNNING:
                return task
        assert time.monotonic() < deadline, f"task {task_id} still running"
        time.sleep(0.02)


def _events(cloud: Cloud, task_id: str) -> list[str]:
    with cloud.db.read() as s:
        return [item.event for item in tasks.items_of(s, task_id)]


def _check(cloud: Cloud, action: str, task_id: str) -> None:
    task = _finished(cloud, task_id)
    assert task.action == action
    assert task.status == tasks.SUCCEEDED, (action, task.message)
    recorded = _events(cloud, task_id)
    declared = ACTIONS[action].items
    assert set(recorded) <= set(declared), (action, recorded, declared)
    assert set(declared) - CONDITIONAL.get(action, set()) <= set(recorded), (action, recorded, declared)
    assert recorded == [e for e in declared if e in recorded], (action, recorded)  # in order


def _run(rig: Rig, sid: str, action: str, params: dict[str, Any] | None = None) -> None:
    task_id = rig.cloud.server_actions.run(rig.ctx, sid, action, params or {})
    _check(rig.cloud, action, task_id)


def test_the_events_a_row_declares_are_the_ones_its_step_records(rig: Rig) -> None:
    cloud, client = rig.cloud, rig.client
    image = seed_first_image(cloud.db, cloud.image_data)
    body = {"server": {"name": "s", "imageRef": image, "flavorRef": "1", "networks": "auto"}}
    resp = client.post(f"{API}/servers", json=body)
    assert resp.status_code == 202, resp.text
    sid = resp.json()["server"]["id"]
    with cloud.db.read() as s:
        create = s.scalars(select(Task.id).where(Task.server_id == sid, Task.action == "create")).one()
    _check(cloud, "create", create)

    for action, params in [
        ("reboot", {"type": "SOFT"}),
        ("reboot", {"type": "HARD"}),
        ("stop", {}),
        ("start", {}),
        ("pause", {}),
        ("unpause", {}),
        ("suspend", {}),
        ("resume", {}),
        ("rescue", {}),
        ("unrescue", {}),
        ("changePassword", {"password": "n3w-secret"}),
        ("rebuild", {"image_id": image}),
        ("createImage", {"name": "snap"}),
        ("createBackup", {"name": "nightly", "backup_type": "daily", "rotation": 1}),
        ("lock", {"locked_reason": "why"}),
        ("unlock", {}),
        ("trigger_crash_dump", {}),
        ("resize", {"flavor_id": "2"}),
        ("confirmResize", {}),
        ("migrate", {}),
        ("revertResize", {}),
        ("live-migration", {"host": None}),
        ("shelve", {}),
        ("unshelve", {}),
    ]:
        _run(rig, sid, action, params)

    with cloud.db.transaction() as s:  # evacuation needs its host down
        host = s.get(Server, sid).host
        s.query(Host).filter(Host.name == host).update({"forced_down": True})
    _run(rig, sid, "evacuate", {})
    with cloud.db.read() as s:
        assert s.get(Server, sid).host != host
    _run(rig, sid, "delete", {})
    with cloud.db.read() as s:
        assert s.get(Server, sid).deleted
