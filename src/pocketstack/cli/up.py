"""``pocketstack up``: the whole cloud on one port, served by one process or by ``--workers``.

The bulk of a start is importing the cloud's code; on a fresh data directory, hashing the
bootstrap passwords is most of the rest. So the hashes start first, in threads (argon2 lets go
of the GIL), and the imports follow while they run.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pocketstack.api.common.logs import configure as configure_logs
from pocketstack.api.common.metrics import use_multiprocess_dir
from pocketstack.config import Settings
from pocketstack.core.identity.bootstrap_accounts import Account, HashesAhead
from pocketstack.core.identity.passwords import PasswordVerifier

if TYPE_CHECKING:
    from pocketstack.cloud import Cloud


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def bootstrap_passwords(settings: Settings) -> tuple[dict[str, str], set[str]]:
    """The admin and demo passwords: given by option or environment, else kept from the first
    start in DIR/passwords.json (mode 0600), else new random ones. Also says which differ from
    what was kept (those the bootstrap must check against the database)."""
    path = settings.data_dir / "passwords.json"
    kept = json.loads(path.read_text()) if path.exists() else {}
    passwords = {
        "admin": settings.admin_password or kept.get("admin") or secrets.token_urlsafe(18),
        "demo": settings.demo_password or kept.get("demo") or secrets.token_urlsafe(18),
    }
    if passwords != kept:
        _write_private(path, json.dumps(passwords, indent=2) + "\n")
    return passwords, {user for user, pw in passwords.items() if kept.get(user) != pw}


def auth_url(settings: Settings) -> str:
    return f"{settings.base_url}/identity"


def clouds_yaml(settings: Settings, passwords: dict[str, str]) -> str:
    def cloud(user: str, project: str) -> dict:
        return {
            "auth": {
                "auth_url": auth_url(settings),
                "username": user,
                "password": passwords[user],
                "project_name": project,
                "user_domain_name": "Default",
                "project_domain_name": "Default",
            },
            "region_name": settings.region,
            "interface": "public",
            "identity_api_version": 3,
        }

    system = cloud("admin", "admin")
    for key in ("project_name", "project_domain_name"):
        del system["auth"][key]
    system["auth"]["system_scope"] = "all"  # how openstacksdk and keystoneauth spell a system scope
    doc = {
        "clouds": {
            "pocketstack": cloud("demo", "demo"),
            "pocketstack-admin": cloud("admin", "admin"),
            "pocketstack-system": system,
        }
    }
    text = _plain_yaml(doc)
    if text is None:
        import yaml

        text = yaml.safe_dump(doc, sort_keys=False)
    return text


def openrc(settings: Settings, user: str, password: str) -> str:
    """``export`` lines for the clients that read only ``OS_*`` variables (novaclient,
    glanceclient): the same cloud as clouds.yaml gives, for ``user`` on its own project."""
    variables = {
        "OS_AUTH_URL": auth_url(settings),
        "OS_USERNAME": user,
        "OS_PASSWORD": password,
        "OS_PROJECT_NAME": user,
        "OS_USER_DOMAIN_NAME": "Default",
        "OS_PROJECT_DOMAIN_NAME": "Default",
        "OS_IDENTITY_API_VERSION": "3",
        "OS_REGION_NAME": settings.region,
        "OS_INTERFACE": "public",
    }
    return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in variables.items())


# A string that YAML reads back as that string when written bare: no character YAML gives a
# meaning, and a letter that no number, date, boolean or null of YAML 1.1 contains.
_BARE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./:-]*(?<!:)")
_LETTER = re.compile(r"[g-suvwyG-SUVWY]")
_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _plain_yaml(doc: dict[str, Any], indent: str = "") -> str | None:
    """``doc`` as ``yaml.safe_dump(doc, sort_keys=False)`` writes it, when all its strings are
    bare ones (as generated passwords and URLs are); None otherwise. Saves a start PyYAML's
    import."""
    lines = []
    for key, value in doc.items():
        if isinstance(value, dict):
            inner = _plain_yaml(value, indent + "  ")
            if inner is None or not _bare(key):
                return None
            lines.append(f"{indent}{key}:\n{inner}")
        elif isinstance(value, int) and not isinstance(value, bool) or _bare(value):
            if not _bare(key):
                return None
            lines.append(f"{indent}{key}: {value}\n")
        else:
            return None
    return "".join(lines)


def _bare(value: object) -> bool:
    return (
        isinstance(value, str)
        and _BARE.fullmatch(value) is not None
        and _LETTER.search(value) is not None
        and value.lower() not in _WORDS
    )


def run(settings: Settings) -> None:
    configure_logs(settings.log_level)
    workers = settings.worker_count
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    use_multiprocess_dir(settings.data_dir / "metrics")  # before the workers fork, and any import of it
    passwords, changed = bootstrap_passwords(settings)
    accounts = [
        Account("admin", "admin", "admin", passwords["admin"], "admin" in changed),
        Account("demo", "demo", "member", passwords["demo"], "demo" in changed),
    ]
    verifier = PasswordVerifier(
        time_cost=settings.password_hash_time_cost, memory_kib=settings.password_hash_memory_kib
    )
    ahead = HashesAhead(verifier, accounts)
    try:
        cloud = _prepare(settings, verifier, accounts, ahead)
    finally:
        ahead.close()
    clouds = settings.data_dir / "clouds.yaml"
    _write_private(clouds, clouds_yaml(settings, passwords))
    for user in ("demo", "admin"):
        _write_private(settings.data_dir / f"openrc-{user}", openrc(settings, user, passwords[user]))
    print(
        f"pocketstack: data in {settings.data_dir}\n"
        f"  export OS_CLIENT_CONFIG_FILE={clouds}\n"
        f"  openstack --os-cloud pocketstack token issue        # as demo (member of demo)\n"
        f"  openstack --os-cloud pocketstack-admin project list # as admin",
        flush=True,
    )
    ready_line = f"pocketstack ready on {settings.base_url}"
    if workers > 1:
        _run_workers(cloud, workers, ready_line)
    else:
        from pocketstack.cli.serve import quiet_signals, serve

        quiet_signals()
        serve(cloud, None, lambda: print(ready_line, flush=True))
        cloud.close()
    print("pocketstack stopped", flush=True)


def _prepare(
    settings: Settings, verifier: PasswordVerifier, accounts: list[Account], ahead: HashesAhead
) -> Cloud:
    """The database migrated, bootstrapped and seeded. Every import of the start is made here,
    while the hashes run, the API's too (the workers fork with it)."""
    from pocketstack.cli import serve  # noqa: F401
    from pocketstack.cloud import build_cloud
    from pocketstack.core.identity.bootstrap import bootstrap
    from pocketstack.core.image.seed import seed_first_image
    from pocketstack.core.network.seed import seed_public_network

    cloud = build_cloud(settings, verifier=verifier)
    bootstrap(cloud.db, cloud.verifier, accounts, settings.base_url, settings.region, ahead)
    seed_first_image(cloud.db, lambda: cloud.image_data)  # first start only: one public image to boot
    seed_public_network(cloud.db, settings.public_network_cidr, settings.public_network_pool)  # ditto
    return cloud


def _run_workers(cloud: Cloud, count: int, ready_line: str) -> None:
    """Hand the prepared database to ``count`` forked API processes (see cli/workers.py)."""
    from pocketstack.cli.serve import quiet_signals, serve
    from pocketstack.cli.workers import Supervisor, bind
    from pocketstack.cloud import build_cloud

    settings = cloud.settings
    cloud.close()  # no thread may run while the workers fork
    cloud.db.engine.dispose()
    try:
        held = bind(settings.host, settings.port)
    except OSError as exc:
        where = f"{settings.host}:{settings.port}"
        raise SystemExit(f"pocketstack: cannot listen on {where}: {exc.strerror}") from None

    def serve_worker(sock: socket.socket, ready: Callable[[], None]) -> None:
        worker_cloud = build_cloud(settings, primary=False)
        quiet_signals()
        try:
            serve(worker_cloud, [sock], ready)
        finally:
            worker_cloud.close()

    supervisor = Supervisor(held, count, serve_worker)
    supervisor.start()
    print(f"{ready_line} ({count} workers)", flush=True)
    status = supervisor.run()
    held.close()
    if status:
        raise SystemExit(status)
