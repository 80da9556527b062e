"""pocketstack.sdk next to openstacksdk against one running `pocketstack up` (fake driver), in
the same run: the time and peak memory of listing 1,000 servers (sync), and of booting 100
servers concurrently to ACTIVE (pocketstack.sdk's AsyncConnection with 16 at once; openstacksdk,
which has no async API, from 16 threads). Each measure runs in a process of its own, so its
peak resident memory is the client's alone; openstacksdk runs in the clients' venv of the tests.

Usage: python bench/sdk.py [servers-listed] [servers-booted]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(ROOT))
from common import free_port, pocketstack, start, stop  # noqa: E402
from compute import PASSWORD, boot_all  # noqa: E402

# Each snippet gets CLOUDS (a clouds.yaml path) and N; prints {"seconds", "peak_mib", "count"}.
PREAMBLE = """
import json, os, resource, sys, time
os.environ["OS_CLIENT_CONFIG_FILE"] = CLOUDS
def done(began, count):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": time.perf_counter() - began, "peak_mib": peak, "count": count}))
"""

OURS_LIST = """
from pocketstack.sdk.connection import Connection
conn = Connection(cloud="pocketstack")
conn.compute.get_flavor("1")  # log in and discover before the clock starts
began = time.perf_counter()
done(began, sum(1 for _ in conn.compute.servers()))
"""

THEIRS_LIST = """
import openstack
conn = openstack.connect(cloud="pocketstack")
conn.compute.get_flavor("1")
began = time.perf_counter()
done(began, sum(1 for _ in conn.compute.servers()))
"""

OURS_BOOT = """
import asyncio
from pocketstack.sdk.connection import AsyncConnection
async def main():
    async with AsyncConnection(cloud="pocketstack") as conn:
        image = await conn.image.find_image("pocketstack-tiny")
        gate = asyncio.Semaphore(16)
        async def one(i):
            async with gate:
                s = await conn.compute.create_server(
                    name=f"ours-{i}", image_id=image.id, flavor_id="1", networks="auto")
                return await conn.compute.wait_for_server(s, interval=0.2, wait=600)
        began = time.perf_counter()
        made = await asyncio.gather(*(one(i) for i in range(N)))
        done(began, sum(1 for s in made if s.status == "ACTIVE"))
asyncio.run(main())
"""

THEIRS_BOOT = """
from concurrent.futures import ThreadPoolExecutor
import openstack
conn = openstack.connect(cloud="pocketstack")
image = conn.image.find_image("pocketstack-tiny")
def one(i):
    s = conn.compute.create_server(name=f"theirs-{i}", image_id=image.id, flavor_id="1", networks="auto")
    return conn.compute.wait_for_server(s, interval=0.2, wait=600)
began = time.perf_counter()
with ThreadPoolExecutor(16) as pool:
    made = list(pool.map(one, range(N)))
done(began, sum(1 for s in made if s.status == "ACTIVE"))
"""


def measure(python: str, snippet: str, clouds: Path, n: int) -> dict[str, float]:
    code = f"CLOUDS, N = {str(clouds)!r}, {n}\n" + PREAMBLE + snippet
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def line(what: str, ours: dict[str, float], theirs: dict[str, float]) -> str:
    time_ratio, memory_ratio = theirs["seconds"] / ours["seconds"], theirs["peak_mib"] / ours["peak_mib"]
    return (
        f"{what}: pocketstack.sdk {ours['seconds']:.2f} s, {ours['peak_mib']:.0f} MiB peak; "
        f"openstacksdk {theirs['seconds']:.2f} s, {theirs['peak_mib']:.0f} MiB peak "
        f"(time {time_ratio:.1f}x, memory {memory_ratio:.1f}x "
        f"in pocketstack.sdk's favour; {ours['count']:.0f} and {theirs['count']:.0f} servers)"
    )


def main() -> None:
    listed = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    booted = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    from tests.clients.harness import clients_venv

    theirs_python = str(clients_venv() / "bin" / "python")
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {
            "POCKETSTACK_DEMO_PASSWORD": PASSWORD,
            "POCKETSTACK_ADMIN_PASSWORD": PASSWORD,
            "POCKETSTACK_FAKE_HOSTS": "16",  # room for every server of the run
        }
        proc, _ = start(pocketstack(Path(tmp), port), "pocketstack ready on", env=env)
        try:
            boot_all(f"http://127.0.0.1:{port}", listed, room=2 * booted + 10)
            clouds = Path(tmp) / "clouds.yaml"
            ours_list = measure(sys.executable, OURS_LIST, clouds, listed)
            theirs_list = measure(theirs_python, THEIRS_LIST, clouds, listed)
            ours_boot = measure(sys.executable, OURS_BOOT, clouds, booted)
            theirs_boot = measure(theirs_python, THEIRS_BOOT, clouds, booted)
        finally:
            stop(proc)
    print(line(f"list {listed} servers", ours_list, theirs_list))
    print(line(f"boot {booted} servers concurrently", ours_boot, theirs_boot))


if __name__ == "__main__":
    main()
