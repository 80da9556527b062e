from __future__ import annotations

import subprocess
from pathlib import Path

from pocketstack.cli.up import clouds_yaml, openrc
from pocketstack.config import Settings

PASSWORD = 'it\'s a $HOME "pass" `word`\\'


def sourced(path: Path, names: list[str]) -> list[str]:
    script = f'source {path}; for n in {" ".join(names)}; do printf "%s\\0" "${{!n-UNSET}}"; done'
    out = subprocess.run(
        ["bash", "-c", script, "bash"], capture_output=True, text=True, check=True, env={}
    ).stdout
    return out.split("\0")[:-1]


def test_openrc_round_trips_through_bash(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, host="127.0.0.1", port=8123, region="Elsewhere")
    rc = tmp_path / "openrc-demo"
    rc.write_text(openrc(settings, "demo", PASSWORD))
    expected = {
        "OS_AUTH_URL": "http://127.0.0.1:8123/identity",
        "OS_USERNAME": "demo",
        "OS_PASSWORD": PASSWORD,
        "OS_PROJECT_NAME": "demo",
        "OS_USER_DOMAIN_NAME": "Default",
        "OS_PROJECT_DOMAIN_NAME": "Default",
        "OS_IDENTITY_API_VERSION": "3",
        "OS_REGION_NAME": "Elsewhere",
        "OS_INTERFACE": "public",
    }
    assert sourced(rc, list(expected)) == list(expected.values())
    password = subprocess.run(
        ["bash", "-c", f'source {rc}; printf %s "$OS_PASSWORD"'], capture_output=True, text=True, check=True
    ).stdout
    assert password == PASSWORD
    assert f"auth_url: {expected['OS_AUTH_URL']}\n" in clouds_yaml(settings, {"demo": "x", "admin": "y"})
