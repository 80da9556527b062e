"""``pocketstack up``: the whole cloud in one process on one port."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
from pathlib import Path

import uvicorn
import yaml

from pocketstack.api.app import build_app
from pocketstack.api.common.logs import configure as configure_logs
from pocketstack.cloud import build_cloud
from pocketstack.config import Settings
from pocketstack.core.identity.bootstrap import Account, bootstrap
from pocketstack.core.image.seed import seed_first_image
from pocketstack.core.network.seed import seed_public_network


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


def clouds_yaml(settings: Settings, passwords: dict[str, str]) -> str:
    def cloud(user: str, project: str) -> dict:
        return {
            "auth": {
                "auth_url": f"{settings.base_url}/identity",
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

    doc = {
        "clouds": {
            "pocketstack": cloud("demo", "demo"),
            "pocketstack-admin": cloud("admin", "admin"),
        }
    }
    return yaml.safe_dump(doc, sort_keys=False)


class _Server(uvicorn.Server):
    """Prints the ready line only once the socket really listens."""

    ready_line = ""

    async def startup(self, sockets=None) -> None:  # noqa: ANN001 - uvicorn's signature
        await super().startup(sockets=sockets)
        if self.started:
            print(self.ready_line, flush=True)


def run(settings: Settings) -> None:
    configure_logs(settings.log_level)
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    passwords, changed = bootstrap_passwords(settings)
    cloud = build_cloud(settings)
    accounts = [
        Account("admin", "admin", "admin", passwords["admin"], "admin" in changed),
        Account("demo", "demo", "member", passwords["demo"], "demo" in changed),
    ]
    bootstrap(cloud.db, cloud.verifier, accounts, settings.base_url, settings.region)
    seed_first_image(cloud.db, cloud.image_data)  # first start only: one public image to boot
    seed_public_network(cloud.db, settings.public_network_cidr, settings.public_network_pool)  # ditto
    clouds = settings.data_dir / "clouds.yaml"
    _write_private(clouds, clouds_yaml(settings, passwords))
    print(
        f"pocketstack: data in {settings.data_dir}\n"
        f"  export OS_CLIENT_CONFIG_FILE={clouds}\n"
        f"  openstack --os-cloud pocketstack token issue        # as demo (member of demo)\n"
        f"  openstack --os-cloud pocketstack-admin project list # as admin",
        flush=True,
    )
    config = uvicorn.Config(
        build_app(cloud),
        host=settings.host,
        port=settings.port,
        access_log=False,
        log_level="warning",
        lifespan="off",
    )
    server = _Server(config)
    server.ready_line = f"pocketstack ready on {settings.base_url}"
    # uvicorn stops gracefully on SIGINT/SIGTERM, then re-raises the signal to the handler that
    # was installed before it; a quiet one lets a clean stop end with status 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    asyncio.run(server.serve())
    print("pocketstack stopped", flush=True)
