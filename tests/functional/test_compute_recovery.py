"""Crash safety in process: tasks left running are resolved when the cloud starts again, and
builds that outlast the build timeout fail with their claims given back."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from sqlalchemy import func, select

from pocketstack.cloud import Cloud, build_cloud
from pocketstack.core.compute.servers import CreateRequest
from pocketstack.core.context import RequestContext
from pocketstack.core.image.seed import seed_first_image
from pocketstack.store.compute_models import Allocation, Server, Task
from pocketstack.store.models import Project


def _demo(cloud: Cloud) -> RequestContext:
    with cloud.db.read() as s:
        project = s.scalar(select(Project.id).where(Project.name == "demo"))
    return RequestContext(user_id="u-demo", project_id=project, roles=frozenset({"member", "reader"}))


def _servers(cloud: Cloud) -> dict[str, Server]:
    with cloud.db.read() as s:
        return {sv.name: sv for sv in s.scalars(select(Server))}


def _allocations(cloud: Cloud) -> set[str]:
    with cloud.db.read() as s:
        return set(s.scalars(select(Allocation.consumer_id)))


def test_restart_resolves_builds_and_deletes_left_running(cloud: Cloud, tmp_path: Path) -> None:
    image_id = seed_first_image(cloud.db, cloud.image_data)
    ctx = _demo(cloud)
    cloud.servers.create(ctx, CreateRequest(name="done", image_id=image_id, flavor_id="1"))
    deadline = time.monotonic() + 10
    while _servers(cloud)["done"].vm_state != "active":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    lost: list[str] = []
    cloud.servers.publish = lost.append  # as if the process died before carrying tasks out
    cloud.servers.create(ctx, CreateRequest(name="stuck", image_id=image_id, flavor_id="1"))
    cloud.servers.delete(ctx, _servers(cloud)["done"].id, soft_delete=False)
    assert len(lost) == 2
    cloud.close()

    restarted = build_cloud(cloud.settings)
    try:
        servers = _servers(restarted)
        assert servers["stuck"].vm_state == "error" and servers["stuck"].task_state is None
        assert "interrupted" in servers["stuck"].fault["message"]
        assert servers["done"].deleted and servers["done"].vm_state == "deleted"
        assert _allocations(restarted) == set()
        with restarted.db.read() as s:
            assert s.scalar(select(func.count()).select_from(Task).where(Task.status == "running")) == 0
    finally:
        restarted.close()


def test_builds_past_the_timeout_fail_and_free_their_claim(cloud: Cloud) -> None:
    image_id = seed_first_image(cloud.db, cloud.image_data)
    cloud.close()
    quick = build_cloud(replace(cloud.settings, build_timeout=1))
    try:
        ctx = _demo(quick)
        slow = CreateRequest(
            name="slow", image_id=image_id, flavor_id="1", metadata={"pocketstack:build_delay": "3"}
        )
        quick.servers.create(ctx, slow)
        deadline = time.monotonic() + 10
        while _servers(quick)["slow"].vm_state != "error":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert "timed out" in _servers(quick)["slow"].fault["message"]
        time.sleep(2.5)  # the delayed build wakes up: it must not claim for an errored server
        assert _servers(quick)["slow"].vm_state == "error"
        assert _allocations(quick) == set()
    finally:
        quick.close()
