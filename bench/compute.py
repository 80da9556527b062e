"""Compute figures against a running `pocketstack up` (fake driver): time to boot 1,000 servers
to ACTIVE (8 clients POSTing /servers with networks "auto", then the summary list polled with
status=ACTIVE until all are), and requests per second of GET /servers/detail?limit=100 with
1,000 servers, next to a bare Starlette endpoint measured the same way in the same run (for
the boot: the same number of POSTs, 8 at once). bench/compute_scale.py measures the lists at
10,000 and 100,000 servers.

Usage: python bench/compute.py [servers] [seconds-per-measure]
"""

from __future__ import annotations

import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from common import baseline, free_port, pocketstack, start, stop  # noqa: E402
from tokens import rate  # noqa: E402

PASSWORD = "bench-password"
OPENSTACK_S_PER_DETAIL_100 = 0.8
V = {"OpenStack-API-Version": "compute 2.79"}


def login(url: str, user: str) -> dict[str, str]:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": user, "domain": {"id": "default"}, "password": PASSWORD}},
            },
            "scope": {"project": {"name": user, "domain": {"id": "default"}}},
        }
    }
    resp = httpx.post(f"{url}/identity/v3/auth/tokens", json=body, timeout=60)
    return {
        **V,
        "X-Auth-Token": resp.headers["X-Subject-Token"],
        "_project": resp.json()["token"]["project"]["id"],
    }


def prepare(url: str, servers: int) -> tuple[dict[str, str], str, dict[str, Any]]:
    """The demo user's headers and project, with room for ``servers`` servers and their ports,
    and a v2.1 create body."""
    demo, admin = login(url, "demo"), login(url, "admin")
    project = demo.pop("_project")
    admin.pop("_project")
    api = f"{url}/compute/v2.1"
    limits = {"instances": servers, "cores": servers, "ram": servers * 512}
    httpx.put(
        f"{api}/os-quota-sets/{project}", json={"quota_set": limits}, headers=admin, timeout=60
    ).raise_for_status()
    ports = {"quota": {"port": servers + 10}}  # Neutron's default of 500 ports is too few
    httpx.put(
        f"{url}/network/v2.0/quotas/{project}", json=ports, headers=admin, timeout=60
    ).raise_for_status()
    image = next(
        i["id"] for i in httpx.get(f"{url}/image/v2/images", headers=demo, timeout=60).json()["images"]
    )
    body = {"server": {"name": "b", "imageRef": image, "flavorRef": "1", "networks": "auto"}}
    return demo, project, body


def post_servers(
    client: httpx.Client, api: str, body: dict[str, Any], demo: dict[str, str], count: int
) -> None:
    """``count`` v2.1 creates from 8 clients at once, every one accepted."""
    with ThreadPoolExecutor(8) as pool:
        codes = list(
            pool.map(
                lambda _: client.post(f"{api}/servers", json=body, headers=demo).status_code, range(count)
            )
        )
    assert codes == [202] * count, sorted(set(codes))


def boot_all(url: str, count: int, room: int = 0) -> tuple[float, float, dict[str, str], dict[str, Any]]:
    """Boot ``count`` servers as demo (quotas raised for ``room`` more): (seconds until all
    accepted, until all ACTIVE, demo's headers, the create body)."""
    demo, _, body = prepare(url, count + room)
    api = f"{url}/compute/v2.1"
    began = time.perf_counter()
    with httpx.Client(timeout=60) as client:
        post_servers(client, api, body, demo, count)
        accepted = time.perf_counter() - began
        while True:
            active = client.get(f"{api}/servers?status=ACTIVE&limit={count}", headers=demo).json()
            if len(active["servers"]) >= count:
                break
            time.sleep(0.2)
        booted = time.perf_counter() - began
        shown = client.get(f"{api}/servers/detail?limit=1", headers=demo).json()["servers"][0]
        assert shown["status"] == "ACTIVE" and shown["addresses"], shown
    return accepted, booted, demo, body


def boot(url: str, count: int, seconds: float) -> tuple[float, float, dict[int, float], dict[str, Any]]:
    """(seconds until all accepted, until all ACTIVE, detail requests/s by clients, the body)."""
    accepted, booted, demo, body = boot_all(url, count)
    api = f"{url}/compute/v2.1"

    def detail(client: httpx.Client) -> None:
        assert client.get(f"{api}/servers/detail?limit=100", headers=demo).status_code == 200

    return accepted, booted, {w: rate(detail, seconds, w) for w in (1, 4)}, body


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {"POCKETSTACK_DEMO_PASSWORD": PASSWORD, "POCKETSTACK_ADMIN_PASSWORD": PASSWORD}
        proc, _ = start(pocketstack(Path(tmp), port), "pocketstack ready on", env=env)
        try:
            accepted, booted, detail_rates, body = boot(f"http://127.0.0.1:{port}", count, seconds)
        finally:
            stop(proc)

        bport = free_port()
        bproc, _ = start(baseline(bport), "Uvicorn running on")
        try:
            burl = f"http://127.0.0.1:{bport}/"
            base = {w: rate(lambda c: c.get(burl), seconds, w) for w in (1, 4)}
            began = time.perf_counter()
            with httpx.Client(timeout=60) as client, ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda _: client.post(burl, json=body).status_code, range(count)))
            base_posts = time.perf_counter() - began
        finally:
            stop(bproc)

    print(
        f"boot {count} servers: accepted in {accepted:.1f} s, all ACTIVE in {booted:.1f} s "
        f"({count / booted:.0f} servers/s; the same {count} POSTs to bare Starlette take "
        f"{base_posts:.2f} s, ratio {booted / base_posts:.1f}x)"
    )
    for w in (1, 4):
        per = 1 / detail_rates[w]
        print(
            f"GET /servers/detail?limit=100 of {count}, {w} client(s): {detail_rates[w]:.0f} req/s "
            f"({per * 1000:.1f} ms; OpenStack's 0.8 s is {OPENSTACK_S_PER_DETAIL_100 / per:.0f}x slower; "
            f"bare Starlette {base[w]:.0f} req/s, ratio {base[w] / detail_rates[w]:.1f}x)"
        )


if __name__ == "__main__":
    main()
