#!/usr/bin/env python3
"""Image data throughput: upload and download of a 1 GiB image through a real ``pocketstack up``
on a free loopback port, next to a raw disk copy of the same file measured in the same run.

    python bench/image_throughput.py [--size-mib 1024] [--dir /some/disk]

Clients are the standard library's http.client (what requests, and so the OpenStack clients,
build on), sending and receiving 1 MiB blocks. The raw copy reads the source and writes a new
file in 1 MiB blocks, then fsyncs it: the work an upload cannot avoid (the server also hashes
md5 + sha512, inspects and fsyncs). The download is written to a file and fsynced the same
way. Ratios are raw copy time / API time (1.0 = as fast as the disk). All files live under
--dir (default: a temporary directory), so the page cache treats the three runs alike.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from common import free_port, pocketstack, start, stop  # noqa: E402

BLOCK = 1024 * 1024
MiB = 1024 * 1024
PASSWORD = "bench-admin-pw"


def make_source(path: Path, size: int) -> str:
    """``size`` bytes of incompressible data (an 8 MiB random block repeated); its sha512."""
    block = os.urandom(8 * MiB)
    digest = hashlib.sha512()
    with path.open("wb") as fh:
        left = size
        while left:
            piece = block[: min(left, len(block))]
            fh.write(piece)
            digest.update(piece)
            left -= len(piece)
        fh.flush()
        os.fsync(fh.fileno())
    return digest.hexdigest()


def raw_copy(src: Path, dst: Path) -> float:
    started = time.perf_counter()
    with src.open("rb") as fin, dst.open("wb") as fout:
        while chunk := fin.read(BLOCK):
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    elapsed = time.perf_counter() - started
    dst.unlink()
    return elapsed


def token(base: str) -> str:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": "admin", "domain": {"id": "default"}, "password": PASSWORD}},
            },
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}},
        }
    }
    resp = httpx.post(f"{base}/identity/v3/auth/tokens", json=body)
    resp.raise_for_status()
    return resp.headers["X-Subject-Token"]


def file_chunks(path: Path) -> Iterator[bytes]:  # for the sha512 check
    with path.open("rb") as fh:
        while chunk := fh.read(BLOCK):
            yield chunk


def upload(base: str, auth: str, src: Path) -> tuple[str, float]:
    body = {"name": "bench", "disk_format": "raw", "container_format": "bare"}
    resp = httpx.post(f"{base}/image/v2/images", json=body, headers={"X-Auth-Token": auth})
    resp.raise_for_status()
    image_id = resp.json()["id"]
    conn = http.client.HTTPConnection(base.removeprefix("http://"), timeout=600, blocksize=BLOCK)
    headers = {
        "X-Auth-Token": auth,
        "Content-Type": "application/octet-stream",
        "Content-Length": str(src.stat().st_size),
    }
    with src.open("rb") as fh:
        started = time.perf_counter()
        conn.request("PUT", f"/image/v2/images/{image_id}/file", body=fh, headers=headers)
        reply = conn.getresponse()
        reply.read()
        elapsed = time.perf_counter() - started
    conn.close()
    if reply.status != 204:
        raise SystemExit(f"upload failed: {reply.status}")
    return image_id, elapsed


def download(base: str, auth: str, image_id: str, dst: Path) -> float:
    conn = http.client.HTTPConnection(base.removeprefix("http://"), timeout=600, blocksize=BLOCK)
    started = time.perf_counter()
    conn.request("GET", f"/image/v2/images/{image_id}/file", headers={"X-Auth-Token": auth})
    reply = conn.getresponse()
    if reply.status != 200:
        raise SystemExit(f"download failed: {reply.status}")
    with dst.open("wb") as fh:
        while chunk := reply.read(BLOCK):
            fh.write(chunk)
        fh.flush()
        os.fsync(fh.fileno())
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def sha512_of(path: Path) -> str:
    digest = hashlib.sha512()
    for chunk in file_chunks(path):
        digest.update(chunk)
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--dir", type=Path, default=None, help="where the files go (default: a temp dir)")
    args = parser.parse_args()
    size = args.size_mib * MiB
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="pocketstack-bench-") as tmp:
        root = Path(tmp)
        src, out = root / "source.img", root / "downloaded.img"
        expected = make_source(src, size)
        copy_s = raw_copy(src, root / "copy.img")
        port = free_port()
        server, _ = start([*pocketstack(root / "data", port), "--admin-password", PASSWORD], "ready on")
        try:
            base = f"http://127.0.0.1:{port}"
            auth = token(base)
            image_id, up_s = upload(base, auth, src)
            down_s = download(base, auth, image_id, out)
        finally:
            stop(server)
        if sha512_of(out) != expected:
            raise SystemExit("the downloaded data differs from the source")
    rate = lambda seconds: size / MiB / seconds  # noqa: E731
    print(f"image size            {args.size_mib} MiB")
    print(f"raw disk copy         {rate(copy_s):8.1f} MiB/s")
    print(f"upload (PUT file)     {rate(up_s):8.1f} MiB/s   ratio to raw copy {copy_s / up_s:.2f}")
    print(f"download (GET file)   {rate(down_s):8.1f} MiB/s   ratio to raw copy {copy_s / down_s:.2f}")


if __name__ == "__main__":
    main()
