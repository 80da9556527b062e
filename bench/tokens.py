"""Tokens issued per second (password method) and validations per second, against a running
`pocketstack up`, next to a bare Starlette endpoint measured the same way in the same run.

Usage: python bench/tokens.py [seconds-per-measure]
"""

from __future__ import annotations

import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from common import baseline, free_port, pocketstack, start, stop  # noqa: E402

PASSWORD = "bench-password"
OPENSTACK_S_PER_TOKEN = 0.4


def rate(call, seconds: float, workers: int) -> float:  # noqa: ANN001
    """Calls per second of ``call(client)`` over ``seconds`` with ``workers`` clients."""
    deadline = time.perf_counter() + seconds

    def loop() -> int:
        done = 0
        with httpx.Client(timeout=30) as client:
            while time.perf_counter() < deadline:
                call(client)
                done += 1
        return done

    began = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        total = sum(pool.map(lambda _: loop(), range(workers)))
    return total / (time.perf_counter() - began)


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc, _ = start(
            pocketstack(Path(tmp), port), "pocketstack ready on", env={"POCKETSTACK_DEMO_PASSWORD": PASSWORD}
        )
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {"user": {"name": "demo", "domain": {"id": "default"}, "password": PASSWORD}},
                },
                "scope": {"project": {"name": "demo", "domain": {"id": "default"}}},
            }
        }

        def issue(client: httpx.Client) -> None:
            assert client.post(f"{url}/identity/v3/auth/tokens", json=body).status_code == 201

        token = httpx.post(f"{url}/identity/v3/auth/tokens", json=body).headers["X-Subject-Token"]
        headers = {"X-Auth-Token": token, "X-Subject-Token": token}

        def validate(client: httpx.Client) -> None:
            assert client.get(f"{url}/identity/v3/auth/tokens?nocatalog", headers=headers).status_code == 200

        results = {}
        for workers in (1, 4):
            results[f"issue x{workers}"] = rate(issue, seconds, workers)
            results[f"validate x{workers}"] = rate(validate, seconds, workers)
        stop(proc)

        bport = free_port()
        bproc, _ = start(baseline(bport), "Uvicorn running on")
        burl = f"http://127.0.0.1:{bport}/"
        base = {w: rate(lambda c: c.get(burl), seconds, w) for w in (1, 4)}
        stop(bproc)

    for name, value in results.items():
        workers = int(name.split("x")[1])
        print(
            f"{name:12s} {value:8.0f}/s   {1000 / value:6.2f} ms each   "
            f"bare Starlette {base[workers]:6.0f}/s (ratio {base[workers] / value:.2f}x slower)"
        )
    best_issue = max(v for k, v in results.items() if k.startswith("issue"))
    print(
        f"against real OpenStack ({OPENSTACK_S_PER_TOKEN} s per token): "
        f"{OPENSTACK_S_PER_TOKEN * best_issue:.0f}x faster token issue"
    )


if __name__ == "__main__":
    main()
