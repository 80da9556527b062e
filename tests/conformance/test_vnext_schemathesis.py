"""schemathesis (a property-based API tester) against Compute vNext's own OpenAPI document: the
requests it generates from /compute/vnext/openapi.json, valid and invalid, never get a 5xx, and
every answer fits the schema the document gives for it. It runs from a virtualenv of its own,
as the other clients do, so its pins never decide ours."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from filelock import FileLock

from tests.clients.conftest import stop_cleanly
from tests.clients.harness import DEMO_PASSWORD, start_server

pytestmark = pytest.mark.clients

SCHEMATHESIS = "schemathesis==4.32.5"
VENV = Path(__file__).resolve().parents[2] / ".cache" / "schemathesis-venv"


def schemathesis_venv() -> Path:
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(VENV) + ".lock"):
        tool = VENV / "bin" / "schemathesis"
        if not (
            tool.exists() and subprocess.run([str(tool), "--version"], capture_output=True).returncode == 0
        ):
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
            subprocess.run(
                [str(VENV / "bin" / "pip"), "install", "-q", SCHEMATHESIS], check=True, timeout=1200
            )
    return VENV


def test_generated_requests_get_no_5xx_and_answers_fit_the_schema(tmp_path: Path) -> None:
    venv = schemathesis_venv()
    server = start_server(tmp_path / "data")
    try:
        auth = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {"name": "demo", "domain": {"id": "default"}, "password": DEMO_PASSWORD}
                    },
                },
                "scope": {"project": {"name": "demo", "domain": {"id": "default"}}},
            }
        }
        token = httpx.post(f"{server.url}/identity/v3/auth/tokens", json=auth).headers["X-Subject-Token"]
        base = f"{server.url}/compute/vnext"
        run = subprocess.run(
            [
                str(venv / "bin" / "schemathesis"),
                "run",
                f"{base}/openapi.json",
                "--url",
                base,
                "-H",
                f"X-Auth-Token: {token}",
                "--checks",
                "not_a_server_error,response_schema_conformance,content_type_conformance",
                "--max-examples",
                "25",
                "--seed",
                "1",
                "--workers",
                "2",
                "--generation-database",
                "none",
                "--output-sanitize",
                "true",
            ],
            capture_output=True,
            text=True,
            timeout=900,
            cwd=tmp_path,
        )
        assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
        counts = re.search(r"(\d+) generated, (\d+) passed", run.stdout)
        assert counts and int(counts[1]) > 100 and counts[1] == counts[2], run.stdout[-3000:]
        assert server.server_errors() == []
    finally:
        stop_cleanly(server)
