"""Shared bits of the benchmarks: start a server process, wait for its ready line, read RSS."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start(
    cmd: list[str], ready: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], float]:
    """Launch ``cmd`` and wait for a line containing ``ready``; returns (process, seconds)."""
    began = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {})}
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if ready in line:
            elapsed = time.perf_counter() - began
            # Keep reading, or the server blocks once its log fills the pipe.
            threading.Thread(target=proc.stdout.read, daemon=True).start()
            return proc, elapsed
    raise RuntimeError(f"{cmd} ended before it was ready")


def pocketstack(data_dir: Path, port: int) -> list[str]:
    return [sys.executable, "-m", "pocketstack", "up", "--port", str(port), "--data-dir", str(data_dir)]


BASELINE_APP = """
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
async def hello(request):
    return JSONResponse({"hello": "world"})
app = Starlette(routes=[Route("/", hello), Route("/", hello, methods=["POST"])])
"""


def baseline(port: int, app: str = BASELINE_APP) -> list[str]:
    """A bare Starlette endpoint under uvicorn: the floor we compare with. ``app`` is the
    source of another Starlette ``app`` to serve instead (e.g. one answering a bigger body)."""
    code = app + f"\nimport uvicorn\nuvicorn.run(app, host='127.0.0.1', port={port}, log_level='info')\n"
    return [sys.executable, "-c", code]


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
