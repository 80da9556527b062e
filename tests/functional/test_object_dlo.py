"""Dynamic large objects: segments listed at read time, ranges and ETag over the whole."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pocketstack.api.object_v1.middleware.dlo import dlo_etag, split_manifest
from tests.functional import object_layers_support as support
from tests.functional.object_layers_support import SwiftAccount, swift_cli

swift = support.swift
live_server = support.live_server

PARTS = [b"one-", b"two-", b"three"]


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def make_dlo(swift: SwiftAccount) -> None:
    swift.put("segs")
    swift.put("c")
    for index, data in enumerate(PARTS):
        assert swift.put(f"segs/movie/{index:03d}", data).status_code == 201
    swift.put("segs/other", b"not mine")
    assert swift.put("c/movie", b"", headers={"X-Object-Manifest": "segs/movie/"}).status_code == 201


def test_split_manifest_and_etag() -> None:
    assert split_manifest("segs/pre/fix") == ("segs", "pre/fix")
    assert split_manifest("segs%20x/p") == ("segs x", "p")
    assert split_manifest("nocontainer") is None
    assert dlo_etag(['"a"', "b"]) == md5(b"ab")


def test_get_head_dlo(swift: SwiftAccount) -> None:
    make_dlo(swift)
    got = swift.get("c/movie")
    assert got.status_code == 200
    assert got.content == b"".join(PARTS)
    etag = md5("".join(md5(p) for p in PARTS).encode())
    assert got.headers["etag"] == f'"{etag}"'
    assert got.headers["x-object-manifest"] == "segs/movie/"
    head = swift.head("c/movie")
    assert head.headers["content-length"] == str(len(b"".join(PARTS)))
    swift.put("segs/movie/003", b"-four")
    assert swift.get("c/movie").content.endswith(b"three-four")


def test_dlo_ranges_and_conditionals(swift: SwiftAccount) -> None:
    make_dlo(swift)
    whole = b"".join(PARTS)
    resp = swift.get("c/movie", headers={"Range": "bytes=2-9"})
    assert resp.status_code == 206
    assert resp.content == whole[2:10]
    assert swift.get("c/movie", headers={"Range": "bytes=100-"}).status_code == 416
    etag = swift.head("c/movie").headers["etag"]
    assert swift.get("c/movie", headers={"If-None-Match": etag}).status_code == 304
    assert swift.get("c/movie", headers={"If-Match": etag}).status_code == 200
    assert swift.get("c/movie", headers={"If-Match": '"other"'}).status_code == 412


def test_manifest_get_and_bad_manifest(swift: SwiftAccount) -> None:
    make_dlo(swift)
    itself = swift.get("c/movie", params={"multipart-manifest": "get"})
    assert itself.status_code == 200
    assert itself.content == b""
    bad = swift.put("c/bad", b"", headers={"X-Object-Manifest": "nocontainer"})
    assert bad.status_code == 400
    assert bad.text == "X-Object-Manifest must be in the format container/prefix"


def test_swift_upload_dlo_and_download(swift: SwiftAccount, live_server: str, tmp_path: Path) -> None:
    data = b"0123456789" * 250
    (tmp_path / "up").mkdir()
    (tmp_path / "up" / "f.bin").write_bytes(data)
    up = swift_cli(
        live_server,
        swift,
        "upload",
        "--use-dlo",
        "--segment-size",
        "1000",
        "box",
        "f.bin",
        cwd=tmp_path / "up",
    )
    assert up.returncode == 0, up.stderr
    assert "x-object-manifest" in swift.head("box/f.bin").headers
    (tmp_path / "down").mkdir()
    down = swift_cli(live_server, swift, "download", "box", "f.bin", cwd=tmp_path / "down")
    assert down.returncode == 0, down.stderr
    assert (tmp_path / "down" / "f.bin").read_bytes() == data
