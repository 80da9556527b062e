"""The cloud the fuzz test walks: one in-process app with personas (anonymous, a garbage token,
reader, member, project admin, system admin) and objects owned by two projects, so hostile path
ids can name things the caller may not touch.

A fuzzed admin call may break a persona (disable its user, delete its role, revoke its token):
the world is then restored from a snapshot taken right after it was built (database, keys and
image files), which is much cheaper than building it again."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.testclient import TestClient

from pocketstack.api.app import build_app
from pocketstack.api.network_v2.routes import ROUTES as NETWORK_ROUTES
from pocketstack.cloud import Cloud, build_cloud
from pocketstack.config import Settings
from pocketstack.core.identity.bootstrap import Account, bootstrap
from pocketstack.core.image.seed import seed_first_image
from pocketstack.core.network.seed import seed_public_network
from tests.conftest import ADMIN_PASSWORD, DEMO_PASSWORD
from tests.functional.conftest import CHEAP_HASHES, password_auth
from tests.fuzz.templates import TEMPLATES, network_kind

READER_PASSWORD = "reader-secret-pw"
OTHER_PASSWORD = "other-secret-pw"
COMPUTE_VERSION = {"OpenStack-API-Version": "compute 2.79"}
DB_NAME = "fuzz.db"
# The project whose objects a persona works on (None: any).
PERSONA_PROJECT = {"reader": "demo", "member": "demo", "admin": "admin", "system_admin": None}


class CountingPool(ThreadPoolExecutor):
    """The bus's worker pool, counting the tasks handed to it and those finished, so the test
    can wait for quiet before it reads the tables and see whether a request started a task."""

    def __init__(self, workers: int) -> None:
        super().__init__(max_workers=workers, thread_name_prefix="task")
        self.submitted = 0
        self.finished = 0
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._lock:
            self.submitted += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: Future[Any]) -> None:
        with self._lock:
            self.finished += 1

    def wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.submitted != self.finished:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True


@dataclass
class Seed:
    """What a world is made of besides its files: the personas' tokens and the ids of the
    objects made for the fuzz, all (kind) and by owning project ((kind, project))."""

    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, list[str]] = field(default_factory=dict)
    owned: dict[tuple[str, str], list[str]] = field(default_factory=dict)


@dataclass(repr=False)
class World:
    cloud: Cloud
    client: TestClient
    pool: CountingPool
    seed: Seed
    _exit: ExitStack

    def __repr__(self) -> str:
        return f"World({self.cloud.settings.data_dir})"

    @property
    def tokens(self) -> dict[str, str]:
        return self.seed.tokens

    @property
    def db_path(self) -> Path:
        return self.cloud.settings.data_dir / DB_NAME

    def call(
        self, method: str, path: str, token: str | None, body: Any = None, **headers: str
    ) -> httpx.Response:
        if token is not None:
            headers["X-Auth-Token"] = token
        resp = self.client.request(method, path, json=body, headers=headers)
        assert resp.status_code < 300, f"setup: {method} {path} -> {resp.status_code} {resp.text}"
        return resp

    def issue(self, user: str, password: str, project: str | None, system: bool = False) -> str:
        body = password_auth(user, password, project)
        if system:
            body["auth"]["scope"] = {"system": {"all": True}}
        resp = self.client.post("/identity/v3/auth/tokens", json=body)
        assert resp.status_code == 201, resp.text
        return resp.headers["X-Subject-Token"]

    def add(self, kind: str, value: str, owner: str | None = None) -> str:
        self.seed.ids.setdefault(kind, []).append(value)
        if owner is not None:
            self.seed.owned.setdefault((kind, owner), []).append(value)
        return value

    def pool_of(self, kind: str) -> Sequence[str]:
        """The ids of objects of ``kind`` made for the fuzz (tokens for ``token``)."""
        if kind == "token":
            return list(self.seed.tokens.values())
        return self.seed.ids.get(kind, [])

    def owned_by(self, kind: str, persona: str) -> Sequence[str]:
        """The ids of objects of ``kind`` in the persona's project (all of them for a persona
        without one)."""
        project = PERSONA_PROJECT.get(persona)
        if project is None:
            return self.pool_of(kind)
        return self.seed.owned.get((kind, project)) or self.pool_of(kind)

    def close(self) -> None:
        self._exit.close()


def _open(data_dir: Path, seed: Seed) -> World:
    """The app over the cloud in ``data_dir``, with the bus's pool swapped for a counting one."""
    settings = Settings(
        data_dir=data_dir, database_url=f"sqlite:///{data_dir / DB_NAME}", port=5000, **CHEAP_HASHES
    )
    cloud = build_cloud(settings)
    old_pool = cloud.bus._pool
    pool = CountingPool(settings.compute_workers)
    cloud.bus._pool = pool  # the bus owns it from here and shuts it down on close()
    old_pool.shutdown()
    stack = ExitStack()
    stack.callback(cloud.close)
    try:
        client = stack.enter_context(TestClient(build_app(cloud), base_url="http://testserver"))
    except BaseException:
        stack.close()
        raise
    return World(cloud, client, pool, seed, stack)


def build_world(data_dir: Path) -> World:
    """A fresh cloud on SQLite in ``data_dir`` with personas and objects of two projects."""
    data_dir.mkdir(parents=True)
    settings = Settings(
        data_dir=data_dir, database_url=f"sqlite:///{data_dir / DB_NAME}", port=5000, **CHEAP_HASHES
    )
    cloud = build_cloud(settings)
    accounts = [
        Account("admin", "admin", "admin", ADMIN_PASSWORD),
        Account("demo", "demo", "member", DEMO_PASSWORD),
    ]
    bootstrap(cloud.db, cloud.verifier, accounts, settings.base_url, settings.region)
    seed_first_image(cloud.db, cloud.image_data)
    seed_public_network(cloud.db, settings.public_network_cidr, settings.public_network_pool)
    cloud.close()
    world = _open(data_dir, Seed())
    try:
        _populate(world)
        assert world.pool.wait_idle(20), "setup: the servers did not finish building"
    except BaseException:
        world.close()
        raise
    return world


def snapshot(world: World, target: Path) -> None:
    """Copy the world's files to ``target`` (the database through SQLite's backup, so that it
    is consistent while the cloud runs)."""
    shutil.copytree(world.cloud.settings.data_dir, target, ignore=shutil.ignore_patterns(f"{DB_NAME}*"))
    source, copy = sqlite3.connect(world.db_path), sqlite3.connect(target / DB_NAME)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()


def restore(snapshot_dir: Path, data_dir: Path, seed: Seed) -> World:
    """A world from a snapshot: the same objects, and the same tokens still valid."""
    shutil.copytree(snapshot_dir, data_dir)
    fresh = Seed(dict(seed.tokens), {k: list(v) for k, v in seed.ids.items()}, dict(seed.owned))
    return _open(data_dir, fresh)


def _populate(w: World) -> None:
    w.tokens["admin"] = admin = w.issue("admin", ADMIN_PASSWORD, "admin")
    w.tokens["member"] = member = w.issue("demo", DEMO_PASSWORD, "demo")
    w.tokens["system_admin"] = w.issue("admin", ADMIN_PASSWORD, None, system=True)
    images = w.call("GET", "/image/v2/images", admin).json()["images"]
    image_id = next(i["id"] for i in images if i["name"] == "pocketstack-tiny")
    w.add("image", image_id, "admin")
    w.add("bootable", image_id)
    _identity(w, admin)
    w.tokens["reader"] = w.issue("fuzz-reader", READER_PASSWORD, "demo")
    _images(w, admin, member)
    _compute(w, admin, member, image_id)
    _network(w, admin, member)


def _identity(w: World, admin: str) -> None:
    ident = "/identity/v3"
    roles = {r["name"]: r["id"] for r in w.call("GET", f"{ident}/roles", admin).json()["roles"]}
    projects = {p["name"]: p["id"] for p in w.call("GET", f"{ident}/projects", admin).json()["projects"]}
    users = {u["name"]: u["id"] for u in w.call("GET", f"{ident}/users", admin).json()["users"]}
    for name in ("admin", "demo"):
        w.add("project", projects[name], name)
        w.add("user", users[name], name)
    w.add("domain", "default")
    body = {"user": {"name": "fuzz-reader", "password": READER_PASSWORD, "domain_id": "default"}}
    reader = w.call("POST", f"{ident}/users", admin, body).json()["user"]["id"]
    w.add("user", reader, "demo")
    w.call("PUT", f"{ident}/projects/{projects['demo']}/users/{reader}/roles/{roles['reader']}", admin)
    # Objects an admin call may change or delete without breaking a persona.
    domain = w.call("POST", f"{ident}/domains", admin, {"domain": {"name": "fuzz-domain"}}).json()["domain"]
    w.add("domain", domain["id"])
    body = {"project": {"name": "other", "domain_id": domain["id"]}}
    other = w.add("project", w.call("POST", f"{ident}/projects", admin, body).json()["project"]["id"])
    body = {"user": {"name": "other", "password": OTHER_PASSWORD, "domain_id": domain["id"]}}
    user = w.add("user", w.call("POST", f"{ident}/users", admin, body).json()["user"]["id"])
    role = w.add(
        "role", w.call("POST", f"{ident}/roles", admin, {"role": {"name": "fuzz-role"}}).json()["role"]["id"]
    )
    for name in ("reader", "member", "admin"):
        w.add("role", roles[name])
    w.call("PUT", f"{ident}/projects/{other}/users/{user}/roles/{role}", admin)
    w.call("PUT", f"{ident}/roles/{role}/implies/{roles['reader']}", admin)
    w.call("PUT", f"{ident}/projects/{other}/tags/fuzz-tag", admin)
    w.add(
        "region",
        w.call("POST", f"{ident}/regions", admin, {"region": {"id": "fuzz-region"}}).json()["region"]["id"],
    )
    body = {"service": {"type": "fuzz", "name": "fuzz"}}
    service = w.add("service", w.call("POST", f"{ident}/services", admin, body).json()["service"]["id"])
    body = {"endpoint": {"service_id": service, "interface": "public", "url": "http://fuzz.example/"}}
    w.add("endpoint", w.call("POST", f"{ident}/endpoints", admin, body).json()["endpoint"]["id"])
    auth = password_auth("other", OTHER_PASSWORD)
    auth["auth"]["identity"]["password"]["user"]["domain"] = {"id": domain["id"]}
    auth["auth"]["scope"] = {"project": {"id": other}}
    resp = w.client.post("/identity/v3/auth/tokens", json=auth)
    assert resp.status_code == 201, resp.text
    body = {"application_credential": {"name": "fuzz-cred"}}
    path = f"{ident}/users/{user}/application_credentials"
    cred = w.call("POST", path, resp.headers["X-Subject-Token"], body).json()["application_credential"]
    w.add("application_credential", cred["id"])
    w.add("application_credential_secret", cred["secret"])


def _images(w: World, admin: str, member: str) -> None:
    images = "/image/v2/images"
    body = {"name": "admin-private", "disk_format": "raw", "container_format": "bare"}
    private = w.add("image", w.call("POST", images, admin, body).json()["id"], "admin")
    w.call("PUT", f"{images}/{private}/tags/secret", admin)
    shared = w.call("POST", images, admin, {**body, "name": "shared", "visibility": "shared"}).json()["id"]
    w.add("image", shared, "admin")
    demo_project = w.seed.owned[("project", "demo")][0]
    w.call("POST", f"{images}/{shared}/members", admin, {"member": demo_project})
    mine = w.add(
        "image", w.call("POST", images, member, {**body, "name": "demo-private"}).json()["id"], "demo"
    )
    w.call("PUT", f"{images}/{mine}/file", member, None, **{"Content-Type": "application/octet-stream"})


def _compute(w: World, admin: str, member: str, image_id: str) -> None:
    api = "/compute/v2.1"
    server = {"imageRef": image_id, "flavorRef": "1", "networks": "auto"}
    for token, owner in ((admin, "admin"), (member, "demo")):
        body = {"server": {**server, "name": f"{owner}-server", "metadata": {"k": "v"}, "tags": ["t"]}}
        resp = w.call("POST", f"{api}/servers", token, body, **COMPUTE_VERSION)
        w.add("server", resp.json()["server"]["id"], owner)
        keypair = w.call("POST", f"{api}/os-keypairs", token, {"keypair": {"name": f"{owner}-key"}})
        w.add("keypair", keypair.json()["keypair"]["name"], owner)
        body = {"server_group": {"name": f"{owner}-group", "policies": ["anti-affinity"]}}
        group = w.call("POST", f"{api}/os-server-groups", token, body)
        w.add("server_group", group.json()["server_group"]["id"], owner)
    body = {
        "flavor": {
            "name": "fuzz-private",
            "ram": 64,
            "vcpus": 1,
            "disk": 1,
            "os-flavor-access:is_public": False,
        }
    }
    w.add("flavor", w.call("POST", f"{api}/flavors", admin, body).json()["flavor"]["id"])
    for flavor_id in ("1", "2"):
        w.add("flavor", flavor_id)
        w.add("public_flavor", flavor_id)
    aggregate = w.call("POST", f"{api}/os-aggregates", admin, {"aggregate": {"name": "fuzz-agg"}})
    w.add("aggregate", str(aggregate.json()["aggregate"]["id"]))
    assert w.pool.wait_idle(20), "setup: the servers did not finish building"
    for owner in ("admin", "demo"):
        for sid in w.seed.owned[("server", owner)]:
            actions = w.call("GET", f"{api}/servers/{sid}/os-instance-actions", admin).json()[
                "instanceActions"
            ]
            for action in actions:
                w.add("request", action["request_id"], owner)
    for hyp in w.call("GET", f"{api}/os-hypervisors", admin).json()["hypervisors"]:
        w.add("hypervisor", str(hyp["id"]))
        w.add("host", hyp["hypervisor_hostname"])
    for version in ("2.1", "2.53"):  # numeric ids before 2.53, uuids from it
        services = w.call(
            "GET", f"{api}/os-services", admin, None, **{"OpenStack-API-Version": f"compute {version}"}
        )
        for svc in services.json()["services"]:
            w.add("compute_service", str(svc["id"]))


# The network objects each project gets, made in this order with the route's first template
# (templates.py) where the route table has the route; a body given here replaces it. Those
# that are not made (a route under way elsewhere may still refuse) are reported by a warning.
# The port at 10.9.0.50 is made last: the port forwarding's template names it.
NET = "/network"
NETWORK_SETUP: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/v2.0/networks", None),
    ("PUT", "/v2.0/networks/{id}/tags/fuzz-tag", None),
    ("POST", "/v2.0/subnets", None),
    ("POST", "/v2.0/ports", None),
    (
        "POST",
        "/v2.0/ports",
        {"port": {"network_id": "$net:networks", "fixed_ips": [{"ip_address": "10.9.0.50"}]}},
    ),
    ("POST", "/v2.0/address-scopes", None),
    ("POST", "/v2.0/subnetpools", None),
    ("POST", "/v2.0/security-groups", None),
    ("POST", "/v2.0/security-group-rules", None),
    ("POST", "/v2.0/routers", None),
    ("PUT", "/v2.0/routers/{id}/add_router_interface", None),
    ("POST", "/v2.0/floatingips", None),
    ("POST", "/v2.0/floatingips/{id}/port_forwardings", None),
    ("POST", "/v2.0/rbac-policies", None),
]


def _network(w: World, admin: str, member: str) -> None:
    """Each project's network with a subnet and ports, and what else the table's routes make
    (SETUP); a shared network; then every object any list route of the table shows (the
    ``public`` network, default security groups...), as ``net:<collection>`` by owner."""
    served = {(e.method, e.path) for e in NETWORK_ROUTES}
    failed: list[str] = []
    for net in w.call("GET", f"{NET}/v2.0/networks?router:external=true", admin).json()["networks"]:
        w.add("net:external", net["id"])
    for token, owner in ((admin, "admin"), (member, "demo")):
        made: dict[str, list[str]] = {}
        for method, path, body in NETWORK_SETUP:
            if (method, path) not in served:
                continue
            doc = body if body is not None else TEMPLATES[("network", method, path)][0].doc
            doc = _resolve(w, doc, made, owner)
            if "{id}" in path:
                ids = made.get(network_kind(path)) or []
                if not ids:
                    failed.append(f"{owner} {method} {path}: nothing to name")
                    continue
                path = path.replace("{id}", ids[0])
            resp = w.client.request(method, NET + path, json=doc, headers={"X-Auth-Token": token})
            if resp.status_code >= 300:
                failed.append(f"{owner} {method} {path}: {resp.status_code} {resp.text[:200]}")
            elif method == "POST" and resp.content:
                ((_, made_one),) = resp.json().items()
                made.setdefault("net:" + path.rsplit("/", 1)[-1], []).append(made_one["id"])
    if ("POST", "/v2.0/networks") in served:
        w.call("POST", f"{NET}/v2.0/networks", admin, {"network": {"name": "fuzz-shared", "shared": True}})
    if failed:
        warnings.warn("fuzz: network objects not made: " + "; ".join(failed), stacklevel=1)
    _list_network(w, admin)


def _resolve(w: World, value: Any, made: dict[str, list[str]], owner: str) -> Any:
    """A template with each "$kind" replaced by the owner's object made last, else its own."""
    if isinstance(value, str) and value.startswith("$"):
        pool = made.get(value[1:]) or w.seed.owned.get((value[1:], owner)) or w.pool_of(value[1:])
        return pool[-1] if pool else value
    if isinstance(value, dict):
        return {k: _resolve(w, v, made, owner) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(w, v, made, owner) for v in value]
    return value


def _list_network(w: World, admin: str) -> None:
    owners = {w.seed.owned[("project", name)][0]: name for name in ("admin", "demo")}
    lists = [
        e.path for e in NETWORK_ROUTES if e.method == "GET" and e.path.count("/") == 2 and "{" not in e.path
    ]
    nested = [
        e.path for e in NETWORK_ROUTES if e.method == "GET" and e.path.endswith("}/" + e.path.split("/")[-1])
    ]
    for path in lists + [p for p in nested if not p.endswith("/tags")]:
        kind = "net:" + path.rsplit("/", 1)[-1]
        parents = w.pool_of(network_kind(path)) if "{id}" in path else [""]
        for parent in list(parents):
            found = w.call("GET", NET + path.replace("{id}", parent), admin).json()
            for items in found.values():
                for item in items if isinstance(items, list) else []:
                    key = item.get("id") or item.get("alias")
                    if not isinstance(key, str) or key in w.pool_of(kind):
                        continue
                    w.add(kind, key, owners.get(item.get("project_id") or item.get("tenant_id") or ""))
