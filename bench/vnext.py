"""Compute vNext's batch create against Compute v2.1's one-at-a-time create, in the same run of
a started `pocketstack up` (fake driver): N servers (default 1,000) made by one
``POST /compute/vnext/projects/{id}/servers`` (batches of at most 1,000), then N more by N
``POST /compute/v2.1/servers`` from 8 clients (after one server that makes the project's
network); each timed until its request(s) are answered and
until all its servers are ACTIVE (the v2.1 summary list polled with status=ACTIVE).

Usage: python bench/vnext.py [servers]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from common import free_port, pocketstack, start, stop  # noqa: E402
from compute import PASSWORD, post_servers, prepare  # noqa: E402

from pocketstack.core.compute.server_types import type_uuid  # noqa: E402

BATCH = 1000


def active_count(client: httpx.Client, api: str, headers: dict[str, str], limit: int) -> int:
    """How many of the project's servers are ACTIVE, up to ``limit``, page by page (a page holds
    at most 1,000, as Nova's max_limit)."""
    seen, marker = 0, ""
    while seen < limit:
        want = min(limit - seen, 1000)
        url = f"{api}/servers?status=ACTIVE&limit={want}{marker}"
        page = client.get(url, headers=headers).json()["servers"]
        seen += len(page)
        if len(page) < want:
            break
        marker = f"&marker={page[-1]['id']}"
    return seen


def until_active(client: httpx.Client, api: str, headers: dict[str, str], total: int) -> None:
    while active_count(client, api, headers, total) < total:
        time.sleep(0.2)


def run(url: str, count: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """((accepted, all ACTIVE) for the vNext batch, the same for the v2.1 POSTs), in seconds."""
    both = 2 * count
    demo, project, body = prepare(url, both + 1)
    api = f"{url}/compute/v2.1"
    image = body["server"]["imageRef"]

    with httpx.Client(timeout=600) as client:
        # One server first, so neither side pays for making the project's network.
        resp = client.post(f"{api}/servers", json=body, headers=demo)
        assert resp.status_code == 202, resp.text
        until_active(client, api, demo, 1)
        defaults = {"type_id": type_uuid("1"), "template_id": image, "hostname_pattern": "v-%(rand_num)7d"}
        began = time.perf_counter()
        for first in range(0, count, BATCH):
            batch = {"defaults": defaults, "servers": [{}] * min(BATCH, count - first)}
            resp = client.post(f"{url}/compute/vnext/projects/{project}/servers", json=batch, headers=demo)
            assert resp.status_code == 202, resp.text
        vnext_accepted = time.perf_counter() - began
        until_active(client, api, demo, count + 1)
        vnext = (vnext_accepted, time.perf_counter() - began)

    began = time.perf_counter()
    with httpx.Client(timeout=600) as client:
        post_servers(client, api, body, demo, count)
        v21_accepted = time.perf_counter() - began
        until_active(client, api, demo, both + 1)
        v21 = (v21_accepted, time.perf_counter() - began)
    return vnext, v21


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {"POCKETSTACK_DEMO_PASSWORD": PASSWORD, "POCKETSTACK_ADMIN_PASSWORD": PASSWORD}
        # Room for both sides' servers: the default four fake hosts hold about 1,000 m1.tiny.
        env["POCKETSTACK_FAKE_HOSTS"] = str(4 * (1 + 2 * count // 1000))
        proc, _ = start(pocketstack(Path(tmp), port), "pocketstack ready on", env=env)
        try:
            vnext, v21 = run(f"http://127.0.0.1:{port}", count)
        finally:
            stop(proc)
    print(
        f"vNext batch of {count}: accepted in {vnext[0]:.2f} s, all ACTIVE in {vnext[1]:.1f} s "
        f"({count / vnext[1]:.0f} servers/s)"
    )
    print(
        f"v2.1, {count} POSTs from 8 clients: accepted in {v21[0]:.2f} s, all ACTIVE in {v21[1]:.1f} s "
        f"({count / v21[1]:.0f} servers/s); the batch is {v21[1] / vnext[1]:.1f}x as fast to ACTIVE, "
        f"{v21[0] / vnext[0]:.1f}x to accept"
    )


if __name__ == "__main__":
    main()
