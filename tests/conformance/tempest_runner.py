"""Run OpenStack's own conformance suite, Tempest, against a running pocketstack.

Tempest lives in a virtualenv of its own (``.cache/tempest-venv``, built once and reused), with the
pins below, so its dependencies never touch ours. For one run this module:

1. reads the cloud (catalog, version documents, served Network extensions, the ``public``
   network, Identity and Image features, Object Storage's ``/info``) with the admin credentials;
2. creates what the tests boot from: two public images and two flavors, tagged with the run;
3. writes a ``tempest.conf`` from all that into a workspace, and runs ``tempest run --subunit``
   there at the chosen concurrency;
4. reads the subunit stream into pass / fail / skip per test id, and removes what step 2 made.

By hand, against a cloud that is already up (or ``--start`` to start a throwaway one)::

    python -m tests.conformance.tempest_runner --url http://127.0.0.1:8770 \\
        --admin-password PW [--regex 'tempest\\.api\\.network\\.test_ports'] [--workspace DIR]

It prints the summary, every failure with the end of its traceback, and, for the chosen set, how
the run compares with ``expected_failures.txt``.
"""

from __future__ import annotations

import argparse
import configparser
import http.server
import io
import json
import os
import re
import secrets
import shutil
import signal
import struct
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import httpx
from filelock import FileLock

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VENV = ROOT / ".cache" / "tempest-venv"
TEMPEST = "tempest==47.0.0"
# Tempest's tree as resolved for 47.0.0 when this runner was written; pinned so that a new
# release of one of them cannot change a run. They live only in the Tempest venv.
PINS = """
attrs==26.1.0
autopage==0.6.0
bcrypt==5.0.0
certifi==2026.10.19.post1
cffi==2.1.1
charset-normalizer==3.5.3
cliff==4.17.0
cmd2==4.3.1
cryptography==50.0.2
debtcollector==3.1.0
defusedxml==0.7.1
fasteners==0.20
fixtures==4.3.2
idna==3.20
invoke==3.0.3
iso8601==2.1.0
jsonschema==4.26.0
jsonschema-specifications==2025.9.1
markdown-it-py==4.3.0
mdurl==0.1.2
msgpack==1.2.4
netaddr==1.3.0
oslo.concurrency==7.6.1
oslo.config==10.7.0
oslo.context==6.5.0
oslo.i18n==6.9.0
oslo.log==8.3.2
oslo.serialization==5.11.0
oslo.utils==10.2.0
packaging==26.4
paramiko==5.1.0
pbr==7.1.3
prettytable==3.18.0
prompt_toolkit==3.0.53
psutil==7.2.2
pycparser==3.12
Pygments==2.21.0
PyNaCl==1.6.2
pyparsing==3.3.3
pyperclip==1.11.0
python-dateutil==4.0.0
python-subunit==1.4.6
PyYAML==6.0.4
referencing==0.37.0
requests==2.34.2
rfc3986==2.0.0
rich==15.0.0
rich-argparse==1.8.0
rpds-py==2026.9.1
stestr==4.2.1
stevedore==5.10.0
testscenarios==0.7.0
testtools==2.9.1
tomlkit==0.15.2
typing_extensions==4.16.0
tzdata==2026.6
urllib3==2.8.0
voluptuous==0.16.0
wcwidth==0.9.4
wrapt==2.5.2
"""

# The chosen set: the whole of Tempest's API tests of the five services pocketstack serves.
CHOSEN_REGEX = r"^tempest\.api\.(compute|identity|image|network|object_storage)\."
# Left out of the chosen set: nothing (the run fits the budget whole).
CHOSEN_EXCLUDE: list[str] = []
EXPECTED_FAILURES = HERE / "expected_failures.txt"
SCHEDULER_FILTERS = (
    "AvailabilityZoneFilter",
    "ComputeFilter",
    "ComputeCapabilitiesFilter",
    "ImagePropertiesFilter",
    "ServerGroupAntiAffinityFilter",
    "ServerGroupAffinityFilter",
    "SameHostFilter",
    "DifferentHostFilter",
)

ADMIN = "admin"
DOMAIN = "Default"
# How long Tempest waits for a server, image or port to reach a state: the fake driver acts in
# milliseconds, so a wait this long is a test that will fail, and a shorter one saves the run time.
WAIT = 30
# What the Image API takes as data for ``raw``: 1 MiB of zeros.
IMAGE_DATA = bytes(1024 * 1024)


# ---------------------------------------------------------------------------------------------
# The Tempest virtualenv


def tempest_venv(venv: Path = VENV) -> Path:
    """Tempest's virtualenv, built on first use and whenever the pins change (xdist-safe)."""
    venv.parent.mkdir(parents=True, exist_ok=True)
    wanted = f"{TEMPEST}\n{PINS.strip()}\n"
    stamp = venv / "pocketstack-pins.txt"
    with FileLock(str(venv) + ".lock"):
        tempest = venv / "bin" / "tempest"
        ok = (
            stamp.exists()
            and stamp.read_text() == wanted
            and subprocess.run([str(tempest), "--version"], capture_output=True).returncode == 0
        )
        if not ok:
            env = _venv_env()
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, env=env)
            constraints = venv / "constraints.txt"
            constraints.write_text(PINS.strip() + "\n")
            subprocess.run(
                [str(venv / "bin" / "pip"), "install", "-q", "-c", str(constraints), TEMPEST],
                check=True,
                timeout=1200,
                env=env,
            )
            stamp.write_text(wanted)
    return venv


def _venv_env() -> dict[str, str]:
    """Our environment less what would leak our packages or an OpenStack login into Tempest's."""
    drop = ("OS_", "TEMPEST_", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


# ---------------------------------------------------------------------------------------------
# Reading the cloud


@dataclass(frozen=True)
class Admin:
    username: str = ADMIN
    password: str = ""
    project: str = ADMIN
    domain: str = DOMAIN


class Cloud:
    """A small admin client over httpx: just what discovery and the run's fixtures need."""

    def __init__(self, url: str, admin: Admin) -> None:
        self.url = url.rstrip("/")
        self.admin = admin
        self.http = httpx.Client(timeout=60)
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": admin.username,
                            "domain": {"name": admin.domain},
                            "password": admin.password,
                        }
                    },
                },
                "scope": {"project": {"name": admin.project, "domain": {"name": admin.domain}}},
            }
        }
        resp = self.http.post(f"{self.url}/identity/v3/auth/tokens", json=body)
        resp.raise_for_status()
        self.http.headers["X-Auth-Token"] = resp.headers["X-Subject-Token"]
        token = resp.json()["token"]
        self.region = "RegionOne"
        self.catalog: dict[str, str] = {}
        for service in token.get("catalog", []):
            for endpoint in service["endpoints"]:
                if endpoint["interface"] == "public":
                    self.catalog[service["type"]] = endpoint["url"].rstrip("/")
                    self.region = endpoint.get("region_id") or endpoint.get("region") or self.region

    def get(self, path: str, **kw: object) -> httpx.Response:
        return self.http.get(self._abs(path), **kw)  # type: ignore[arg-type]

    def request(self, method: str, path: str, **kw: object) -> httpx.Response:
        resp = self.http.request(method, self._abs(path), **kw)  # type: ignore[arg-type]
        if resp.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {resp.status_code} {resp.text[:500]}")
        return resp

    def _abs(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.url}{path}"

    def close(self) -> None:
        self.http.close()


@dataclass
class Facts:
    """What the configuration needs from the running cloud."""

    region: str
    services: set[str]
    compute_min: str
    compute_max: str
    compute_hosts: int
    interface_attach: bool
    network_extensions: list[str]
    public_network_id: str
    public_network_name: str
    disk_formats: list[str]
    container_formats: list[str]
    import_methods: list[str]
    http_store: bool
    image_cache: bool
    trusts: bool
    domain_configs: bool
    default_domain_id: str
    # The sections of Object Storage's /info (Swift's discoverable APIs); None: not served.
    swift_info: dict[str, object] | None = None


def discover(cloud: Cloud) -> Facts:
    compute = cloud.catalog["compute"]
    version = cloud.get(compute + "/").json()["version"]
    hosts = cloud.get(compute + "/os-hypervisors").json()["hypervisors"]
    # A route that exists answers "Instance ... could not be found" for an unknown server.
    probe = cloud.get(compute + f"/servers/{uuid.uuid4()}/os-interface")
    network = cloud.catalog["network"]
    extensions = sorted(e["alias"] for e in cloud.get(network + "/v2.0/extensions").json()["extensions"])
    public = [
        n
        for n in cloud.get(network + "/v2.0/networks", params={"router:external": "true"}).json()["networks"]
        if n["name"] == "public"
    ]
    if not public:
        raise RuntimeError("the cloud has no external network named 'public'")
    image = cloud.catalog["image"]
    schema = cloud.get(image + "/v2/schemas/image").json()["properties"]
    imports = cloud.get(image + "/v2/info/import").json()
    stores = cloud.get(image + "/v2/info/stores").json().get("stores", [])
    identity = cloud.url + "/identity/v3"
    domains = cloud.get(identity + "/domains", params={"name": DOMAIN}).json()["domains"]
    object_store = cloud.catalog.get("object-store")
    if not object_store:  # pocketstack always serves it: Tempest would silently skip its tests
        raise RuntimeError(f"the catalog has no object-store endpoint: {sorted(cloud.catalog)}")
    # .../object-store/v1/AUTH_<project>: /info is beside /v1
    swift_info = cloud.get(object_store.split("/v1/", 1)[0] + "/info").json()
    return Facts(
        region=cloud.region,
        services=set(cloud.catalog),
        compute_min=version.get("min_version") or "2.1",
        compute_max=version.get("version") or "2.1",
        compute_hosts=len(hosts),
        interface_attach=probe.status_code == 404
        and "could not be found" in probe.text
        and "Instance" in probe.text,
        network_extensions=extensions,
        public_network_id=public[0]["id"],
        public_network_name=public[0]["name"],
        disk_formats=[f for f in schema["disk_format"]["enum"] if f],
        container_formats=[f for f in schema["container_format"]["enum"] if f],
        import_methods=imports.get("import-methods", {}).get("value", []),
        http_store=any(s.get("id") == "http" for s in stores),
        image_cache=cloud.get(image + "/v2/cache").status_code == 200,
        trusts=cloud.get(identity + "/OS-TRUST/trusts").status_code == 200,
        domain_configs=cloud.get(identity + "/domains/config/default").status_code != 404,
        default_domain_id=domains[0]["id"] if domains else "default",
        swift_info=swift_info,
    )


# ---------------------------------------------------------------------------------------------
# What the tests boot from


@dataclass
class Fixtures:
    images: list[str] = field(default_factory=list)
    flavors: list[str] = field(default_factory=list)


def make_fixtures(cloud: Cloud, tag: str) -> Fixtures:
    made = Fixtures()
    image = cloud.catalog["image"]
    for n in (1, 2):
        body = {
            "name": f"tempest-{tag}-image-{n}",
            "disk_format": "raw",
            "container_format": "bare",
            "visibility": "public",
        }
        image_id = cloud.request("POST", image + "/v2/images", json=body).json()["id"]
        made.images.append(image_id)
        cloud.request(
            "PUT",
            image + f"/v2/images/{image_id}/file",
            content=IMAGE_DATA,
            headers={"Content-Type": "application/octet-stream"},
        )
    compute = cloud.catalog["compute"]
    for n, (ram, disk) in enumerate([(128, 1), (192, 2)], start=1):
        body = {"flavor": {"name": f"tempest-{tag}-flavor-{n}", "ram": ram, "vcpus": 1, "disk": disk}}
        made.flavors.append(cloud.request("POST", compute + "/flavors", json=body).json()["flavor"]["id"])
    return made


def remove_fixtures(cloud: Cloud, made: Fixtures) -> None:
    for image_id in made.images:
        cloud.http.delete(cloud.catalog["image"] + f"/v2/images/{image_id}")
    for flavor_id in made.flavors:
        cloud.http.delete(cloud.catalog["compute"] + f"/flavors/{flavor_id}")


# ---------------------------------------------------------------------------------------------
# What web-download fetches: Tempest's ``[image] http_image`` and ``http_qcow2_image`` default to
# CirrOS downloads on the internet; a run serves small stand-ins from the loopback address.


def qcow2_image(virtual_size: int = 1 << 20) -> bytes:
    """An empty qcow2 (version 2, 64 KiB clusters), as ``qemu-img create -f qcow2 -o
    compat=0.10`` writes it: header, refcount table, refcount block, one-entry L1 table."""
    cluster = 1 << 16
    data = bytearray(3 * cluster + 8)
    header = struct.pack(
        ">4sIQIIQIIQQIIQ",
        b"QFI\xfb",
        2,  # version
        0,  # backing file offset
        0,  # backing file name length
        16,  # cluster bits
        virtual_size,
        0,  # no encryption
        1,  # L1 entries
        3 * cluster,  # L1 table offset
        cluster,  # refcount table offset
        1,  # refcount table clusters
        0,  # snapshots
        0,  # snapshots offset
    )
    data[: len(header)] = header
    data[cluster : cluster + 8] = struct.pack(">Q", 2 * cluster)  # the one refcount block
    data[2 * cluster : 2 * cluster + 8] = struct.pack(">4H", 1, 1, 1, 1)  # each cluster used once
    return bytes(data)


def uec_tarball() -> bytes:
    """A small ``.tar.gz`` in place of CirrOS' UEC bundle (http_image is only ever fetched)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        disk = IMAGE_DATA[:65536]
        info = tarfile.TarInfo("cirros-disk.img")
        info.size = len(disk)
        tar.addfile(info, io.BytesIO(disk))
    return buf.getvalue()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
        pass


class ImageMirror:
    """An HTTP server on a free loopback port serving ``cirros.tar.gz`` (http_image) and
    ``cirros.qcow2`` (http_qcow2_image) while a run lasts. The cloud must let web-download
    fetch from it: start it with ``cloud_settings()`` (Glance's import filter allows ports 80
    and 443 only by default)."""

    HTTP_IMAGE = "cirros.tar.gz"
    HTTP_QCOW2_IMAGE = "cirros.qcow2"

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="tempest-images-")
        root = Path(self._dir.name)
        (root / self.HTTP_IMAGE).write_bytes(uec_tarball())
        (root / self.HTTP_QCOW2_IMAGE).write_bytes(qcow2_image())
        handler = partial(_QuietHandler, directory=str(root))
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="image-mirror", daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def cloud_settings(self) -> dict[str, str]:
        """Settings (``start_server`` keywords) for a test cloud's web-download to reach us."""
        return {"image_import_allowed_hosts": "127.0.0.1", "image_import_allowed_ports": str(self.port)}

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self._dir.cleanup()

    def __enter__(self) -> ImageMirror:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def cloud_settings(mirror: ImageMirror) -> dict[str, str]:
    """``start_server`` keywords of the cloud Tempest runs against.

    Tempest asks for a second snapshot right after the first and expects a 409 while the first
    is saving, as it is for seconds with any real disk; an instant fake snapshot would race
    that request and finish first."""
    return {**mirror.cloud_settings(), "fake_snapshot_delay_ms": "1500"}


# ---------------------------------------------------------------------------------------------
# tempest.conf


def tempest_conf(
    cloud: Cloud,
    facts: Facts,
    made: Fixtures,
    workspace: Path,
    *,
    debug: bool,
    isolated_networks: bool,
    mirror: ImageMirror | None = None,
) -> str:
    def flag(value: bool) -> str:
        return "true" if value else "false"

    conf = configparser.ConfigParser(interpolation=None)
    conf["DEFAULT"] = {
        "log_file": str(workspace / "tempest.log"),
        "debug": flag(debug),
        "use_stderr": "false",
    }
    conf["oslo_concurrency"] = {"lock_path": str(workspace / "locks")}
    conf["auth"] = {
        "use_dynamic_credentials": "true",
        # Each test project gets its own network, subnet and router, as Tempest does on Neutron.
        "create_isolated_networks": flag(isolated_networks),
        "admin_username": cloud.admin.username,
        "admin_password": cloud.admin.password,
        "admin_project_name": cloud.admin.project,
        "admin_domain_name": cloud.admin.domain,
        "default_credentials_domain_name": DOMAIN,
    }
    conf["identity"] = {
        "uri_v3": f"{cloud.url}/identity/v3",
        "auth_version": "v3",
        "region": facts.region,
        "v3_endpoint_type": "public",
        "admin_role": "admin",
        "default_domain_id": facts.default_domain_id,
    }
    conf["identity-feature-enabled"] = {
        "trust": flag(facts.trusts),
        "domain_specific_drivers": flag(facts.domain_configs),
        # Keystone's PCI-DSS options (password expiry, lock-out, history) are not implemented.
        "security_compliance": "false",
    }
    conf["compute"] = {
        "image_ref": made.images[0],
        "image_ref_alt": made.images[1],
        "flavor_ref": made.flavors[0],
        "flavor_ref_alt": made.flavors[1],
        "min_microversion": facts.compute_min,
        "max_microversion": facts.compute_max,
        "min_compute_nodes": str(facts.compute_hosts),
        "build_timeout": str(WAIT),
        "build_interval": "1",
        "endpoint_type": "publicURL",
    }
    # The fake driver carries out every server action the API routes. Off, each for its reason:
    # the metadata service, config drives and personality files need a guest that reads them
    # (the fake driver has none; personality also went from Nova at 2.57); consoles (VNC, SPICE,
    # serial) need a driver with consoles; encrypted volumes need Block Storage; and
    # nova_policy_roles stays Nova's admin/member/reader, as compute's policies have no
    # `manager` rules (Tempest then skips the project-manager live-migration tests).
    conf["compute-feature-enabled"] = {
        "resize": "true",
        "cold_migration": "true",
        "live_migration": "true",
        "pause": "true",
        "suspend": "true",
        "shelve": "true",
        "rescue": "true",
        "snapshot": "true",
        "change_password": "true",
        "console_output": "true",
        "interface_attach": flag(facts.interface_attach),
        "metadata_service": "false",
        "config_drive": "false",
        "personality": "false",
        "vnc_console": "false",
        "spice_console": "false",
        "serial_console": "false",
        "attach_encrypted_volume": "false",
        "block_migration_for_live_migration": "true",
        "enable_instance_password": "true",
        "stable_rescue": "true",
        # The scheduler's filters (core/placement/scheduler.py): zones, resources, image
        # properties, server groups, and the same_host / different_host hints.
        "scheduler_enabled_filters": ",".join(SCHEDULER_FILTERS),
    }
    conf["validation"] = {"run_validation": "false"}
    conf["image"] = {
        "build_timeout": str(WAIT),
        "disk_formats": ",".join(facts.disk_formats),
        "container_formats": ",".join(facts.container_formats),
        "endpoint_type": "publicURL",
        # The cache API (/v2/cache) is served.
        "image_caching_enabled": flag(facts.image_cache),
    }
    if mirror is not None:
        conf["image"]["http_image"] = mirror.url(ImageMirror.HTTP_IMAGE)
        conf["image"]["http_qcow2_image"] = mirror.url(ImageMirror.HTTP_QCOW2_IMAGE)
    # Off: adding locations needs an http store (none is configured: 501), and the image
    # conversion plugin is not served.
    conf["image-feature-enabled"] = {
        "import_image": flag("glance-direct" in facts.import_methods),
        "os_glance_reserved": "true",
        "manage_locations": "false",
        "image_conversion": "false",
        "http_store_enabled": flag(facts.http_store),
    }
    conf["network"] = {
        "public_network_id": facts.public_network_id,
        "floating_network_name": facts.public_network_name,
        "build_timeout": str(WAIT),
        "build_interval": "1",
        "endpoint_type": "publicURL",
    }
    conf["network-feature-enabled"] = {
        "api_extensions": ",".join(facts.network_extensions),
        "ipv6": "true",
        "ipv6_subnet_attributes": "true",
        "port_security": flag("port-security" in facts.network_extensions),
        "floating_ips": flag("router" in facts.network_extensions),
        "port_admin_state_change": "true",
    }
    conf["service_available"] = {
        "nova": flag("compute" in facts.services),
        "glance": flag("image" in facts.services),
        "neutron": flag("network" in facts.services),
        "cinder": "false",
        "swift": flag(facts.swift_info is not None),
        "horizon": "false",
    }
    if facts.swift_info is not None:
        conf["object-storage"] = object_storage_conf(facts)
        conf["object-storage-feature-enabled"] = object_storage_features(facts.swift_info)
    # Compute and Image take only project-scoped tokens with the new default roles.
    conf["enforce_scope"] = {"nova": "true", "glance": "true"}
    lines: list[str] = []
    for section in ["DEFAULT", *conf.sections()]:
        lines.append(f"[{section}]")
        items = conf.defaults() if section == "DEFAULT" else conf._sections[section]  # type: ignore[attr-defined]
        lines += [f"{key} = {value}" for key, value in items.items()]
        lines.append("")
    return "\n".join(lines)


def object_storage_conf(facts: Facts) -> dict[str, str]:
    """Swift's roles are Keystone's here: a project's members own its account (Swift's
    operator roles) and admins are the reseller admins (account quotas)."""
    return {
        "region": facts.region,
        "endpoint_type": "publicURL",
        "operator_role": "member",
        "reseller_admin_role": "admin",
        "build_timeout": str(WAIT),
    }


def object_storage_features(info: dict[str, object]) -> dict[str, str]:
    """What ``/info`` announces is what Tempest may test: each section a discoverable API;
    container sync and versioned writes run only when announced."""
    apis = sorted(name for name in info if name != "swift")
    tempurl = info.get("tempurl")
    methods = tempurl.get("allowed_digests", []) if isinstance(tempurl, dict) else []
    return {
        "discoverable_apis": ",".join(apis),
        "discoverability": "true",
        "container_sync": "true" if "container_sync" in info else "false",
        "object_versioning": "true" if "versioned_writes" in info else "false",
        "tempurl_digest_hashlib": "sha256" if "sha256" in methods or not methods else methods[0],
    }


# ---------------------------------------------------------------------------------------------
# Running and reading the results

PASS, FAIL, SKIP = "pass", "fail", "skip"
_STATUS = {"success": PASS, "xfail": PASS, "skip": SKIP, "fail": FAIL, "uxsuccess": FAIL}
_CLASS_FIXTURE = re.compile(r"^(setUpClass|tearDownClass) \((.+)\)$")


def bare_id(raw_id: str) -> str:
    """A test id without Tempest's ``[id-...,smoke]`` attributes; a class fixture's failure
    (``setUpClass (tempest.api.x.Class)``) becomes ``tempest.api.x.Class.setUpClass``."""
    bare = re.sub(r"\[[^\]]*\]$", "", raw_id.strip())
    m = _CLASS_FIXTURE.match(bare)
    return f"{m.group(2)}.{m.group(1)}" if m else bare


@dataclass
class Outcome:
    status: str
    seconds: float | None
    detail: str


@dataclass
class RunResult:
    results: dict[str, Outcome]
    wall_seconds: float
    returncode: int
    workspace: Path
    output: str = ""

    def ids(self, status: str) -> list[str]:
        return sorted(k for k, v in self.results.items() if v.status == status)

    def counts(self) -> Counter[str]:
        return Counter(v.status for v in self.results.values())

    def summary(self) -> str:
        c = self.counts()
        return (
            f"tempest: {c[PASS]} passed, {c[FAIL]} failed, {c[SKIP]} skipped "
            f"in {self.wall_seconds:.0f} s (workspace {self.workspace})"
        )


def parse_subunit(venv: Path, stream: Path) -> dict[str, Outcome]:
    # A stream cut short (a run killed on time-out) still yields the tests it holds.
    out = subprocess.run(
        [str(venv / "bin" / "python"), str(HERE / "_subunit_to_json.py"), str(stream)],
        capture_output=True,
        text=True,
        env=_venv_env(),
    ).stdout
    results: dict[str, Outcome] = {}
    for line in out.splitlines():
        record = json.loads(line)
        if record["status"] == "exists":  # stestr announces every selected test before the run
            continue
        key = bare_id(record["id"])
        status = _STATUS.get(record["status"], FAIL)  # inprogress / unknown: died mid-test
        # A test id can come twice (a class fixture failing for several tests): keep the worst.
        if key in results and results[key].status == FAIL:
            continue
        results[key] = Outcome(status, record["seconds"], record["detail"])
    return results


def run_tempest(
    url: str,
    admin: Admin,
    *,
    regex: str = CHOSEN_REGEX,
    exclude: Iterable[str] = CHOSEN_EXCLUDE,
    concurrency: int = 2,
    workspace: Path | None = None,
    debug: bool = False,
    timeout: float = 40 * 60,
    venv: Path | None = None,
    isolated_networks: bool = True,
    mirror: ImageMirror | None = None,
) -> RunResult:
    """``mirror``: what web-download fetches from (the cloud allowing it, see ImageMirror);
    without one, the run serves its own, which a cloud with Glance's defaults refuses."""
    venv = venv or tempest_venv()
    own_mirror = mirror is None
    mirror = mirror or ImageMirror()
    workspace = Path(workspace or tempfile.mkdtemp(prefix="tempest-"))
    (workspace / "etc").mkdir(parents=True, exist_ok=True)
    (workspace / "locks").mkdir(exist_ok=True)
    cloud = Cloud(url, admin)
    made = Fixtures()
    try:
        facts = discover(cloud)
        made = make_fixtures(cloud, secrets.token_hex(3))
        config = workspace / "etc" / "tempest.conf"
        config.write_text(
            tempest_conf(
                cloud,
                facts,
                made,
                workspace,
                debug=debug,
                isolated_networks=isolated_networks,
                mirror=mirror,
            )
        )
        config.chmod(0o600)
        for stale in (".stestr", ".stestr.conf"):
            path = workspace / stale
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        cmd = [
            str(venv / "bin" / "tempest"),
            "run",
            "--config-file",
            str(config),
            "--regex",
            regex,
            "--concurrency",
            str(concurrency),
            "--subunit",
        ]
        excluded = [e for e in exclude if e]
        if excluded:
            cmd += ["--exclude-regex", "|".join(f"(?:{e})" for e in excluded)]
        env = _venv_env()
        env["TEMPEST_CONFIG_DIR"] = str(workspace / "etc")
        env["TEMPEST_CONFIG"] = "tempest.conf"
        stream = workspace / "results.subunit"
        started = time.monotonic()
        with stream.open("wb") as sink, (workspace / "tempest-run.log").open("wb") as log:
            # Its own session, so that a run out of time goes down with all of its stestr workers.
            proc = subprocess.Popen(
                cmd, cwd=workspace, env=env, stdout=sink, stderr=log, start_new_session=True
            )
            try:
                returncode = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                returncode = -signal.SIGKILL
            except BaseException:  # interrupted: take Tempest down with us
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                raise
        wall = time.monotonic() - started
        results = parse_subunit(venv, stream)
        output = (workspace / "tempest-run.log").read_text(errors="replace")
        if returncode == -signal.SIGKILL:
            output += f"\n[tempest_runner] killed after {timeout:.0f} s\n"
        return RunResult(results, wall, returncode, workspace, output)
    finally:
        try:
            remove_fixtures(cloud, made)
        finally:
            cloud.close()
            if own_mirror:
                mirror.close()


# ---------------------------------------------------------------------------------------------
# The expected failures


@dataclass(frozen=True)
class Expected:
    reasons: dict[str, str]

    @classmethod
    def load(cls, path: Path = EXPECTED_FAILURES) -> Expected:
        """``TEST_ID  reason`` per line; ``#`` starts a comment; blank lines are ignored."""
        reasons: dict[str, str] = {}
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            test_id, _, reason = line.partition(" ")
            if not reason.strip():
                raise ValueError(f"{path}:{number}: {test_id} has no reason")
            if test_id in reasons:
                raise ValueError(f"{path}:{number}: {test_id} is listed twice")
            reasons[test_id] = reason.strip()
        return cls(reasons)


@dataclass
class Verdict:
    new_failures: list[str]  # failed, not listed
    now_passing: list[str]  # listed, passed: take them off the list
    stale: list[str]  # listed, skipped or not run at all: take them off the list

    @property
    def ok(self) -> bool:
        return not (self.new_failures or self.now_passing or self.stale)


def judge(run: RunResult, expected: Expected) -> Verdict:
    failed = set(run.ids(FAIL))
    passed = set(run.ids(PASS))
    return Verdict(
        new_failures=sorted(failed - set(expected.reasons)),
        now_passing=sorted(passed & set(expected.reasons)),
        stale=sorted(set(expected.reasons) - failed - passed),
    )


def report(run: RunResult, verdict: Verdict | None = None, *, details: bool = True) -> str:
    lines = [run.summary()]
    slow = sorted(((v.seconds or 0.0, k) for k, v in run.results.items() if v.status != SKIP), reverse=True)[
        :10
    ]
    if slow:
        lines.append("slowest: " + ", ".join(f"{k.rsplit('.', 1)[-1]} {s:.0f}s" for s, k in slow))
    if verdict is not None:
        for title, ids in [
            ("failed and not in expected_failures.txt", verdict.new_failures),
            ("in expected_failures.txt but passed now (take them off the list)", verdict.now_passing),
            ("in expected_failures.txt but skipped or not run (take them off the list)", verdict.stale),
        ]:
            if ids:
                lines.append(f"{len(ids)} {title}:")
                lines += [f"  {i}" for i in ids]
    if details:
        shown = verdict.new_failures if verdict is not None else run.ids(FAIL)
        for test_id in shown:
            tail = run.results[test_id].detail.strip().splitlines()[-12:]
            lines.append(f"--- {test_id}")
            lines += [f"    {t}" for t in tail]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# By hand


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--url", help="the cloud's base URL, e.g. http://127.0.0.1:8770")
    parser.add_argument("--start", action="store_true", help="start a throwaway pocketstack instead")
    parser.add_argument("--admin-user", default=ADMIN)
    parser.add_argument("--admin-project", default=ADMIN)
    parser.add_argument("--admin-password", default=os.environ.get("POCKETSTACK_ADMIN_PASSWORD"))
    parser.add_argument("--regex", default=CHOSEN_REGEX, help="tests to run (default: the chosen set)")
    parser.add_argument(
        "--exclude-regex", action="append", help="tests to leave out (default: the chosen exclusions)"
    )
    parser.add_argument("--no-exclude", action="store_true", help="leave nothing out")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--workspace", type=Path, help="keep the config, logs and stream here")
    parser.add_argument("--debug", action="store_true", help="log every request and response body")
    parser.add_argument("--json", type=Path, help="write {test id: outcome} here")
    parser.add_argument("--list", action="store_true", help="only list the tests the regex selects")
    parser.add_argument(
        "--no-isolated-networks",
        action="store_true",
        help="no network per test project: servers boot without naming a network",
    )
    args = parser.parse_args(argv)

    venv = tempest_venv()
    exclude = [] if args.no_exclude else (args.exclude_regex or CHOSEN_EXCLUDE)
    if args.list:
        return list_tests(venv, args.regex, exclude)

    server = None
    mirror = ImageMirror()
    if args.start:
        from tests.clients.harness import ADMIN_PASSWORD, start_server

        server = start_server(Path(tempfile.mkdtemp(prefix="pocketstack-")), **cloud_settings(mirror))
        args.url, args.admin_password = server.url, ADMIN_PASSWORD
    if not args.url or not args.admin_password:
        parser.error("give --url and --admin-password (or --start)")
    try:
        run = run_tempest(
            args.url,
            Admin(args.admin_user, args.admin_password, args.admin_project),
            regex=args.regex,
            exclude=exclude,
            concurrency=args.concurrency,
            workspace=args.workspace,
            debug=args.debug,
            venv=venv,
            isolated_networks=not args.no_isolated_networks,
            mirror=mirror,
        )
    finally:
        mirror.close()
        if server is not None:
            server.stop()
            if args.workspace:
                (args.workspace / "pocketstack.log").write_text(server.text())
            errors = server.server_errors()
            if errors:
                print(f"the server answered 5xx {len(errors)} times:\n" + "".join(errors[:50]))
    if args.json:
        args.json.write_text(
            json.dumps({k: vars(v) for k, v in sorted(run.results.items())}, indent=1) + "\n"
        )
    chosen = args.regex == CHOSEN_REGEX and exclude == CHOSEN_EXCLUDE
    verdict = judge(run, Expected.load()) if chosen else None
    print(report(run, verdict))
    return 0 if (verdict.ok if verdict is not None else not run.ids(FAIL)) else 1


def list_tests(venv: Path, regex: str, exclude: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="tempest-list-") as tmp:
        etc = Path(tmp) / "etc"
        etc.mkdir()
        (etc / "tempest.conf").write_text("[DEFAULT]\n")
        cmd = [str(venv / "bin" / "tempest"), "run", "--config-file", str(etc / "tempest.conf")]
        cmd += ["--list-tests", "--regex", regex]
        if exclude:
            cmd += ["--exclude-regex", "|".join(f"(?:{e})" for e in exclude)]
        # stestr lists only from inside a repository of its own.
        subprocess.run([str(venv / "bin" / "stestr"), "init"], cwd=tmp, capture_output=True, check=True)
        out = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, env=_venv_env()).stdout
    tests = sorted({bare_id(line) for line in out.splitlines() if line.startswith("tempest.")})
    print("\n".join(tests))
    print(f"{len(tests)} tests", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
