"""Cloud state snapshots, restore and reset through the Operator API (docs/operator.md section 4),
in-process on both databases."""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
import time
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.operator.snapshots import snapshots_dir
from pocketstack.core.operator.state_copy import sqlite_engine
from pocketstack.store import migrate
from pocketstack.store.schema import METADATA
from tests.conftest import ADMIN_PASSWORD, DEMO_PASSWORD
from tests.functional.conftest import auth_headers, issue_token, password_auth
from tests.functional.image_support import create_image, download, upload
from tests.functional.network_support import create, network_with_subnet
from tests.functional.test_compute_servers import boot, hdr, wait

OP = "/operator"
IDENTITY = "/identity/v3"
DATA = bytes(range(256)) * 1000


def _snapshot(client: TestClient, token: str, name: str = "before") -> dict:
    resp = client.post(f"{OP}/snapshots", json={"name": name}, headers=auth_headers(token))
    assert resp.status_code == 201, resp.text
    assert resp.headers["Location"].endswith(f"/operator/snapshots/{resp.json()['id']}")
    return resp.json()


def _wait_gone(client: TestClient, token: str, server_id: str) -> None:
    deadline = time.monotonic() + 20
    while client.get(f"/compute/v2.1/servers/{server_id}", headers=hdr(token)).status_code != 404:
        assert time.monotonic() < deadline, "the server was not deleted"
        time.sleep(0.05)


def _system_token(client: TestClient, password: str = ADMIN_PASSWORD) -> str:
    body = password_auth("admin", password)
    body["auth"]["scope"] = {"system": {"all": True}}
    resp = client.post(f"{IDENTITY}/auth/tokens", json=body)
    assert resp.status_code == 201, resp.text
    return resp.headers["X-Subject-Token"]


def test_restore_brings_back_every_id_field_and_byte(
    client: TestClient, cloud: Cloud, system_admin_token: str, admin_token: str, demo_token: str
) -> None:
    ah, sh = auth_headers(admin_token), auth_headers(system_admin_token)
    project = client.post(f"{IDENTITY}/projects", json={"project": {"name": "kept"}}, headers=ah).json()
    user = client.post(
        f"{IDENTITY}/users", json={"user": {"name": "keeper", "password": "pw-123456"}}, headers=ah
    ).json()["user"]
    image_id = create_image(client, demo_token, name="data")
    assert upload(client, demo_token, image_id, DATA).status_code == 204
    network, _ = network_with_subnet(client, demo_token)
    server_id = boot(client, demo_token, image_id, "vm", networks=[{"uuid": network["id"]}])
    server = wait(client, demo_token, server_id, "ACTIVE")
    flavor = client.get("/compute/v2.1/flavors/1", headers=hdr(admin_token)).json()["flavor"]

    snap = _snapshot(client, system_admin_token)
    assert snap["tables"]["servers"] == 1 and snap["images"] == 1
    assert snap["storage_revision"] and snap["size_bytes"] > len(DATA)
    listed = client.get(f"{OP}/snapshots", headers=sh).json()["snapshots"]
    assert [s["id"] for s in listed] == [snap["id"]]
    assert client.get(f"{OP}/snapshots/{snap['id']}", headers=sh).json()["name"] == "before"

    assert client.delete(f"/compute/v2.1/servers/{server_id}", headers=hdr(demo_token)).status_code == 204
    _wait_gone(client, demo_token, server_id)
    assert client.delete(f"/image/v2/images/{image_id}", headers=auth_headers(demo_token)).status_code == 204
    later = client.post(f"{IDENTITY}/projects", json={"project": {"name": "later"}}, headers=ah).json()
    assert client.delete(f"{IDENTITY}/projects/{project['project']['id']}", headers=ah).status_code == 204
    create(client, demo_token, "network", name="after")

    resp = client.post(f"{OP}/snapshots/{snap['id']}/restore", headers=sh)
    assert resp.status_code == 200, resp.text
    assert resp.json()["id"] == snap["id"]

    # Tokens issued before the snapshot validate still: the keys and their users are restored.
    again = wait(client, demo_token, server_id, "ACTIVE")
    for field in ("id", "name", "addresses", "flavor", "image", "created", "OS-EXT-AZ:availability_zone"):
        assert again[field] == server[field], field
    assert download(client, demo_token, image_id).status_code == 200
    assert (
        hashlib.sha256(download(client, demo_token, image_id).content).hexdigest()
        == hashlib.sha256(DATA).hexdigest()
    )
    projects = {p["name"]: p["id"] for p in client.get(f"{IDENTITY}/projects", headers=ah).json()["projects"]}
    assert projects["kept"] == project["project"]["id"] and "later" not in projects
    assert client.get(f"{IDENTITY}/projects/{later['project']['id']}", headers=ah).status_code == 404
    assert client.get(f"{IDENTITY}/users/{user['id']}", headers=ah).json()["user"]["name"] == "keeper"
    nets = client.get("/network/v2.0/networks", headers=auth_headers(demo_token)).json()["networks"]
    assert {n["name"] for n in nets} == {"net"}
    assert client.get("/compute/v2.1/flavors/1", headers=hdr(admin_token)).json()["flavor"] == flavor

    # The restored cloud works: a new server claims a host, a new project gets a fresh id.
    wait(
        client,
        demo_token,
        boot(client, demo_token, image_id, "vm2", networks=[{"uuid": network["id"]}]),
        "ACTIVE",
    )
    assert (
        client.post(f"{IDENTITY}/projects", json={"project": {"name": "new"}}, headers=ah).status_code == 201
    )
    new_image = create_image(client, demo_token, name="new")
    assert upload(client, demo_token, new_image, b"x" * 10).status_code == 204


def test_a_token_of_a_user_the_snapshot_lacks_is_refused_after_restore(
    client: TestClient, system_admin_token: str, admin_token: str
) -> None:
    snap = _snapshot(client, system_admin_token)
    ah = auth_headers(admin_token)
    client.post(f"{IDENTITY}/projects", json={"project": {"name": "p2"}}, headers=ah)
    user = client.post(
        f"{IDENTITY}/users", json={"user": {"name": "late", "password": "pw-123456"}}, headers=ah
    ).json()["user"]
    project_id = client.get(f"{IDENTITY}/projects?name=p2", headers=ah).json()["projects"][0]["id"]
    role_id = client.get(f"{IDENTITY}/roles?name=member", headers=ah).json()["roles"][0]["id"]
    assert (
        client.put(
            f"{IDENTITY}/projects/{project_id}/users/{user['id']}/roles/{role_id}", headers=ah
        ).status_code
        == 204
    )
    late_token = issue_token(client, "late", "pw-123456", "p2")
    check = {"X-Auth-Token": admin_token, "X-Subject-Token": late_token}
    assert client.get(f"{IDENTITY}/auth/tokens", headers=check).status_code == 200
    assert (
        client.post(
            f"{OP}/snapshots/{snap['id']}/restore", headers=auth_headers(system_admin_token)
        ).status_code
        == 200
    )
    assert client.get(f"{IDENTITY}/auth/tokens", headers=check).status_code == 404
    assert client.get(f"{IDENTITY}/projects", headers=auth_headers(late_token)).status_code == 401


def test_reset_gives_the_first_start_cloud(
    client: TestClient, cloud: Cloud, system_admin_token: str, admin_token: str, demo_token: str
) -> None:
    (cloud.settings.data_dir / "passwords.json").write_text(
        json.dumps({"admin": ADMIN_PASSWORD, "demo": DEMO_PASSWORD})
    )
    ah = auth_headers(admin_token)
    client.post(f"{IDENTITY}/projects", json={"project": {"name": "extra"}}, headers=ah)
    image_id = create_image(client, demo_token, name="mine")
    assert upload(client, demo_token, image_id, DATA).status_code == 204
    wait(client, demo_token, boot(client, demo_token, image_id), "ACTIVE")

    resp = client.post(f"{OP}/reset", headers=auth_headers(system_admin_token))
    assert resp.status_code == 200, resp.text

    token = issue_token(client, "admin", ADMIN_PASSWORD, "admin")
    h = auth_headers(token)
    assert {p["name"] for p in client.get(f"{IDENTITY}/projects", headers=h).json()["projects"]} == {
        "admin",
        "demo",
    }
    images = client.get("/image/v2/images", headers=h).json()["images"]
    assert [i["name"] for i in images] == ["pocketstack-tiny"]
    tiny = download(client, token, images[0]["id"])
    assert tiny.status_code == 200 and hashlib.md5(tiny.content).hexdigest() == images[0]["checksum"]  # noqa: S324
    assert client.get("/compute/v2.1/servers", headers=hdr(token)).json()["servers"] == []
    assert {n["name"] for n in client.get("/network/v2.0/networks", headers=h).json()["networks"]} == {
        "public"
    }
    hosts = client.get(f"{OP}/hosts", headers=auth_headers(_system_token(client))).json()
    assert len(hosts["hosts"]) == cloud.settings.fake_hosts
    demo = issue_token(client, "demo", DEMO_PASSWORD, "demo")
    wait(client, demo, boot(client, demo, images[0]["id"]), "ACTIVE")
    # The admin of before the reset was another user row: its token is gone with it.
    assert client.get(f"{IDENTITY}/projects", headers=ah).status_code == 401


def test_reset_without_known_passwords_is_409(client: TestClient, system_admin_token: str) -> None:
    resp = client.post(f"{OP}/reset", headers=auth_headers(system_admin_token))
    assert resp.status_code == 409
    assert "passwords.json" in resp.json()["errors"][0]["detail"]


def test_unknown_ids_are_404_and_bad_names_400(client: TestClient, system_admin_token: str) -> None:
    h = auth_headers(system_admin_token)
    for bad in ("0" * 32, "x", "..%2F..%2Fpocketstack"):
        for method, path in (("GET", ""), ("DELETE", ""), ("POST", "/restore")):
            resp = client.request(method, f"{OP}/snapshots/{bad}{path}", headers=h)
            assert resp.status_code == 404, (bad, method, resp.text)
            assert resp.json()["errors"][0]["status"] == 404
    for body in (
        {},
        {"name": ""},
        {"name": 5},
        {"name": "a\nb"},
        {"name": "x" * 256},
        {"name": "ok", "more": 1},
    ):
        resp = client.post(f"{OP}/snapshots", json=body, headers=h)
        assert resp.status_code == 400, (body, resp.text)
    snap = _snapshot(client, system_admin_token, "gone")
    assert client.delete(f"{OP}/snapshots/{snap['id']}", headers=h).status_code == 204
    assert client.get(f"{OP}/snapshots/{snap['id']}", headers=h).status_code == 404
    assert client.get(f"{OP}/snapshots", headers=h).json()["snapshots"] == []


def _rewrite_at_previous_revision(tar_path: Path, work: Path) -> str:
    """The snapshot's tar with its database moved back to the storage revision before head: the
    schema the migrations build up to there, holding every column the older schema has."""
    with tarfile.open(tar_path) as tar:
        tar.extractall(work, filter="data")
    engine = sqlite_engine(work / "old.sqlite")
    script = ScriptDirectory.from_config(migrate.alembic_config(engine))
    previous = script.get_revision(script.get_current_head()).down_revision
    migrate.upgrade(engine, previous)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"ATTACH DATABASE '{work / 'db.sqlite'}' AS snap")
        for table in METADATA.sorted_tables:
            old = (
                {c["name"] for c in inspect(conn).get_columns(table.name)}
                if inspect(conn).has_table(table.name)
                else set()
            )
            columns = ", ".join(f'"{name}"' for name in sorted(old & {c.name for c in table.c}))
            if columns:
                name = table.name
                conn.exec_driver_sql(
                    f"INSERT OR REPLACE INTO main.{name} ({columns}) SELECT {columns} FROM snap.{name}"
                )
    engine.dispose()
    os.replace(work / "old.sqlite", work / "db.sqlite")
    manifest = json.loads((work / "manifest.json").read_text())
    manifest["storage_revision"] = previous
    (work / "manifest.json").write_text(json.dumps(manifest))
    with tarfile.open(tar_path, "w") as tar:
        for name in sorted(p.relative_to(work).as_posix() for p in work.rglob("*") if p.is_file()):
            tar.add(work / name, name)
    return previous


def test_a_snapshot_of_the_previous_storage_revision_is_upgraded_then_restored(
    client: TestClient,
    cloud: Cloud,
    system_admin_token: str,
    admin_token: str,
    demo_token: str,
    tmp_path: Path,
) -> None:
    ah, sh = auth_headers(admin_token), auth_headers(system_admin_token)
    project = client.post(f"{IDENTITY}/projects", json={"project": {"name": "old"}}, headers=ah).json()[
        "project"
    ]
    image_id = create_image(client, demo_token, name="old-data")
    assert upload(client, demo_token, image_id, DATA).status_code == 204
    snap = _snapshot(client, system_admin_token)
    tar_path = snapshots_dir(cloud.settings) / f"{snap['id']}.tar"
    previous = _rewrite_at_previous_revision(tar_path, tmp_path / "rewrite")
    assert client.get(f"{OP}/snapshots/{snap['id']}", headers=sh).json()["storage_revision"] == previous
    client.delete(f"{IDENTITY}/projects/{project['id']}", headers=ah)
    client.delete(f"/image/v2/images/{image_id}", headers=auth_headers(demo_token))

    resp = client.post(f"{OP}/snapshots/{snap['id']}/restore", headers=sh)
    assert resp.status_code == 200, resp.text
    assert client.get(f"{IDENTITY}/projects/{project['id']}", headers=ah).json()["project"]["name"] == "old"
    assert download(client, demo_token, image_id).content == DATA
    assert migrate.current_revision(cloud.db.engine) == migrate.newest_revision_file()
