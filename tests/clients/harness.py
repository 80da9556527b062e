"""Run pocketstack as a user would, and drive it with the real OpenStack clients.

The clients live in a virtualenv of their own (``.cache/clients-venv``), run as subprocesses, so
their dependency pins never touch ours.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".cache" / "clients-venv"
CLIENTS = [
    "python-openstackclient",
    "openstacksdk",
    "python-novaclient",
    "python-glanceclient",
    "python-swiftclient",
    "boto3",
]
# What each client installs, checked before the venv is taken as complete (a venv made before a
# client joined the list gets it added).
_CLIENT_PROGRAMS = ["openstack", "swift"]
ADMIN_PASSWORD = "admin-client-pw"
DEMO_PASSWORD = "demo-client-pw"


def clients_venv() -> Path:
    """The clients' virtualenv, created on first use (xdist-safe)."""
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(VENV) + ".lock"):
        python = VENV / "bin" / "python"
        works = python.exists() and subprocess.run([str(python), "-c", "pass"]).returncode == 0
        if not works:
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
        programs = all((VENV / "bin" / p).exists() for p in _CLIENT_PROGRAMS)
        if not (works and programs and _imports(python, "boto3")):
            subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", *CLIENTS], check=True, timeout=1200)
    return VENV


def _imports(python: Path, module: str) -> bool:
    return subprocess.run([str(python), "-c", f"import {module}"], capture_output=True).returncode == 0


# Ansible in the clients' venv: ansible-core 2.19 is the newest that runs on its Python 3.11, and
# openstack.cloud 2.6.0 is the first release that works with the venv's openstacksdk 4.x (2.5.0
# reads ``openstack.version``, which openstacksdk no longer provides). Galaxy is not reachable
# here, so the collection is taken from PyPI's ``ansible`` 13.8.0 wheel, which carries it (that
# wheel wants Python 3.12, so only the collection is unpacked, laid out as ``ansible-galaxy
# collection install`` would lay it).
ANSIBLE_CORE = "ansible-core==2.19.14"
ANSIBLE_BUNDLE = "ansible==13.8.0"
OPENSTACK_COLLECTION = "2.6.0"


def ansible_collections_dir(venv: Path) -> Path:
    """Where the clients' venv keeps Ansible collections (its site-packages)."""
    return next((venv / "lib").glob("python3*/site-packages")) / "ansible_collections"


def ansible_venv() -> Path:
    """The clients' virtualenv with ansible-core and the openstack.cloud collection added."""
    venv = clients_venv()
    with FileLock(str(VENV) + ".lock"):
        if not (venv / "bin" / "ansible-playbook").exists():
            pip = [str(venv / "bin" / "pip"), "install", "-q", ANSIBLE_CORE]
            subprocess.run(pip, check=True, timeout=1200)
        collections = ansible_collections_dir(venv)
        manifest = collections / "openstack" / "cloud" / "MANIFEST.json"
        installed = json.loads(manifest.read_text())["collection_info"] if manifest.exists() else {}
        if installed.get("version") != OPENSTACK_COLLECTION:
            _unpack_openstack_collection(venv, collections)
    return venv


def _unpack_openstack_collection(venv: Path, collections: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        download = [str(venv / "bin" / "pip"), "download", "-q", "--no-deps", "--only-binary=:all:"]
        download += ["--python-version", "3.12", "-d", tmp, ANSIBLE_BUNDLE]
        subprocess.run(download, check=True, timeout=1200)
        (wheel,) = Path(tmp).glob("ansible-*.whl")
        prefix = "ansible_collections/openstack/cloud/"
        shutil.rmtree(collections / "openstack" / "cloud", ignore_errors=True)
        with zipfile.ZipFile(wheel) as bundle:
            for name in bundle.namelist():
                if name.startswith(prefix):
                    bundle.extract(name, collections.parent)


@dataclass
class Server:
    """A running ``pocketstack up`` subprocess and what a user would read off it."""

    data_dir: Path
    port: int
    proc: subprocess.Popen[str]
    env: dict[str, str]
    output: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def clouds_yaml(self) -> Path:
        return self.data_dir / "clouds.yaml"

    def auth_args(self, user: str = "admin", password: str = ADMIN_PASSWORD) -> list[str]:
        """A user's credentials (on the project of the same name) as the legacy clients
        (glance, nova) take them on the command line."""
        return [
            "--os-auth-url",
            f"{self.url}/identity",
            "--os-username",
            user,
            "--os-password",
            password,
            "--os-project-name",
            user,
            "--os-user-domain-name",
            "Default",
            "--os-project-domain-name",
            "Default",
        ]

    def text(self) -> str:
        return "".join(self.output)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=15)
        self._reader.join(timeout=5)
        return code

    def server_errors(self) -> list[str]:
        """Access-log lines with a 5xx status, and tracebacks: none may ever appear."""
        bad = [line for line in self.output if re.search(r"\bstatus=5\d\d\b", line)]
        for i, line in enumerate(self.output):
            if line.startswith("Traceback"):
                # The whole traceback: its indented frames, then the exception's own line.
                end = next(
                    (j for j in range(i + 1, len(self.output)) if not self.output[j].startswith(" ")), i
                )
                bad.append("".join(self.output[i : end + 1]))
        return bad


# A throwaway cloud hashes passwords cheaply (Tempest alone makes hundreds of users); the
# default cost is covered by tests/unit/test_passwords.py.
TEST_HASH_COST = {"POCKETSTACK_PASSWORD_HASH_TIME_COST": "1", "POCKETSTACK_PASSWORD_HASH_MEMORY_KIB": "1024"}


def start_server(data_dir: Path, port: int | None = None, **env_settings: str) -> Server:
    env = {
        **os.environ,
        "POCKETSTACK_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "POCKETSTACK_DEMO_PASSWORD": DEMO_PASSWORD,
        **TEST_HASH_COST,
        **{f"POCKETSTACK_{k.upper()}": v for k, v in env_settings.items()},
    }
    port = port or free_port()
    cmd = [
        sys.executable,
        "-m",
        "pocketstack.cli.main",
        "up",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    server = Server(data_dir, port, proc, env)
    ready = threading.Event()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            server.output.append(line)
            if line.startswith("pocketstack ready on "):
                ready.set()

    server._reader = threading.Thread(target=pump, daemon=True)  # type: ignore[attr-defined]
    server._reader.start()  # type: ignore[attr-defined]
    deadline = time.monotonic() + 60
    while not ready.wait(0.1):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"pocketstack did not start:\n{server.text()}")
    return server


class ClientRunner:
    """Runs the real ``openstack`` CLI (and other client programs) against one server."""

    def __init__(self, venv: Path, server: Server, clouds_yaml: Path | None = None) -> None:
        self.venv = venv
        self.server = server
        self.clouds_yaml = clouds_yaml or server.clouds_yaml

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env["OS_CLIENT_CONFIG_FILE"] = str(self.clouds_yaml)
        return env

    def run(
        self, program: str, *args: str, check: bool = True, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str(self.venv / "bin" / program), *args],
            env=self._env(),
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"{program} {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}\n{proc.stdout}"
            )
        return proc

    def openstack(self, *args: str, cloud: str = "pocketstack", fmt: bool = True) -> object:
        """Run ``openstack --os-cloud CLOUD ARGS -f json`` and return the parsed output."""
        extra = ["-f", "json"] if fmt else []
        out = self.run("openstack", "--os-cloud", cloud, *args, *extra).stdout
        return json.loads(out) if fmt and out.strip() else out

    def openstack_fails(self, *args: str, cloud: str = "pocketstack") -> subprocess.CompletedProcess[str]:
        proc = self.run("openstack", "--os-cloud", cloud, *args, check=False)
        assert proc.returncode != 0, proc.stdout
        return proc

    def python(self, code: str) -> str:
        """Run a snippet with the clients' python (for openstacksdk); returns its stdout."""
        return self.run("python", "-c", code).stdout


SRC = Path(__file__).resolve().parents[2] / "src"


def run_pocketstack(
    *args: str, env: dict[str, str], ok: bool = True, stdin: str | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """The ``pocketstack`` command of this checkout as a user runs it, with no ``OS_*`` variable
    of ours leaking in (``env`` adds the test's); asserts success unless ``ok`` is False."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    full.update(PYTHONPATH=str(SRC), **env)
    cmd = [sys.executable, "-m", "pocketstack.cli.main", *args]
    proc = subprocess.run(cmd, env=full, capture_output=True, text=True, timeout=timeout, input=stdin)
    if ok:
        assert proc.returncode == 0, f"{args} failed ({proc.returncode}):\n{proc.stderr}\n{proc.stdout}"
    return proc
