#!/usr/bin/env python3
"""Image data throughput: upload, stage (the import's upload) and download of a 1 GiB image
through a real ``pocketstack up`` on a free loopback port, next to a raw disk copy of the same
file measured in the same run.

    python bench/image_throughput.py [--size-mib 1024] [--dir /some/disk] [--runs 1]

Clients are the standard library's http.client (what requests, and so the OpenStack clients,
build on), sending and receiving 1 MiB blocks. The raw copy reads the source and writes a new
file in 1 MiB blocks, then fsyncs it: the work an upload cannot avoid (the server also hashes
md5 + sha512, inspects and fsyncs). The two hashes alone are timed as well, over the data in
memory with one thread each: on a fast disk they, not the disk, bound an upload. The download
is written to a file and fsynced the same way, then fetched again by a client that drops the
data: the rate the server sends at, whatever the client's disk does. Ratios are raw copy
time / API time (1.0 = as fast as the disk). All files live under --dir (default: a temporary
directory), so the page cache treats the runs alike. With --runs N the whole sequence (copy,
upload, stage, download) runs N times on one server and the medians are printed; later raw
copies may find the page cache warmer than the first.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import statistics
import sys
import tempfile
import threading
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


def hashes_alone(src: Path) -> float:
    """Seconds to md5 and sha512 the file's data, one thread each as the upload does, the data
    already read: the floor an upload with both of Glance's hashes cannot go below."""
    blocks = []
    with src.open("rb") as fh:
        while chunk := fh.read(8 * BLOCK):
            blocks.append(chunk)

    def digest(name: str) -> None:
        h = hashlib.new(name)
        for block in blocks:
            h.update(block)

    started = time.perf_counter()
    threads = [threading.Thread(target=digest, args=(name,)) for name in ("md5", "sha512")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


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


def send_file(url: str, headers: dict[str, str], src: Path, expected: int) -> float:
    """PUT ``src`` to ``url`` in 1 MiB blocks; the seconds until the answer (``expected``)."""
    conn = http.client.HTTPConnection(httpx.URL(url).netloc.decode(), timeout=600, blocksize=BLOCK)
    headers = {**headers, "Content-Length": str(src.stat().st_size)}
    with src.open("rb") as fh:
        started = time.perf_counter()
        conn.request("PUT", httpx.URL(url).raw_path.decode(), body=fh, headers=headers)
        reply = conn.getresponse()
        reply.read()
        elapsed = time.perf_counter() - started
    conn.close()
    if reply.status != expected:
        raise SystemExit(f"PUT {url} failed: {reply.status}")
    return elapsed


def fetch_file(url: str, auth: str, dst: Path | None) -> float:
    """GET ``url`` into ``dst`` (fsynced) in 1 MiB blocks, or dropping the blocks when ``dst``
    is None (the time the server took to send it: a client writing to the same disk as the
    server measures that disk twice over); the seconds it took."""
    conn = http.client.HTTPConnection(httpx.URL(url).netloc.decode(), timeout=600, blocksize=BLOCK)
    started = time.perf_counter()
    conn.request("GET", httpx.URL(url).raw_path.decode(), headers={"X-Auth-Token": auth})
    reply = conn.getresponse()
    if reply.status != 200:
        raise SystemExit(f"GET {url} failed: {reply.status}")
    if dst is None:
        while reply.read(BLOCK):
            pass
    else:
        with dst.open("wb") as fh:
            while chunk := reply.read(BLOCK):
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def digest_of(path: Path, algorithm: str = "sha512") -> str:
    digest = hashlib.new(algorithm)
    for chunk in file_chunks(path):
        digest.update(chunk)
    return digest.hexdigest()


def upload(base: str, auth: str, src: Path, target: str = "file") -> tuple[str, float]:
    """PUT ``src`` to a new image's ``file`` (upload) or ``stage`` (import); (id, seconds)."""
    body = {"name": "bench", "disk_format": "raw", "container_format": "bare"}
    resp = httpx.post(f"{base}/image/v2/images", json=body, headers={"X-Auth-Token": auth})
    resp.raise_for_status()
    image_id = resp.json()["id"]
    headers = {"X-Auth-Token": auth, "Content-Type": "application/octet-stream"}
    return image_id, send_file(f"{base}/image/v2/images/{image_id}/{target}", headers, src, 204)


def download(base: str, auth: str, image_id: str, dst: Path | None) -> float:
    return fetch_file(f"{base}/image/v2/images/{image_id}/file", auth, dst)


def delete(base: str, auth: str, image_id: str) -> None:
    httpx.delete(f"{base}/image/v2/images/{image_id}", headers={"X-Auth-Token": auth}).raise_for_status()


def api_run(base: str, src: Path, out: Path, expected: str) -> dict[str, float]:
    """Upload, download (checked), then stage: the seconds each took."""
    auth = token(base)
    image_id, up_s = upload(base, auth, src)
    down_s = download(base, auth, image_id, out)
    if digest_of(out) != expected:
        raise SystemExit("the downloaded data differs from the source")
    out.unlink()
    sent_s = download(base, auth, image_id, None)
    delete(base, auth, image_id)
    staged_id, stage_s = upload(base, auth, src, "stage")
    delete(base, auth, staged_id)
    return {"upload": up_s, "download": down_s, "sent": sent_s, "stage": stage_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--dir", type=Path, default=None, help="where the files go (default: a temp dir)")
    parser.add_argument("--runs", type=int, default=1, help="repeat the sequence, print medians")
    args = parser.parse_args()
    size = args.size_mib * MiB
    times: dict[str, list[float]] = {
        "copy": [],
        "hashes": [],
        "upload": [],
        "download": [],
        "sent": [],
        "stage": [],
    }
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="pocketstack-bench-") as tmp:
        root = Path(tmp)
        src, out = root / "source.img", root / "downloaded.img"
        expected = make_source(src, size)
        port = free_port()
        server = None
        try:
            for _ in range(args.runs):
                times["copy"].append(raw_copy(src, root / "copy.img"))
                times["hashes"].append(hashes_alone(src))
                if server is None:  # started after the first copy, so that it does not disturb it
                    server, _ = start(
                        [*pocketstack(root / "data", port), "--admin-password", PASSWORD], "ready on"
                    )
                for name, seconds in api_run(f"http://127.0.0.1:{port}", src, out, expected).items():
                    times[name].append(seconds)
        finally:
            if server is not None:
                stop(server)
    copy_s = statistics.median(times["copy"])
    rate = lambda seconds: size / MiB / seconds  # noqa: E731
    runs = f" (medians of {args.runs} runs)" if args.runs > 1 else ""
    print(f"image size            {args.size_mib} MiB{runs}")
    hash_s = statistics.median(times["hashes"])
    print(f"raw disk copy         {rate(copy_s):8.1f} MiB/s")
    print(f"md5 + sha512 alone    {rate(hash_s):8.1f} MiB/s   (in memory, one thread each)")
    labels = {
        "upload": "upload (PUT file)",
        "stage": "stage (PUT stage)",
        "download": "download (GET file)",
        "sent": "download, discarded",
    }
    for name, label in labels.items():
        took = statistics.median(times[name])
        floor = copy_s / took
        if name in ("upload", "stage"):  # an upload cannot beat the slower of the disk and the hashes
            floor = f"{floor:.2f}, to max(copy, hashes) {max(copy_s, hash_s) / took:.2f}"
        else:
            floor = f"{floor:.2f}"
        print(f"{label:20s}  {rate(took):8.1f} MiB/s   ratio to raw copy {floor}")


if __name__ == "__main__":
    main()
