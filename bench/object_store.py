#!/usr/bin/env python3
"""Object storage throughput through a real ``pocketstack up`` on a free loopback port:
a large object's PUT and GET next to a raw disk copy of the same file, and small-object PUTs
per second next to a bare Starlette endpoint that takes the same PUTs, both measured in the
same run.

    python bench/object_store.py [--size-mib 1024] [--small-kib 4] [--seconds 5] [--dir /disk]

Clients are the standard library's http.client in 1 MiB blocks (what swiftclient's requests
builds on). Ratios: raw copy time / API time for the large object (1.0 = disk speed), and
API rate / bare rate for the small PUTs (1.0 = as fast as the framework alone; the bare
endpoint reads the body and answers 201, storing nothing).
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from common import baseline, free_port, pocketstack, start, stop  # noqa: E402
from image_throughput import BLOCK, MiB, digest_of, fetch_file, make_source, raw_copy, send_file  # noqa: E402

PASSWORD = "bench-demo-pw"
BARE_PUT_APP = """
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
async def put(request):
    await request.body()
    return Response(status_code=201)
app = Starlette(routes=[Route("/{path:path}", put, methods=["PUT"])])
"""


def storage_session(base: str) -> tuple[str, str]:
    """The demo project's storage URL (from the token's catalog) and a token."""
    user = {"name": "demo", "domain": {"id": "default"}, "password": PASSWORD}
    auth = {
        "identity": {"methods": ["password"], "password": {"user": user}},
        "scope": {"project": {"name": "demo", "domain": {"id": "default"}}},
    }
    resp = httpx.post(f"{base}/identity/v3/auth/tokens", json={"auth": auth}, timeout=60)
    resp.raise_for_status()
    store = next(s for s in resp.json()["token"]["catalog"] if s["type"] == "object-store")
    url = next(e["url"] for e in store["endpoints"] if e["interface"] == "public")
    return url, resp.headers["X-Subject-Token"]


def _connection(url: str) -> tuple[http.client.HTTPConnection, str]:
    target = httpx.URL(url)
    conn = http.client.HTTPConnection(target.host, target.port, timeout=600, blocksize=BLOCK)
    return conn, target.raw_path.decode()


def small_puts(url: str, headers: dict[str, str], size: int, connections: int, seconds: float) -> float:
    """PUTs of ``size`` bytes to fresh names for ``seconds``: requests per second."""
    body = os.urandom(size)
    counts = [0] * connections
    deadline = time.perf_counter() + seconds

    def client(i: int) -> None:
        conn, path = _connection(url)
        while time.perf_counter() < deadline:
            conn.request("PUT", f"{path}/c{i}-{counts[i]}", body=body, headers=headers)
            reply = conn.getresponse()
            reply.read()
            if reply.status != 201:
                raise RuntimeError(f"PUT answered {reply.status}")
            counts[i] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--small-kib", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--dir", type=Path, default=None, help="where the files go (default: a temp dir)")
    args = parser.parse_args()
    size = args.size_mib * MiB
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="pocketstack-bench-") as tmp:
        root = Path(tmp)
        src, out = root / "source.bin", root / "downloaded.bin"
        make_source(src, size)
        expected = digest_of(src, "md5")
        copy_s = raw_copy(src, root / "copy.bin")
        port = free_port()
        env = {"POCKETSTACK_DEMO_PASSWORD": PASSWORD, "POCKETSTACK_ADMIN_PASSWORD": PASSWORD}
        server, _ = start(pocketstack(root / "data", port), "pocketstack ready on", env=env)
        bare_port = free_port()
        bare, _ = start(baseline(bare_port, BARE_PUT_APP), "Uvicorn running on")
        try:
            account, token = storage_session(f"http://127.0.0.1:{port}")
            auth = {"X-Auth-Token": token}
            for container in ("big", "small"):
                httpx.put(f"{account}/{container}", headers=auth).raise_for_status()
            put_s = send_file(f"{account}/big/object.bin", auth, src, 201)
            get_s = fetch_file(f"{account}/big/object.bin", token, out)
            if digest_of(out, "md5") != expected:
                raise SystemExit("the downloaded object differs from the source")
            small = args.small_kib * 1024
            rates = {}
            for conns in (1, 8):
                rates[f"ours_{conns}"] = small_puts(f"{account}/small", auth, small, conns, args.seconds)
                bare_url = f"http://127.0.0.1:{bare_port}/small"
                rates[f"bare_{conns}"] = small_puts(bare_url, {}, small, conns, args.seconds)
        finally:
            stop(bare)
            stop(server)
    rate = lambda seconds: size / MiB / seconds  # noqa: E731
    print(f"object size              {args.size_mib} MiB")
    print(f"raw disk copy            {rate(copy_s):8.1f} MiB/s")
    print(f"PUT object               {rate(put_s):8.1f} MiB/s   ratio to raw copy {copy_s / put_s:.2f}")
    print(f"GET object               {rate(get_s):8.1f} MiB/s   ratio to raw copy {copy_s / get_s:.2f}")
    for conns in (1, 8):
        ours, bare = rates[f"ours_{conns}"], rates[f"bare_{conns}"]
        label = f"{args.small_kib} KiB PUTs, {conns} conn"
        print(f"{label:24s} {ours:8.0f} /s     bare Starlette {bare:8.0f} /s   ratio {ours / bare:.2f}")


if __name__ == "__main__":
    main()
