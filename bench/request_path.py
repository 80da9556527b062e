"""Requests per second of small authenticated reads (flavors, images, networks, keypairs, token
validation) with one connection and with eight, next to a bare Starlette + uvicorn endpoint
answering the same body, measured the same way in the same run.

The load comes from ``wrk`` (Debian package ``wrk``) when it is installed, else from a Python
client (slower than the server: its figures say so). Medians of ``runs`` interleaved runs.

Usage: python bench/request_path.py [seconds-per-run] [runs] [--workers N] [--json FILE]
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from common import baseline, free_port, pocketstack, start, stop  # noqa: E402

PASSWORD = "bench-password"
READS = {
    "flavors": "/compute/v2.1/flavors/detail",
    "images": "/image/v2/images",
    "networks": "/network/v2.0/networks",
    "keypairs": "/compute/v2.1/os-keypairs",
    "token validation": "/identity/v3/auth/tokens",
}

BARE_APP = """
import json
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
BODIES = json.loads({bodies!r})
def answer(body):
    async def endpoint(request):
        return Response(body.encode(), media_type="application/json")
    return endpoint
app = Starlette(routes=[Route(path, answer(body)) for path, body in BODIES.items()])
"""


def token(url: str) -> str:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": "demo", "domain": {"id": "default"}, "password": PASSWORD}},
            },
            "scope": {"project": {"name": "demo", "domain": {"id": "default"}}},
        }
    }
    resp = httpx.post(f"{url}/identity/v3/auth/tokens", json=body, timeout=60)  # a busy machine: argon2
    resp.raise_for_status()
    return resp.headers["X-Subject-Token"]


def _wrk(url: str, headers: dict[str, str], connections: int, seconds: float) -> float:
    cmd = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{max(1, round(seconds))}s"]  # whole seconds only
    for key, value in headers.items():
        cmd += ["-H", f"{key}: {value}"]
    run = subprocess.run([*cmd, url], capture_output=True, text=True)
    if run.returncode:
        raise RuntimeError(f"wrk failed on {url}: {run.stdout}{run.stderr}")
    out = run.stdout
    if re.search(r"Non-2xx or 3xx responses", out):
        raise RuntimeError(f"{url} answered errors under load:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert match, out
    return float(match.group(1))


def _python_load(url: str, headers: dict[str, str], connections: int, seconds: float) -> float:
    target = httpx.URL(url)
    counts = [0] * connections
    deadline = time.perf_counter() + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection(target.host, target.port)
        while time.perf_counter() < deadline:
            conn.request("GET", target.raw_path.decode(), headers=headers)
            resp = conn.getresponse()
            resp.read()
            if resp.status >= 300:
                raise RuntimeError(f"{url} answered {resp.status}")
            counts[i] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / seconds


LOAD = _wrk if shutil.which("wrk") else _python_load


def measure(seconds: float, runs: int, workers: int | None) -> dict[str, dict[str, float]]:
    """{read: {"ours_1", "bare_1", "ours_8", "bare_8"}} in requests per second (medians)."""
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {"POCKETSTACK_DEMO_PASSWORD": PASSWORD, "POCKETSTACK_ADMIN_PASSWORD": PASSWORD}
        cmd = pocketstack(Path(tmp), port) + (["--workers", str(workers)] if workers else [])
        ours, _ = start(cmd, "pocketstack ready on", env=env)
        try:
            tok = token(url)
            headers = {name: {"X-Auth-Token": tok} for name in READS}
            headers["token validation"] = {"X-Auth-Token": tok, "X-Subject-Token": tok}
            bodies = {}
            for name, path in READS.items():
                resp = httpx.get(url + path, headers=headers[name], timeout=60)
                resp.raise_for_status()
                bodies[path] = resp.text
            bare_port = free_port()
            bare, _ = start(
                baseline(bare_port, BARE_APP.format(bodies=json.dumps(bodies))), "Uvicorn running on"
            )
            try:
                samples: dict[str, dict[str, list[float]]] = {name: {} for name in READS}
                for _ in range(runs):
                    for name, path in READS.items():
                        for conns in (1, 8):
                            got = samples[name]
                            got.setdefault(f"ours_{conns}", []).append(
                                LOAD(url + path, headers[name], conns, seconds)
                            )
                            got.setdefault(f"bare_{conns}", []).append(
                                LOAD(f"http://127.0.0.1:{bare_port}{path}", {}, conns, seconds)
                            )
            finally:
                stop(bare)
        finally:
            stop(ours)
    return {name: {k: statistics.median(v) for k, v in got.items()} for name, got in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("seconds", nargs="?", type=float, default=3.0)
    parser.add_argument("runs", nargs="?", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    figures = measure(args.seconds, args.runs, args.workers)
    load = "wrk" if LOAD is _wrk else "a Python client (install wrk for figures of the server)"
    print(f"load from {load}; medians of {args.runs} runs of {args.seconds:g} s")
    print(f"{'read':<18} {'1 conn':>9} {'bare':>8} {'ratio':>6} {'8 conns':>9} {'bare':>8} {'8/1':>5}")
    for name, f in figures.items():
        print(
            f"{name:<18} {f['ours_1']:>9.0f} {f['bare_1']:>8.0f} {f['bare_1'] / f['ours_1']:>5.1f}x"
            f" {f['ours_8']:>9.0f} {f['bare_8']:>8.0f} {f['ours_8'] / f['ours_1']:>4.2f}x"
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
