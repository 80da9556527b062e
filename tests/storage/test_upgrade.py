"""Every released storage format upgrades to head with nothing lost (seed 002).

Each directory under fixtures/ is a data directory made by scripts/make_storage_fixture.py at
one schema revision. A copy of it is upgraded by starting pocketstack on it (on PostgreSQL, after
its rows are copied into a database at the fixture's revision); then every image
the fixture recorded must still be listed with its metadata, and download with the same
sha512 as the bytes originally sent.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Integer, MetaData, Table, create_engine, inspect, text
from sqlalchemy.exc import IntegrityError
from starlette.testclient import TestClient

from pocketstack.api.app import build_app
from pocketstack.cloud import Cloud, build_cloud
from pocketstack.config import Settings
from pocketstack.core.compute.server_types import type_uuid
from pocketstack.core.objects.model import ListQuery, Subdir
from pocketstack.store import migrate
from pocketstack.store.db import make_engine
from tests.functional.conftest import auth_headers, issue_token

FIXTURES = Path(__file__).parent / "fixtures"
REVISIONS = sorted(p.name for p in FIXTURES.iterdir() if (p / "manifest.json").exists())
IMAGES = "/image/v2/images"


def test_a_fixture_exists_for_every_revision() -> None:
    """A new migration needs its fixture: make it with scripts/make_storage_fixture.py."""
    versions = Path(migrate.MIGRATIONS) / "versions"
    revisions = sorted(p.name.split("_", 1)[0] for p in versions.glob("[0-9][0-9][0-9][0-9]_*.py"))
    assert revisions == REVISIONS


def _load_into(url: str, sqlite_db: Path, revision: str) -> None:
    """The fixture's rows, copied into a fresh database at the fixture's own revision: how an
    installation of that release on PostgreSQL would look."""
    source = create_engine(f"sqlite:///{sqlite_db}")
    target = make_engine(url)
    migrate.upgrade(target, revision)
    tables = MetaData()
    tables.reflect(source)
    with source.connect() as src, target.begin() as dst:
        # Rows a migration seeds (e.g. 0008's revision counters) are the fixture's to give.
        for table in reversed(tables.sorted_tables):
            if table.name != "alembic_version":
                dst.execute(Table(table.name, MetaData(), autoload_with=dst).delete())
        for table in tables.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = [dict(r._mapping) for r in src.execute(table.select())]
            if rows:
                dst.execute(Table(table.name, MetaData(), autoload_with=dst).insert(), rows)
            if "id" in table.c and isinstance(table.c.id.type, Integer):
                dst.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                    )
                )
    source.dispose()
    target.dispose()


def _upgraded_cloud(
    request: pytest.FixtureRequest, tmp_path: Path, revision: str, backend: str
) -> tuple[Cloud, dict[str, Any]]:
    """The fixture of ``revision`` started (so upgraded to head) on a copy, on ``backend``."""
    data_dir = tmp_path / "data"
    shutil.copytree(FIXTURES / revision, data_dir)
    manifest = json.loads((data_dir / "manifest.json").read_text())
    assert manifest["revision"] == revision
    database_url = None
    if backend == "postgresql":
        database_url = request.getfixturevalue("postgres").create_database()
        _load_into(database_url, data_dir / "pocketstack.db", revision)
    settings = Settings(
        data_dir=data_dir, database_url=database_url, image_stores=manifest["image_stores"], port=8770
    )
    cloud = build_cloud(settings)  # what `pocketstack up` does first: migrate to head
    assert migrate.current_revision(cloud.db.engine) == migrate.head_revision(cloud.db.engine)
    return cloud, manifest


@pytest.fixture(
    params=[(rev, backend) for rev in REVISIONS for backend in ("sqlite", "postgresql")],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def upgraded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    cloud, manifest = _upgraded_cloud(request, tmp_path, *request.param)
    with TestClient(build_app(cloud), base_url="http://testserver") as client:
        yield client, manifest
    cloud.close()
    cloud.db.engine.dispose()


def _tokens(client: TestClient, manifest: dict[str, Any]) -> dict[str, str]:
    return {user: issue_token(client, user, pw, user) for user, pw in manifest["passwords"].items()}


def test_identity_survives(upgraded: tuple[TestClient, dict[str, Any]]) -> None:
    client, manifest = upgraded
    tokens = _tokens(client, manifest)
    users = client.get("/identity/v3/users", headers=auth_headers(tokens["admin"]))
    assert users.status_code == 200
    assert {"admin", "demo"} <= {u["name"] for u in users.json()["users"]}


def test_every_image_is_listed_and_downloads_the_same(upgraded: tuple[TestClient, dict[str, Any]]) -> None:
    client, manifest = upgraded
    tokens = _tokens(client, manifest)
    listed: dict[str, set[str]] = {}
    for user, token in tokens.items():
        resp = client.get(IMAGES, headers=auth_headers(token))
        assert resp.status_code == 200
        listed[user] = {image["id"] for image in resp.json()["images"]}
    for expected in manifest["images"]:
        token = tokens[expected["owner"]]
        assert expected["id"] in listed[expected["owner"]], expected["name"]
        image = client.get(f"{IMAGES}/{expected['id']}", headers=auth_headers(token)).json()
        assert (image["name"], image["status"], image["size"]) == (
            expected["name"],
            expected["status"],
            expected["size"],
        )
        data = client.get(f"{IMAGES}/{expected['id']}/file", headers=auth_headers(token))
        if expected["status"] != "active":
            assert data.status_code == 204
            continue
        assert hashlib.sha512(data.content).hexdigest() == expected["sha512"] == image["os_hash_value"]
        assert image["checksum"] == expected["md5"] == data.headers["Content-MD5"]
        assert sorted(image["stores"].split(",")) == sorted(expected["stores"])


def test_staged_imports_and_empty_images_still_complete(upgraded: tuple[TestClient, dict[str, Any]]) -> None:
    """Data staged before the upgrade imports after it; an image with no data takes an upload."""
    client, manifest = upgraded
    tokens = _tokens(client, manifest)
    for expected in manifest["images"]:
        headers = auth_headers(tokens[expected["owner"]])
        if expected["status"] == "uploading":
            body = {"method": {"name": "glance-direct"}}
            assert (
                client.post(f"{IMAGES}/{expected['id']}/import", json=body, headers=headers).status_code
                == 202
            )
            for _ in range(200):
                image = client.get(f"{IMAGES}/{expected['id']}", headers=headers).json()
                if image["status"] != "importing":
                    break
                time.sleep(0.05)
            assert image["status"] == "active"
            data = client.get(f"{IMAGES}/{expected['id']}/file", headers=headers).content
            assert hashlib.sha512(data).hexdigest() == expected["sha512"]
        elif expected["status"] == "queued":
            octet = {**headers, "Content-Type": "application/octet-stream"}
            resp = client.put(f"{IMAGES}/{expected['id']}/file", content=b"after the upgrade", headers=octet)
            assert resp.status_code == 204


def test_servers_survive_and_still_act(upgraded: tuple[TestClient, dict[str, Any]]) -> None:
    """Servers recorded by the fixture are shown as they were, and still take actions."""
    client, manifest = upgraded
    if not manifest.get("servers"):
        pytest.skip(f"revision {manifest['revision']} predates compute: no servers to check")
    tokens = _tokens(client, manifest)
    version = {"OpenStack-API-Version": "compute 2.79"}
    for expected in manifest["servers"]:
        headers = {**auth_headers(tokens[expected["owner"]]), **version}
        resp = client.get(f"/compute/v2.1/servers/{expected['id']}", headers=headers)
        assert resp.status_code == 200, resp.text
        shown = resp.json()["server"]
        got = (shown["name"], shown["status"], shown["flavor"]["original_name"], shown["addresses"])
        assert got == (expected["name"], expected["status"], expected["flavor"], expected["addresses"])
        assert (shown["metadata"], shown["tags"]) == (expected["metadata"], expected["tags"])
    stopped = next(s for s in manifest["servers"] if s["status"] == "SHUTOFF")
    headers = {**auth_headers(tokens[stopped["owner"]]), **version}
    action = client.post(
        f"/compute/v2.1/servers/{stopped['id']}/action", json={"os-start": None}, headers=headers
    )
    assert action.status_code == 202
    for _ in range(200):
        if (
            client.get(f"/compute/v2.1/servers/{stopped['id']}", headers=headers).json()["server"]["status"]
            == "ACTIVE"
        ):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the upgraded stopped server did not start")


def test_networks_survive_and_still_allocate(upgraded: tuple[TestClient, dict[str, Any]]) -> None:
    """Networks, subnets and ports recorded by the fixture read back as they were; a new port
    gets an address no recorded port holds; a project's own quota is kept."""
    client, manifest = upgraded
    if not manifest.get("networks"):
        pytest.skip(f"revision {manifest['revision']} predates networks")
    tokens = _tokens(client, manifest)
    net = "/network/v2.0"
    held = set()
    for expected in manifest["networks"]:
        headers = auth_headers(tokens[expected["owner"]])
        shown = client.get(f"{net}/networks/{expected['id']}", headers=headers).json()["network"]
        assert {k: shown[k] for k in ("name", "shared", "router:external", "tags")} == {
            k: expected[k] for k in ("name", "shared", "router:external", "tags")
        }
        for subnet in expected["subnets"]:
            got = client.get(f"{net}/subnets/{subnet['id']}", headers=headers).json()["subnet"]
            assert {k: got[k] for k in subnet} == subnet
        for port in expected["ports"]:
            got = client.get(f"{net}/ports/{port['id']}", headers=headers).json()["port"]
            assert {k: got[k] for k in port} == port
            held.update(ip["ip_address"] for ip in port["fixed_ips"])
    demo_net = next(n for n in manifest["networks"] if n["owner"] == "demo" and n["ports"])
    headers = auth_headers(tokens["demo"])
    resp = client.post(f"{net}/ports", json={"port": {"network_id": demo_net["id"]}}, headers=headers)
    assert resp.status_code == 201, resp.text
    fresh = {ip["ip_address"] for ip in resp.json()["port"]["fixed_ips"]}
    assert fresh and not fresh & held
    project = resp.json()["port"]["project_id"]
    quota = client.get(f"{net}/quotas/{project}", headers=headers).json()["quota"]
    assert quota["port"] == manifest["network_quotas"]["demo"]["port"]


NETWORK_PATHS = {
    "security_group": "security-groups",
    "security_group_rule": "security-group-rules",
    "port": "ports",
    "rbac_policy": "rbac-policies",
    "router": "routers",
    "floatingip": "floatingips",
}


def test_security_groups_rbac_routers_and_floating_ips_survive(
    upgraded: tuple[TestClient, dict[str, Any]],
) -> None:
    """What revision 0005 stores reads back as it was written, and the router still works."""
    client, manifest = upgraded
    if not manifest.get("network_objects"):
        pytest.skip(f"revision {manifest['revision']} predates security groups and routers")
    tokens = _tokens(client, manifest)
    for kind, expected in manifest["network_objects"].items():
        user = "admin" if kind == "rbac_policy" else "demo"
        resp = client.get(
            f"/network/v2.0/{NETWORK_PATHS[kind]}/{expected['id']}", headers=auth_headers(tokens[user])
        )
        assert resp.status_code == 200, (kind, resp.text)
        got = resp.json()[kind]
        assert {k: got[k] for k in expected} == expected, kind
    shared = manifest["network_objects"]["rbac_policy"]["object_id"]
    seen = client.get(f"/network/v2.0/networks/{shared}", headers=auth_headers(tokens["demo"]))
    assert seen.status_code == 200
    fip = manifest["network_objects"]["floatingip"]["id"]
    resp = client.put(
        f"/network/v2.0/floatingips/{fip}",
        json={"floatingip": {"port_id": None}},
        headers=auth_headers(tokens["demo"]),
    )
    assert resp.status_code == 200 and resp.json()["floatingip"]["status"] == "DOWN"


def test_server_addresses_live_on_ports(upgraded: tuple[TestClient, dict[str, Any]]) -> None:
    """Before revision 0006 servers held addresses of a built-in flat network: each became a
    port of the server on the project's network ``private``, with the same address and MAC,
    made for the server (deleted with it). From 0006 on the ports are the servers' own: a device
    tag reads back, and a user's port outlives its server, unbound."""
    client, manifest = upgraded
    addressed = [s for s in manifest.get("servers", []) if s["addresses"]]
    if not addressed:
        pytest.skip(f"revision {manifest['revision']} has no server with an address")
    tokens = _tokens(client, manifest)
    version = {"OpenStack-API-Version": "compute 2.79"}
    net = "/network/v2.0"
    for expected in addressed:
        headers = auth_headers(tokens[expected["owner"]])
        ports = client.get(f"{net}/ports", params={"device_id": expected["id"]}, headers=headers).json()[
            "ports"
        ]
        fixed = [
            a
            for entries in expected["addresses"].values()
            for a in entries
            if a["OS-EXT-IPS:type"] == "fixed"
        ]
        assert sorted(ip["ip_address"] for p in ports for ip in p["fixed_ips"]) == sorted(
            a["addr"] for a in fixed
        )
        assert {p["mac_address"] for p in ports} == {a["OS-EXT-IPS-MAC:mac_addr"] for a in fixed}
        assert all(p["device_owner"].startswith("compute:") for p in ports)
    if manifest["revision"] < "0006":
        web = next(s for s in addressed if s["owner"] == "demo")
        headers = auth_headers(tokens["demo"])
        (private,) = client.get(f"{net}/networks", params={"name": "private"}, headers=headers).json()[
            "networks"
        ]
        (subnet,) = client.get(
            f"{net}/subnets", params={"network_id": private["id"]}, headers=headers
        ).json()["subnets"]
        assert (subnet["cidr"], subnet["gateway_ip"]) == ("10.0.0.0/16", "10.0.0.1")
        body = {"port": {"network_id": private["id"]}}
        fresh = client.post(f"{net}/ports", json=body, headers=headers).json()["port"]["fixed_ips"][0][
            "ip_address"
        ]
        assert fresh not in {a["addr"] for a in web["addresses"]["private"]}
        (port,) = client.get(f"{net}/ports", params={"device_id": web["id"]}, headers=headers).json()["ports"]
        assert (
            client.delete(f"/compute/v2.1/servers/{web['id']}", headers={**headers, **version}).status_code
            == 204
        )
        _wait_for(lambda: client.get(f"{net}/ports/{port['id']}", headers=headers).status_code == 404)
        return
    headers = {**auth_headers(tokens["demo"]), "OpenStack-API-Version": "compute 2.70"}
    tagged = next(s for s in addressed if s["name"] == "fixture-tagged")
    (nic,) = client.get(f"/compute/v2.1/servers/{tagged['id']}/os-interface", headers=headers).json()[
        "interfaceAttachments"
    ]
    assert nic["tag"] == "nic1"
    ported = next(s for s in addressed if s["name"] == "fixture-ported")
    assert any(a["OS-EXT-IPS:type"] == "floating" for a in ported["addresses"]["fixture-l3"])
    port_id = manifest["network_objects"]["port"]["id"]
    assert client.delete(f"/compute/v2.1/servers/{ported['id']}", headers=headers).status_code == 204
    _wait_for(lambda: client.get(f"{net}/ports/{port_id}", headers=headers).json()["port"]["device_id"] == "")


def _wait_for(condition: Any) -> None:
    for _ in range(200):
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("the condition was not met in 10 s")


def _dig(body: Any, path: str) -> Any:
    for step in path.split("."):
        body = body[int(step)] if isinstance(body, list) else body[step]
    return body


def test_revision_0007_objects_survive(upgraded: tuple[TestClient, dict[str, Any]]) -> None:
    """Groups, credentials (decrypted with the fixture's own credential keys), trusts, endpoint
    groups, policies, limits, metadef namespaces, per-user quotas and disk configs read back
    as they were made."""
    client, manifest = upgraded
    if not manifest.get("survivors"):
        pytest.skip(f"revision {manifest['revision']} predates the conformance objects")
    tokens = _tokens(client, manifest)
    for user, path, key, fields in manifest["survivors"]:
        headers = {"X-Auth-Token": tokens[user], "OpenStack-API-Version": "compute 2.79"}
        resp = client.get(path, headers=headers)
        assert resp.status_code == 200, (path, resp.text)
        body = resp.json()[key] if key else resp.json()
        assert {f: _dig(body, f) for f in fields} == fields, path


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_revision_0010_backfills(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """0009 -> 0010: a server's requested zone becomes ``placement_id`` when it names a root
    placement (not one inside another, not an unknown name), and stays as it was; every flavor
    gets its type id as ``flavors.uuid`` (unique, not null); the two indexes are made. A
    downgrade keeps the rows that point at flavors."""
    sqlite_db = tmp_path / "pocketstack.db"
    shutil.copy(FIXTURES / "0009" / "pocketstack.db", sqlite_db)
    url = f"sqlite:///{sqlite_db}"
    if backend == "postgresql":
        url = request.getfixturevalue("postgres").create_database()
        _load_into(url, sqlite_db, "0009")
    engine = make_engine(url)
    with engine.begin() as conn:
        ids = list(conn.execute(text("SELECT id FROM servers ORDER BY name")).scalars())
        zones = {ids[0]: "nova", ids[1]: "fixture-rack", ids[2]: "no-such-zone"}
        for sid, zone in zones.items():
            conn.execute(text("UPDATE servers SET requested_zone = :z WHERE id = :i"), {"z": zone, "i": sid})
        nova = conn.execute(text("SELECT id FROM placements WHERE name = 'nova'")).scalar()
        flavor_ids = list(conn.execute(text("SELECT id FROM flavors")).scalars())
        shares = conn.execute(text("SELECT COUNT(*) FROM flavor_access")).scalar()
    assert len(ids) > 3 and nova is not None and shares
    migrate.upgrade(engine, "0010")
    with engine.connect() as conn:
        rows = {r.id: (r.requested_zone, r.placement_id) for r in conn.execute(text("SELECT * FROM servers"))}
        uuids = dict(conn.execute(text("SELECT id, uuid FROM flavors")).all())
    assert rows == {sid: (zones.get(sid), nova if sid == ids[0] else None) for sid in ids}
    assert uuids == {fid: type_uuid(fid) for fid in flavor_ids}
    assert any(uuids[fid] == fid for fid in flavor_ids)  # the 0009 fixture's type, a UUID id
    schema = inspect(engine)
    indexes = {
        i["name"]: (i["column_names"], bool(i["unique"]))
        for table in ("servers", "tasks", "flavors")
        for i in schema.get_indexes(table)
    }
    assert indexes["ix_servers_project_hostname"] == (["project_id", "hostname"], False)
    assert indexes["ix_tasks_server_created"] == (["server_id", "created_at", "id"], False)
    assert indexes["ix_flavors_uuid"] == (["uuid"], True)
    assert not next(c for c in schema.get_columns("flavors") if c["name"] == "uuid")["nullable"]
    with engine.begin() as conn, pytest.raises(IntegrityError):
        conn.execute(text("UPDATE flavors SET uuid = :u"), {"u": uuids[flavor_ids[0]]})
    command.downgrade(migrate.alembic_config(engine), "0009")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM flavor_access")).scalar() == shares
    assert "uuid" not in {c["name"] for c in inspect(engine).get_columns("flavors")}
    engine.dispose()


def _rows(conn: Any, table: str) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY id"))]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_revision_0011_keeps_every_task_and_item(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """0010 -> 0011: every task is kept as it was, of kind ``server``, with all its items (on
    SQLite the table is copied, and dropping the old one must not cascade into ``task_items``);
    a task with no server or project (an operator's) can then be written. A downgrade drops the
    operator tasks with their items and keeps the others."""
    sqlite_db = tmp_path / "pocketstack.db"
    shutil.copy(FIXTURES / "0010" / "pocketstack.db", sqlite_db)
    url = f"sqlite:///{sqlite_db}"
    if backend == "postgresql":
        url = request.getfixturevalue("postgres").create_database()
        _load_into(url, sqlite_db, "0010")
    engine = make_engine(url)
    with engine.connect() as conn:
        before_tasks, before_items = _rows(conn, "tasks"), _rows(conn, "task_items")
    assert before_tasks and before_items
    indexes_before = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("tasks")}
    migrate.upgrade(engine, "0011")
    with engine.connect() as conn:
        after_tasks, after_items = _rows(conn, "tasks"), _rows(conn, "task_items")
    assert after_tasks == [{**t, "kind": "server"} for t in before_tasks]
    assert after_items == before_items
    schema = inspect(engine)
    columns = {c["name"]: c for c in schema.get_columns("tasks")}
    assert columns["server_id"]["nullable"] and columns["project_id"]["nullable"]
    assert not columns["kind"]["nullable"]
    assert {i["name"]: i["column_names"] for i in schema.get_indexes("tasks")} == indexes_before
    fk = next(iter(schema.get_foreign_keys("task_items")))
    assert (fk["referred_table"], fk["options"].get("ondelete")) == ("tasks", "CASCADE")
    task_columns = "user_id, request_id, status, message, params, created_at, updated_at, finished_at"
    item_columns = "event, status, host, details, started_at, finished_at"
    with engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO tasks (id, server_id, project_id, action, kind, {task_columns}) "
                f"SELECT '0011-operator', NULL, NULL, 'drain', 'operator', {task_columns} FROM tasks "
                "WHERE id = :id"
            ),
            {"id": before_tasks[0]["id"]},
        )
        conn.execute(
            text(
                f"INSERT INTO task_items (task_id, {item_columns}) "
                f"SELECT '0011-operator', {item_columns} FROM task_items WHERE id = :id"
            ),
            {"id": before_items[0]["id"]},
        )
        assert conn.execute(text("SELECT COUNT(*) FROM tasks WHERE server_id IS NULL")).scalar() == 1
    command.downgrade(migrate.alembic_config(engine), "0010")
    with engine.connect() as conn:
        assert _rows(conn, "tasks") == before_tasks
        assert _rows(conn, "task_items") == before_items
    assert not {c["name"]: c for c in inspect(engine).get_columns("tasks")}["server_id"]["nullable"]
    engine.dispose()


OBJECT_REVISIONS = [
    rev
    for rev in REVISIONS
    if json.loads((FIXTURES / rev / "manifest.json").read_text()).get("object_storage")
]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.parametrize("revision", OBJECT_REVISIONS)
def test_object_storage_survives(
    revision: str, backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """From revision 0012 on: the account, containers and objects the fixture recorded read back
    as they were (metadata, settings, usage), every object's data with the same sha512; the
    start-up sweep keeps every blob a row points at; an upgraded cloud still stores objects."""
    cloud, manifest = _upgraded_cloud(request, tmp_path, revision, backend)
    try:
        expected = manifest["object_storage"]
        project, objects = expected["project_id"], cloud.objects
        assert objects.account(project).meta == expected["account_meta"]
        for name, settings in expected["containers"].items():
            info = objects.container(project, name)
            assert {key: getattr(info, key) for key in settings} == settings, name
        found = {}
        for container in {o["container"] for o in expected["objects"]}:
            for info in objects.list_objects(project, container, ListQuery()):
                assert not isinstance(info, Subdir)
                found[(container, info.name)] = info
        assert set(found) == {(o["container"], o["name"]) for o in expected["objects"]}
        for want in expected["objects"]:
            info = found[(want["container"], want["name"])]
            data = b"".join(objects.open(info))
            assert hashlib.sha512(data).hexdigest() == want["sha512"] and info.etag == want["md5"]
            got = {
                key: getattr(info, key) for key in ("size", "content_type", "meta", "headers", "delete_at")
            }
            assert got == {key: want[key] for key in got}, want["name"]
        writer = objects.begin_put(
            project, "fixture-photos", "after-the-upgrade", content_type="text/plain", meta={}, headers={}
        )
        writer.write(b"new")
        assert writer.finish().etag == hashlib.md5(b"new").hexdigest()
    finally:
        cloud.close()
        cloud.db.engine.dispose()


def _all_rows(conn: Any, tables: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    return {t: sorted(map(tuple, conn.execute(text(f"SELECT * FROM {t}"))), key=repr) for t in tables}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_revision_0012_adds_the_object_tables(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """0011 -> 0012: every row of every older table is kept as it was; the three object tables
    come empty, their names sorting as UTF-8 bytes on either backend. A downgrade drops them
    and keeps the rest."""
    sqlite_db = tmp_path / "pocketstack.db"
    shutil.copy(FIXTURES / "0011" / "pocketstack.db", sqlite_db)
    url = f"sqlite:///{sqlite_db}"
    if backend == "postgresql":
        url = request.getfixturevalue("postgres").create_database()
        _load_into(url, sqlite_db, "0011")
    engine = make_engine(url)
    older = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    with engine.connect() as conn:
        before = _all_rows(conn, older)
    migrate.upgrade(engine, "0012")
    added = {"object_accounts", "object_containers", "object_objects"}
    assert set(inspect(engine).get_table_names()) - set(older) - {"alembic_version"} == added
    with engine.begin() as conn:
        assert _all_rows(conn, older) == before
        assert all(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar() == 0 for t in added)
        conn.execute(text("INSERT INTO object_accounts VALUES ('p', '{}', NULL, NULL, 1.5)"))
        names = ["a", "B", "\uff5a", "\U0001f600", "\u00e9", "a/b", "a-b"]
        for i, name in enumerate(names):
            conn.execute(
                text(
                    "INSERT INTO object_containers (project_id, name, meta, versions_enabled, extra,"
                    " object_count, bytes_used, created_at, put_timestamp)"
                    " VALUES ('p', :n, '{}', false, '{}', 0, 0, :t, :t)"
                ),
                {"n": name, "t": float(i)},
            )
        ordered = list(conn.execute(text("SELECT name FROM object_containers ORDER BY name")).scalars())
        assert ordered == sorted(names, key=lambda n: n.encode())
    command.downgrade(migrate.alembic_config(engine), "0011")
    assert not added & set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        assert _all_rows(conn, older) == before
    engine.dispose()
