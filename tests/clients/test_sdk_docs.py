"""Every Python example in docs/sdk.md runs, as written, against a running pocketstack."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clients.harness import Server

pytestmark = pytest.mark.clients

DOC = Path(__file__).resolve().parents[2] / "docs" / "sdk.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)


def test_the_doc_has_examples() -> None:
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_example_runs(index: int, server: Server) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = str(server.clouds_yaml)
    proc = subprocess.run(
        [sys.executable, "-c", EXAMPLES[index]], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, (
        f"example {index + 1} of docs/sdk.md failed:\n{EXAMPLES[index]}\n{proc.stderr}"
    )
