"""pocketstack.sdk's Compute vNext proxy against the in-process cloud: batch create, tasks waited
to their end, HAL paging, the errors envelope, server types and their shares, placements."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.image.seed import seed_first_image
from pocketstack.sdk.auth import AuthState
from pocketstack.sdk.compute.vnext.proxy import AsyncComputeVNextProxy, ComputeVNextProxy
from pocketstack.sdk.compute.vnext.resources import Server, ServerTask
from pocketstack.sdk.connection import Connection
from pocketstack.sdk.exceptions import BadRequest, Conflict, Forbidden, NotFound
from pocketstack.sdk.proxy import plan_names
from tests.functional import sdk_support

STEP, WAIT = 0.02, 30.0  # poll fast: the in-process cloud settles in milliseconds


@pytest.fixture
def image_id(cloud: Cloud) -> str:
    return str(seed_first_image(cloud.db, cloud.image_data))


@pytest.fixture
def tiny(sdk: Connection) -> str:
    found = sdk.compute_vnext.find_server_type("m1.tiny")
    assert found is not None and found.id
    return found.id


def _me(conn: Connection) -> AuthState:
    """The connection's user and project (Connection has no current_project_id yet)."""
    return conn._runner.run(conn.session.authenticator.state())


def _boot(
    conn: Connection, image_id: str, tiny: str, count: int, pattern: str = "web-%(rand_num)3d"
) -> list[Server]:
    v = conn.compute_vnext
    made = v.create_servers(
        None,
        servers=[{"hostname_pattern": pattern} for _ in range(count)],
        defaults={"type_id": tiny, "template_id": image_id},
    )
    return [v.wait_for_server(s, interval=STEP, wait=WAIT) for s in made]


@pytest.fixture
def requests_seen(client: TestClient) -> Iterator[list[httpx.Request]]:
    """Every request the SDK sends through the in-process client while the test runs."""
    seen: list[httpx.Request] = []
    hooks = client.event_hooks["request"]
    hooks.append(seen.append)
    yield seen
    hooks.remove(seen.append)


def test_sync_and_async_proxies_declare_the_same_methods(sdk: Connection) -> None:
    assert plan_names(ComputeVNextProxy) == plan_names(AsyncComputeVNextProxy)
    assert sdk.compute_vnext.vnext is sdk.compute_vnext


def test_a_batch_of_three_with_a_hostname_pattern(sdk: Connection, image_id: str, tiny: str) -> None:
    v = sdk.compute_vnext
    me = _me(sdk)
    made = v.create_servers(
        None,
        servers=[{"hostname_pattern": "web-%(rand_num)3d"}, {"hostname_pattern": "web-%(rand_num)3d"}, {}],
        defaults={"type_id": tiny, "template_id": image_id, "hostname_pattern": "db-%(rand_num)2d"},
    )
    assert len(made) == 3 and len({s.id for s in made}) == 3
    assert all(s.launched_at and s.create_task_id and s.project_id == me.project_id for s in made)

    servers = [v.wait_for_server(s, interval=STEP, wait=WAIT) for s in made]
    names = [s.hostname or "" for s in servers]
    assert [bool(re.fullmatch(r"web-\d{3}", n)) for n in names] == [True, True, False]
    assert re.fullmatch(r"db-\d{2}", names[2])
    for server in servers:
        assert (server.virt_state, server.power_state, server.task) == ("ACTIVE", "RUNNING", None)
        assert server.type_id == tiny and server.template_id == image_id and server.addresses
        assert server.status == "ACTIVE" and server.name == server.hostname

    # The CREATE task each server built in is over and succeeded.
    create = v.get_task(made[0].create_task_id or "")
    assert (create.action, create.state, create.server_id) == ("CREATE", "SUCCEEDED", made[0].id)
    assert [i.name for i in v.task_items(create)]

    listed = {s.id for s in v.project_servers()}
    assert {s.id for s in made} <= listed == {s.id for s in v.servers(project=me.project_id)}
    found = v.find_server(names[1])
    assert found is not None and found.id == made[1].id
    assert v.find_server(made[2].id or "").hostname == names[2]  # type: ignore[union-attr]
    assert v.find_server("no-such-host") is None
    with pytest.raises(NotFound):
        v.find_server("no-such-host", ignore_missing=False)
    head = v.head_server(made[0])
    assert (head.id, head.virt_state, head.power_state) == (made[0].id, "ACTIVE", "RUNNING")


def test_create_server_is_a_batch_of_one(sdk: Connection, image_id: str, tiny: str) -> None:
    v = sdk.compute_vnext
    server = v.create_server(None, hostname="solo", type_id=tiny, template_id=image_id, properties={"k": "v"})
    ready = v.wait_for_server(server, interval=STEP, wait=WAIT)
    assert (ready.hostname, ready.properties) == ("solo", {"k": "v"})


def test_stop_then_start_tasks_waited_to_their_end(sdk: Connection, image_id: str, tiny: str) -> None:
    v = sdk.compute_vnext
    (server,) = _boot(sdk, image_id, tiny, 1)

    stop = v.create_task(server, "STOP")
    assert isinstance(stop, ServerTask)
    assert (stop.action, stop.server_id) == ("STOP", server.id) and stop.state in ("RUNNING", "SUCCEEDED")
    done = v.wait_for_task(stop, interval=STEP, wait=WAIT)
    assert done.state == "SUCCEEDED" and done.finished_at
    assert (v.get_task(stop.id or "").state, v.get_server(server).virt_state) == ("SUCCEEDED", "STOPPED")
    assert v.get_server(server).power_state == "SHUTDOWN"

    start = v.start_server(server)
    assert start.action == "START"
    assert v.wait_for_task(start.id or "", interval=STEP, wait=WAIT).state == "SUCCEEDED"
    again = v.get_server(server.id or "")
    assert (again.virt_state, again.power_state, again.task) == ("ACTIVE", "RUNNING", None)

    # Newest first; since= (the STOP task's creation, as a datetime or as text) leaves out the
    # CREATE task that ran before.
    before_stop = datetime.fromisoformat((stop.created_at or "").replace("Z", "+00:00"))
    assert before_stop.tzinfo is not None
    assert [t.action for t in v.tasks(server)] == ["START", "STOP", "CREATE"]
    assert [t.action for t in v.tasks(server, since=before_stop)] == ["START", "STOP"]
    assert [t.action for t in v.tasks(server, since=stop.created_at)] == ["START", "STOP"]
    assert [t.action for t in v.tasks(server, state="RUNNING")] == []
    assert len(list(v.tasks(server, state=["SUCCEEDED", "FAILED"]))) == 3
    # Paging the task list follows _links.next too.
    assert [t.action for t in v.tasks(server, limit=1)] == ["START", "STOP", "CREATE"]

    stopped = v.wait_for_server(
        v.stop_server(server).server_id or "", status="STOPPED", interval=STEP, wait=WAIT
    )
    assert stopped.virt_state == "STOPPED"


def test_paging_follows_links_next(
    sdk: Connection, image_id: str, tiny: str, requests_seen: list[httpx.Request]
) -> None:
    v = sdk.compute_vnext
    made = _boot(sdk, image_id, tiny, 5)
    requests_seen.clear()
    paged = list(v.project_servers(None, limit=2))
    assert sorted(s.id or "" for s in paged) == sorted(s.id or "" for s in made)
    pages = [r for r in requests_seen if r.method == "GET" and r.url.path.endswith("/servers")]
    assert len(pages) == 3
    assert "marker" not in pages[0].url.params and all("marker" in p.url.params for p in pages[1:])
    assert all(p.url.params["limit"] == "2" for p in pages)

    requests_seen.clear()
    assert len(list(v.servers(limit=2))) == 5
    assert len([r for r in requests_seen if r.method == "GET"]) == 3

    # A listing is lazy: the first item costs one page.
    requests_seen.clear()
    next(iter(v.servers(limit=2)))
    assert len(requests_seen) == 1


def test_error_envelopes_become_exceptions(sdk: Connection, image_id: str, tiny: str) -> None:
    v = sdk.compute_vnext
    missing = str(uuid.uuid4())
    with pytest.raises(NotFound) as not_found:
        v.get_server(missing)
    exc = not_found.value
    assert exc.status_code == 404 and missing in exc.message and exc.request_id
    assert exc.details["errors"][0]["request_id"] == exc.request_id

    (server,) = _boot(sdk, image_id, tiny, 1)
    v.wait_for_task(v.stop_server(server), interval=STEP, wait=WAIT)
    with pytest.raises(Conflict) as conflict:
        v.create_task(server, "STOP")
    assert conflict.value.status_code == 409
    assert conflict.value.message == "Cannot 'stop' instance while it is in vm_state stopped"
    assert conflict.value.details["errors"][0]["code"] == "compute.server.invalid_state"

    with pytest.raises(BadRequest) as bad:
        v.create_task(server, "EXPLODE")
    assert bad.value.status_code == 400 and "EXPLODE" in bad.value.message
    with pytest.raises(BadRequest) as bad_batch:
        v.create_servers(None, servers=[{"hostname": "ok"}, {"hostname": "x"}], defaults={"type_id": tiny})
    assert "template_id" in bad_batch.value.message and "servers[0]" in bad_batch.value.message


def test_update_sends_only_changes_and_tags_and_console(
    sdk: Connection, image_id: str, tiny: str, requests_seen: list[httpx.Request]
) -> None:
    v = sdk.compute_vnext
    (server,) = _boot(sdk, image_id, tiny, 1)
    assert server.changes() == {}
    requests_seen.clear()
    updated = v.update_server(server, hostname="renamed", properties={"role": "web"})
    patch = [r for r in requests_seen if r.method == "PATCH"]
    assert len(patch) == 1 and patch[0].read() in (
        b'{"hostname": "renamed", "properties": {"role": "web"}}',
        b'{"properties": {"role": "web"}, "hostname": "renamed"}',
    )
    assert updated.hostname == "renamed"
    reread = v.get_server(server.id or "")
    assert (reread.hostname, reread.properties) == ("renamed", {"role": "web"})
    assert v.find_server("renamed").id == server.id  # type: ignore[union-attr]
    requests_seen.clear()
    v.update_server(reread, hostname="renamed")  # nothing changed: nothing sent
    assert requests_seen == []

    assert v.set_server_tags(server, ["a", "b"]) == ["a", "b"]
    v.add_server_tag(server, "c")
    v.remove_server_tag(server, "a")
    assert sorted(v.server_tags(server)) == ["b", "c"]
    assert v.check_server_tag(server, "b") and not v.check_server_tag(server, "a")
    assert sorted(v.get_server(server).tags or []) == ["b", "c"]

    whole = v.get_console_log(server)
    assert len(whole) > 2 and v.get_console_log(server, 2) == whole[-2:]
    assert whole[-1].endswith("login: ")


def test_terminate_and_wait_for_delete(sdk: Connection, image_id: str, tiny: str) -> None:
    v = sdk.compute_vnext
    (server,) = _boot(sdk, image_id, tiny, 1)
    task = v.delete_server(server)
    assert task is not None and task.action == "TERMINATE"
    v.wait_for_delete(server, interval=STEP, wait=WAIT)
    with pytest.raises(NotFound):
        v.get_server(server)
    assert (
        v.wait_for_task(task, interval=STEP, wait=WAIT).state == "SUCCEEDED"
    )  # the task outlives its server
    assert v.delete_server(server) is None


def test_server_type_create_update_share_and_tags(
    client: TestClient, sdk: Connection, sdk_admin: Connection
) -> None:
    admin = sdk_admin.compute_vnext
    demo_project = _me(sdk).project_id
    demo_user = _me(sdk).user_id
    created = admin.create_server_type(
        name="sdk.type", vcpus=2, ram_mb=1024, root_disk_gb=5, description="two cpus", tags=["gpu"]
    )
    assert (
        created.id
        and created.visibility == "PRIVATE"
        and created.owner_project_id == _me(sdk_admin).project_id
    )
    assert (created.vcpus, created.ram_mb, created.root_disk_gb, created.tags) == (2, 1024, 5, ["gpu"])
    assert created.shares == {"users": [], "projects": []}

    # Private: the demo project does not see it until it is shared with it.
    assert sdk.compute_vnext.find_server_type("sdk.type") is None
    admin.share_server_type(created, project=demo_project)
    seen = sdk.compute_vnext.find_server_type("sdk.type")
    assert seen is not None and seen.id == created.id and seen.shares is None  # not the owner
    assert admin.server_type_shares(created).projects == [demo_project]
    assert "sdk.type" in [t.name for t in sdk.compute_vnext.server_types(visibility="PRIVATE")]

    shares = admin.set_server_type_shares(created, users=[demo_user], projects=[])
    assert (shares.users, shares.projects) == ([demo_user], [])
    admin.unshare_server_type(created, user=demo_user)
    assert sdk.compute_vnext.find_server_type(created.id or "") is None
    with pytest.raises(BadRequest):
        admin.share_server_type(created, user="no-such-user")

    # Only name, description and visibility change; sizes are create-only and never sent.
    created.vcpus = 8
    updated = admin.update_server_type(created, name="sdk.type2", description="renamed")
    assert (updated.name, updated.description) == ("sdk.type2", "renamed")
    assert admin.get_server_type("sdk.type2").vcpus == 2

    admin.add_server_type_tag(created, "fast")
    assert sorted(admin.server_type_tags(created)) == ["fast", "gpu"]
    assert [t.name for t in admin.server_types(tag=["gpu", "fast"])] == ["sdk.type2"]
    assert admin.set_server_type_tags(created, ["x"]) == ["x"]

    with pytest.raises(Forbidden) as publish:
        sdk.compute_vnext.create_server_type(
            name="sdk.public", vcpus=1, ram_mb=64, root_disk_gb=1, visibility="PUBLIC"
        )
    assert publish.value.status_code == 403 and publish.value.message
    mine = sdk.compute_vnext.create_server_type(name="sdk.mine", vcpus=1, ram_mb=64, root_disk_gb=1)
    assert mine.owner_project_id == demo_project
    sdk.compute_vnext.delete_server_type(mine)
    assert sdk.compute_vnext.find_server_type("sdk.mine") is None
    admin.delete_server_type(created)
    with pytest.raises(NotFound):
        admin.delete_server_type(created, ignore_missing=False)


def test_placements(sdk: Connection) -> None:
    v = sdk.compute_vnext
    roots = list(v.placements())
    assert "nova" in [p.name for p in roots]
    nova = v.find_placement("nova")
    assert nova is not None and nova.parent_ids == []
    shown = v.get_placement(nova)
    assert shown.children == [] and shown.child_ids == []
    assert list(v.placements(parent_placement=nova.id)) == []
    assert v.find_placement("nowhere") is None


def test_async_vnext_smoke(client: TestClient, image_id: str, tiny: str) -> None:
    """The async proxy over the same in-process app (httpx's ASGI transport)."""

    async def run() -> tuple[str, str, list[str]]:
        async with sdk_support.async_connect(client) as conn:
            v = conn.compute_vnext
            server = await v.create_server(None, hostname="async-1", type_id=tiny, template_id=image_id)
            ready = await v.wait_for_server(server, interval=STEP, wait=WAIT)
            task = await v.wait_for_task(await v.stop_server(ready), interval=STEP, wait=WAIT)
            actions = [t.action or "" async for t in v.tasks(ready, limit=1)]
            return str(ready.virt_state), str(task.state), actions

    assert asyncio.run(run()) == ("ACTIVE", "SUCCEEDED", ["STOP", "CREATE"])
