"""The server actions the CLI tests do not reach, through the API as a client sends them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from starlette.testclient import TestClient

from pocketstack.api.app import build_app
from pocketstack.cloud import Cloud, build_cloud
from pocketstack.core.image.seed import seed_first_image
from pocketstack.store.compute_models import Host
from tests.functional.test_compute_servers import API, boot, hdr, wait


@pytest.fixture
def image_id(cloud: Cloud) -> str:
    return seed_first_image(cloud.db, cloud.image_data)


def act(client: TestClient, token: str, sid: str, body: dict[str, Any], status: int = 202) -> Any:
    resp = client.post(f"{API}/servers/{sid}/action", json=body, headers=hdr(token))
    assert resp.status_code == status, resp.text
    return resp


def test_rescue_password_backup_crash_dump_and_reset_state(
    client: TestClient, demo_token: str, admin_token: str, image_id: str
) -> None:
    sid = boot(client, demo_token, image_id)
    wait(client, demo_token, sid, "ACTIVE")
    assert act(client, demo_token, sid, {"rescue": None}, 200).json()["adminPass"]
    wait(client, demo_token, sid, "RESCUE")
    act(client, demo_token, sid, {"unrescue": None})
    wait(client, demo_token, sid, "ACTIVE")
    act(client, demo_token, sid, {"changePassword": {"adminPass": "n3w-secret"}})
    wait(client, demo_token, sid, "ACTIVE")
    act(client, demo_token, sid, {"trigger_crash_dump": None})
    for _ in range(3):
        body = {"createBackup": {"name": "nightly", "backup_type": "daily", "rotation": 2}}
        image = act(client, demo_token, sid, body).json()["image_id"]
        wait(client, demo_token, sid, "ACTIVE")
    backups = client.get("/image/v2/images?name=nightly", headers=hdr(demo_token)).json()["images"]
    assert len(backups) == 2 and image in {b["id"] for b in backups}  # rotation keeps the newest two
    act(client, demo_token, sid, {"os-resetState": {"state": "error"}}, 403)
    act(client, admin_token, sid, {"os-resetState": {"state": "error"}})
    assert client.get(f"{API}/servers/{sid}", headers=hdr(demo_token)).json()["server"]["status"] == "ERROR"
    actions = client.get(f"{API}/servers/{sid}/os-instance-actions", headers=hdr(demo_token)).json()
    names = [a["action"] for a in actions["instanceActions"]]
    assert names[0] == "resetState" and {"rescue", "changePassword", "createBackup"} <= set(names)


def test_live_migration_and_evacuation_need_an_admin_and_a_down_host(
    client: TestClient, cloud: Cloud, demo_token: str, admin_token: str, image_id: str
) -> None:
    sid = boot(client, demo_token, image_id)
    wait(client, demo_token, sid, "ACTIVE")
    act(client, demo_token, sid, {"os-migrateLive": {"host": None, "block_migration": "auto"}}, 403)
    before = client.get(f"{API}/servers/{sid}", headers=hdr(admin_token)).json()["server"]
    act(client, admin_token, sid, {"os-migrateLive": {"host": None, "block_migration": "auto"}})
    after = wait(client, admin_token, sid, "ACTIVE")
    assert after["OS-EXT-SRV-ATTR:host"] != before["OS-EXT-SRV-ATTR:host"]
    resp = act(client, admin_token, sid, {"evacuate": {}}, 409)
    assert "still in use" in resp.json()["conflictingRequest"]["message"]
    with cloud.db.transaction() as s:
        s.query(Host).filter(Host.name == after["OS-EXT-SRV-ATTR:host"]).update({"forced_down": True})
    act(client, admin_token, sid, {"evacuate": {}}, 200)
    moved = wait(client, admin_token, sid, "ACTIVE")
    assert moved["OS-EXT-SRV-ATTR:host"] not in (after["OS-EXT-SRV-ATTR:host"], None)
    migrations = client.get(f"{API}/os-migrations", headers=hdr(admin_token)).json()["migrations"]
    assert {m["migration_type"] for m in migrations} >= {"live-migration", "evacuation"}


@pytest.fixture
def soft_client(cloud: Cloud) -> Iterator[TestClient]:
    soft = build_cloud(replace(cloud.settings, reclaim_instance_interval=3600))
    with TestClient(build_app(soft), base_url="http://testserver") as c:
        yield c
    soft.close()


def test_soft_delete_restore_and_force_delete(
    soft_client: TestClient, demo_token: str, image_id: str
) -> None:
    client = soft_client
    sid = boot(client, demo_token, image_id)
    wait(client, demo_token, sid, "ACTIVE")
    assert client.delete(f"{API}/servers/{sid}", headers=hdr(demo_token)).status_code == 204
    wait(client, demo_token, sid, "SOFT_DELETED")
    act(client, demo_token, sid, {"restore": None})
    wait(client, demo_token, sid, "ACTIVE")
    assert client.delete(f"{API}/servers/{sid}", headers=hdr(demo_token)).status_code == 204
    wait(client, demo_token, sid, "SOFT_DELETED")
    act(client, demo_token, sid, {"forceDelete": None})
    for _ in range(200):
        if client.get(f"{API}/servers/{sid}", headers=hdr(demo_token)).status_code == 404:
            break
    else:
        raise AssertionError("force-deleted server is still there")


def test_fail_next_action_fails_exactly_one_action(
    client: TestClient, demo_token: str, admin_token: str, image_id: str
) -> None:
    sid = boot(client, demo_token, image_id, metadata={"pocketstack:fail_next_action": "true"})
    wait(client, demo_token, sid, "ACTIVE")
    act(client, demo_token, sid, {"os-stop": None})
    failed = wait(client, demo_token, sid, "ACTIVE")  # the stop failed: still running, no task
    assert failed["OS-EXT-STS:power_state"] == 1
    actions = client.get(f"{API}/servers/{sid}/os-instance-actions", headers=hdr(demo_token)).json()
    assert actions["instanceActions"][0]["action"] == "stop"
    assert actions["instanceActions"][0]["message"] == "Error"
    act(client, demo_token, sid, {"os-stop": None})
    wait(client, demo_token, sid, "SHUTOFF")
    path = f"{API}/os-pocketstack-faults"
    assert client.put(path, json={"faults": {"fail_actions": 1}}, headers=hdr(admin_token)).status_code == 200
    act(client, demo_token, sid, {"os-start": None})
    wait(client, demo_token, sid, "SHUTOFF")
    act(client, demo_token, sid, {"os-start": None})
    wait(client, demo_token, sid, "ACTIVE")


def test_unshelve_to_a_zone_and_unpin_with_null(client: TestClient, demo_token: str, image_id: str) -> None:
    sid = boot(client, demo_token, image_id, availability_zone="nova")
    wait(client, demo_token, sid, "ACTIVE")
    v = {**hdr(demo_token, "2.96")}
    assert (
        client.get(f"{API}/servers/{sid}", headers=v).json()["server"]["pinned_availability_zone"] == "nova"
    )
    act(client, demo_token, sid, {"shelve": None})
    wait(client, demo_token, sid, "SHELVED_OFFLOADED")
    resp = client.post(
        f"{API}/servers/{sid}/action", json={"unshelve": {"availability_zone": None}}, headers=v
    )
    assert resp.status_code == 202, resp.text
    server = wait(client, demo_token, sid, "ACTIVE")
    shown = client.get(f"{API}/servers/{sid}", headers=v).json()["server"]
    assert shown["pinned_availability_zone"] is None and server["OS-EXT-AZ:availability_zone"] == "nova"


def test_a_refused_rebuild_leaves_the_image_it_named_alone(
    client: TestClient, demo_token: str, image_id: str
) -> None:
    """A rebuild refused for the server's state (rescued: 409) must not touch the image: only a
    snapshot the action itself registered is undone."""
    own = client.post(
        "/image/v2/images",
        json={"name": "mine", "disk_format": "raw", "container_format": "bare"},
        headers={"X-Auth-Token": demo_token},
    ).json()["id"]
    data = {"X-Auth-Token": demo_token, "Content-Type": "application/octet-stream"}
    assert client.put(f"/image/v2/images/{own}/file", content=b"\0" * 1024, headers=data).status_code == 204
    sid = boot(client, demo_token, image_id)
    wait(client, demo_token, sid, "ACTIVE")
    act(client, demo_token, sid, {"rescue": {}}, 200)
    wait(client, demo_token, sid, "RESCUE")
    act(client, demo_token, sid, {"rebuild": {"imageRef": own}}, 409)
    shown = client.get(f"/image/v2/images/{own}", headers={"X-Auth-Token": demo_token})
    assert shown.status_code == 200 and shown.json()["status"] == "active"
    act(client, demo_token, sid, {"unrescue": None})
    wait(client, demo_token, sid, "ACTIVE")
    answer = act(client, demo_token, sid, {"rebuild": {"imageRef": own}}).json()["server"]
    assert answer["image"]["id"] == own  # the answer already shows the new image, as Nova's
