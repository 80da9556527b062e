"""Compute behaviours where Tempest found pocketstack apart from Nova: the disk config a server
keeps, the rebuild answer at 2.75, listing with ``tenant_id``, trailing slashes, the network
actions Nova keeps for old clients, diagnostics, the shelve image at unshelve, backups' image
type, and external events."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from tests.functional.test_compute_actions import act, image_id  # noqa: F401 - a fixture
from tests.functional.test_compute_servers import API, boot, hdr, wait
from tests.functional.test_grants import add_user, role_named, user_token

IMAGES = "/image/v2/images"


def show(client: TestClient, token: str, sid: str, version: str = "2.79") -> dict[str, Any]:
    resp = client.get(f"{API}/servers/{sid}", headers=hdr(token, version))
    assert resp.status_code == 200, resp.text
    return resp.json()["server"]


def test_disk_config_is_kept_and_changed_by_update_rebuild_and_resize(
    client: TestClient,
    demo_token: str,
    image_id: str,  # noqa: F811
) -> None:
    body = {"server": {"name": "d", "imageRef": image_id, "flavorRef": "1", "networks": "none"}}
    body["server"]["OS-DCF:diskConfig"] = "AUTO"
    created = client.post(f"{API}/servers", json=body, headers=hdr(demo_token))
    assert created.status_code == 202 and created.json()["server"]["OS-DCF:diskConfig"] == "AUTO"
    sid = created.json()["server"]["id"]
    assert wait(client, demo_token, sid, "ACTIVE")["OS-DCF:diskConfig"] == "AUTO"
    put = client.put(
        f"{API}/servers/{sid}", json={"server": {"OS-DCF:diskConfig": "MANUAL"}}, headers=hdr(demo_token)
    )
    assert put.status_code == 200 and put.json()["server"]["OS-DCF:diskConfig"] == "MANUAL"
    rebuilt = act(client, demo_token, sid, {"rebuild": {"imageRef": image_id, "OS-DCF:diskConfig": "AUTO"}})
    assert rebuilt.json()["server"]["OS-DCF:diskConfig"] == "AUTO"
    wait(client, demo_token, sid, "ACTIVE")
    act(client, demo_token, sid, {"resize": {"flavorRef": "2", "OS-DCF:diskConfig": "MANUAL"}})
    wait(client, demo_token, sid, "VERIFY_RESIZE")
    act(client, demo_token, sid, {"confirmResize": None}, 204)
    assert wait(client, demo_token, sid, "ACTIVE")["OS-DCF:diskConfig"] == "MANUAL"
    listed = client.get(f"{API}/servers/detail", headers=hdr(demo_token)).json()["servers"]
    assert next(s for s in listed if s["id"] == sid)["OS-DCF:diskConfig"] == "MANUAL"


def test_rebuild_at_2_75_answers_the_server_without_its_admin_user_data(
    client: TestClient,
    admin_token: str,
    image_id: str,  # noqa: F811
) -> None:
    sid = boot(client, admin_token, image_id)
    wait(client, admin_token, sid, "ACTIVE")
    resp = client.post(
        f"{API}/servers/{sid}/action",
        json={"rebuild": {"imageRef": image_id}},
        headers=hdr(admin_token, "2.75"),
    )
    assert resp.status_code == 202, resp.text
    server = resp.json()["server"]
    assert "OS-EXT-SRV-ATTR:user_data" not in server and server["user_data"] is None
    assert server["OS-EXT-SRV-ATTR:host"] and server["adminPass"]
    assert "OS-EXT-SRV-ATTR:user_data" in show(client, admin_token, sid, "2.75")


def test_tenant_id_narrows_only_an_all_tenants_listing(
    client: TestClient,
    demo_token: str,
    admin_token: str,
    image_id: str,  # noqa: F811
) -> None:
    theirs = boot(client, demo_token, image_id, name="theirs")
    mine = boot(client, admin_token, image_id, name="mine")
    project = show(client, demo_token, theirs)["tenant_id"]
    own = client.get(f"{API}/servers?tenant_id={project}", headers=hdr(admin_token)).json()["servers"]
    assert {s["id"] for s in own} == {mine}  # ignored without all_tenants, as in Nova
    url = f"{API}/servers?all_tenants=1&tenant_id={project}"
    assert {s["id"] for s in client.get(url, headers=hdr(admin_token)).json()["servers"]} == {theirs}


def test_a_path_ending_in_a_slash_is_not_found(client: TestClient, admin_token: str) -> None:
    for path in ("/os-simple-tenant-usage/", "/servers/", "/flavors/"):
        resp = client.get(f"{API}{path}", headers=hdr(admin_token), follow_redirects=False)
        assert resp.status_code == 404, path
        assert resp.json()["itemNotFound"]["code"] == 404
    resp = client.delete(f"{API}/os-security-groups/", headers=hdr(admin_token, "2.35"))
    assert resp.status_code == 404


def test_inject_network_info_is_an_admin_no_op_and_reset_network_is_gone(
    client: TestClient,
    demo_token: str,
    admin_token: str,
    image_id: str,  # noqa: F811
) -> None:
    sid = boot(client, demo_token, image_id)
    wait(client, demo_token, sid, "ACTIVE")
    act(client, demo_token, sid, {"injectNetworkInfo": None}, 403)
    act(client, admin_token, sid, {"injectNetworkInfo": None}, 202)
    assert wait(client, demo_token, sid, "ACTIVE")["status"] == "ACTIVE"
    act(client, admin_token, sid, {"os-resetNetwork": None}, 410)


def test_diagnostics_name_a_driver_novas_schema_knows(
    client: TestClient,
    admin_token: str,
    image_id: str,  # noqa: F811
) -> None:
    sid = boot(client, admin_token, image_id)
    wait(client, admin_token, sid, "ACTIVE")
    diag = client.get(f"{API}/servers/{sid}/diagnostics", headers=hdr(admin_token, "2.48")).json()
    assert diag["driver"] in {"libvirt", "xenapi", "vmwareapi", "ironic", "hyperv"}


def test_unshelve_deletes_the_shelve_image(client: TestClient, demo_token: str, image_id: str) -> None:  # noqa: F811
    sid = boot(client, demo_token, image_id, name="shelf")
    wait(client, demo_token, sid, "ACTIVE")
    act(client, demo_token, sid, {"shelve": None})
    wait(client, demo_token, sid, "SHELVED_OFFLOADED")  # at once: shelved_offload_time 0, as Nova's default
    snapshots = client.get(f"{IMAGES}?name=shelf-shelved", headers=hdr(demo_token)).json()["images"]
    assert len(snapshots) == 1 and snapshots[0]["status"] == "active"
    act(client, demo_token, sid, {"unshelve": None})
    wait(client, demo_token, sid, "ACTIVE")
    gone = client.get(f"{IMAGES}/{snapshots[0]['id']}", headers=hdr(demo_token))
    assert gone.status_code == 404


def test_backups_are_images_of_type_backup(client: TestClient, demo_token: str, image_id: str) -> None:  # noqa: F811
    sid = boot(client, demo_token, image_id)
    wait(client, demo_token, sid, "ACTIVE")
    body = {"createBackup": {"name": "b1", "backup_type": "daily", "rotation": 2}}
    backup = act(client, demo_token, sid, body).json()["image_id"]
    wait(client, demo_token, sid, "ACTIVE")
    url = f"{IMAGES}?image_type=backup&backup_type=daily&instance_uuid={sid}"
    assert [i["id"] for i in client.get(url, headers=hdr(demo_token)).json()["images"]] == [backup]


def test_external_events_are_for_services_and_answered_per_event(
    client: TestClient,
    cloud: Cloud,
    demo_token: str,
    admin_token: str,
    image_id: str,  # noqa: F811
) -> None:
    sid = boot(client, demo_token, image_id)
    wait(client, demo_token, sid, "ACTIVE")
    add_user(cloud, "neutron")
    admin_project = client.get("/identity/v3/projects?name=admin", headers=hdr(admin_token)).json()[
        "projects"
    ][0]
    grant = f"/identity/v3/projects/{admin_project['id']}/users/"
    users = client.get("/identity/v3/users?name=neutron", headers=hdr(admin_token)).json()["users"]
    put = client.put(
        f"{grant}{users[0]['id']}/roles/{role_named(cloud, 'service')}", headers=hdr(admin_token)
    )
    assert put.status_code == 204, put.text
    service = user_token(client, "neutron", {"project": {"id": admin_project["id"]}})
    url = f"{API}/os-server-external-events"
    changed = {"name": "network-changed", "server_uuid": sid}
    assert client.post(url, json={"events": [changed]}, headers=hdr(admin_token)).status_code == 403
    resp = client.post(url, json={"events": [changed]}, headers=hdr(service))
    assert resp.status_code == 200, resp.text
    assert resp.json()["events"] == [{**changed, "status": "completed", "code": 200}]
    unknown = {
        "name": "network-vif-plugged",
        "server_uuid": "0" * 8 + "-0000-0000-0000-" + "0" * 12,
        "tag": "p1",
    }
    mixed = client.post(url, json={"events": [changed, unknown]}, headers=hdr(service))
    assert mixed.status_code == 207 and [e["code"] for e in mixed.json()["events"]] == [200, 404]
    assert mixed.json()["events"][1]["status"] == "failed" and mixed.json()["events"][1]["tag"] == "p1"
    none = client.post(url, json={"events": [unknown]}, headers=hdr(service))
    assert none.status_code == 404
    bad = client.post(
        url, json={"events": [{**changed, "name": "power-update"}]}, headers=hdr(service, "2.75")
    )
    assert bad.status_code == 400
    assert client.post(url, json={"events": []}, headers=hdr(service)).status_code == 400


def test_a_snapshot_deleted_while_it_is_written_leaves_the_server_active(
    client: TestClient,
    cloud: Cloud,
    demo_token: str,
    image_id: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Tempest deletes an image while its snapshot is saving: the race is made certain here by
    deleting the image after the first chunk of the server's disk is read."""
    sid = boot(client, demo_token, image_id)
    wait(client, demo_token, sid, "ACTIVE")
    opened = cloud.image_data.open_data
    deleted: list[str] = []

    def open_and_delete_midway(image: Any, window: Any = None) -> Any:
        download = opened(image, window)

        def reader() -> Any:
            for n, chunk in enumerate(download.reader):
                if n == 0:
                    for target in snapshot_ids():
                        assert client.delete(f"{IMAGES}/{target}", headers=hdr(demo_token)).status_code == 204
                        deleted.append(target)
                yield chunk

        return dataclasses.replace(download, reader=reader())

    def snapshot_ids() -> list[str]:
        return [
            i["id"] for i in client.get(f"{IMAGES}?name=midway", headers=hdr(demo_token)).json()["images"]
        ]

    monkeypatch.setattr(cloud.image_data, "open_data", open_and_delete_midway)
    act(client, demo_token, sid, {"createImage": {"name": "midway"}})
    assert wait(client, demo_token, sid, "ACTIVE")["status"] == "ACTIVE"
    assert deleted and snapshot_ids() == []
    assert "snapshot_deleted_while_saving" in caplog.text and "Traceback" not in caplog.text
    actions = client.get(f"{API}/servers/{sid}/os-instance-actions", headers=hdr(demo_token)).json()
    assert actions["instanceActions"][0]["action"] == "createImage"
