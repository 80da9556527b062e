"""Static large objects: manifest checks, reads across segments, the manifest's forms, delete."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

import anyio
import pytest

from pocketstack.api.app import _object_store
from pocketstack.api.object_v1.caller import Caller
from pocketstack.api.object_v1.middleware.ranges import Segment, parse_range, pieces
from pocketstack.api.object_v1.middleware.slo_manifest import ManifestError, parse_put_body, slo_etag
from pocketstack.api.object_v1.subrequest import SubrequestBroken, stream_subrequest, subrequest
from pocketstack.cloud import Cloud
from tests.functional import object_layers_support as support
from tests.functional.object_layers_support import SwiftAccount, swift_cli

swift = support.swift
live_server = support.live_server

SEGMENTS = [b"a" * 5, b"b" * 5, b"c" * 3]


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def upload_segments(swift: SwiftAccount) -> list[dict]:
    assert swift.put("segs").status_code in (201, 202)
    assert swift.put("c").status_code in (201, 202)
    manifest = []
    for index, data in enumerate(SEGMENTS):
        assert swift.put(f"segs/part/{index:08d}", data).status_code == 201
        manifest.append({"path": f"/segs/part/{index:08d}", "etag": md5(data), "size_bytes": len(data)})
    return manifest


def put_manifest(swift: SwiftAccount, manifest: list[dict], name: str = "c/big", **headers: str):
    return swift.put(
        name, json.dumps(manifest).encode(), params={"multipart-manifest": "put"}, headers=headers
    )


def test_parse_put_body_reports_every_bad_entry() -> None:
    body = json.dumps(
        [{"path": "nocontainer"}, {"size_bytes": 1}, {"path": "/c/o", "size_bytes": 0}, {"data": "!"}]
    )
    with pytest.raises(ManifestError) as err:
        parse_put_body(body.encode(), "c/m")
    assert err.value.lines == [
        "Index 0: path does not refer to an object. Path must be of the form /container/object.",
        "Index 1: expected keys to include one of 'path' or 'data'",
        "Index 2: too small; each segment must be at least 1 byte.",
        "Index 3: data must be valid base64",
    ]
    with pytest.raises(ManifestError, match="must not include itself"):
        parse_put_body(b'[{"path": "/c/m"}]', "c/m")
    with pytest.raises(ManifestError, match="valid JSON"):
        parse_put_body(b"{", "c/m")


def test_slo_etag_is_md5_of_segment_etags_with_ranges() -> None:
    stored = [
        {"name": "/c/a", "hash": "x" * 32, "bytes": 4},
        {"name": "/c/b", "hash": "y" * 32, "bytes": 9, "range": "1-2"},
    ]
    expected = md5(("x" * 32 + "y" * 32 + ":1-2;").encode())
    assert slo_etag(stored) == expected


def test_range_maps_onto_segments() -> None:
    segs = [Segment("/c/a", 5, size=5), Segment("/c/b", 3, offset=2, size=10), Segment("/c/c", 4, size=4)]
    got = [(p.segment.path, p.start, p.stop) for p in pieces(segs, 3, 10)]
    assert got == [("/c/a", 3, 5), ("/c/b", 2, 5), ("/c/c", 0, 2)]
    assert parse_range("bytes=-3", 12) == [(9, 12)]
    assert parse_range("bytes=20-", 12) == []
    assert parse_range("bytes=2-1", 12) is None
    assert parse_range("bytes=0-0,5-", 12) == [(0, 1), (5, 12)]


def test_put_get_head_slo(swift: SwiftAccount) -> None:
    manifest = upload_segments(swift)
    resp = put_manifest(swift, manifest, **{"X-Object-Meta-Color": "blue", "Content-Type": "text/x-big"})
    assert resp.status_code == 201, resp.text
    etag = md5("".join(md5(s) for s in SEGMENTS).encode())
    assert resp.headers["etag"] == f'"{etag}"'

    got = swift.get("c/big")
    assert got.status_code == 200
    assert got.content == b"".join(SEGMENTS)
    assert got.headers["etag"] == f'"{etag}"'
    assert got.headers["x-static-large-object"].lower() == "true"
    assert got.headers["x-object-meta-color"] == "blue"
    assert got.headers["content-type"].startswith("text/x-big")

    head = swift.head("c/big")
    assert head.status_code == 200
    assert head.headers["content-length"] == "13"
    assert not [name for name in head.headers if name.startswith("x-object-sysmeta-")]
    assert head.headers["etag"] == f'"{etag}"'


def test_ranges_and_conditionals(swift: SwiftAccount) -> None:
    put_manifest(swift, upload_segments(swift))
    whole = b"".join(SEGMENTS)
    resp = swift.get("c/big", headers={"Range": "bytes=3-11"})
    assert resp.status_code == 206
    assert resp.content == whole[3:12]
    assert resp.headers["content-range"] == "bytes 3-11/13"
    assert swift.get("c/big", headers={"Range": "bytes=-2"}).content == whole[-2:]
    assert swift.get("c/big", headers={"Range": "bytes=50-"}).status_code == 416
    multi = swift.get("c/big", headers={"Range": "bytes=0-1,10-12"})
    assert multi.status_code == 206
    assert multi.headers["content-type"].startswith("multipart/byteranges")
    assert b"aa" in multi.content and b"ccc" in multi.content

    etag = swift.head("c/big").headers["etag"]
    assert swift.get("c/big", headers={"If-None-Match": etag}).status_code == 304
    assert swift.get("c/big", headers={"If-Match": '"nope"'}).status_code == 412
    assert swift.get("c/big", headers={"If-Match": etag}).status_code == 200


def test_bad_segments_are_reported(swift: SwiftAccount) -> None:
    manifest = upload_segments(swift)
    manifest[0]["etag"] = "0" * 32
    manifest[1]["size_bytes"] = 99
    manifest.append({"path": "/segs/missing"})
    resp = put_manifest(swift, manifest)
    assert resp.status_code == 400
    assert resp.text.splitlines() == [
        "Errors:",
        "/segs/part/00000000, Etag Mismatch",
        "/segs/part/00000001, Size Mismatch",
        "/segs/missing, 404 Not Found",
    ]
    as_json = put_manifest(swift, manifest, Accept="application/json")
    assert as_json.json()["Errors"][0] == ["/segs/part/00000000", "Etag Mismatch"]
    assert swift.head("c/big").status_code == 404


def test_client_etag_must_match(swift: SwiftAccount) -> None:
    manifest = upload_segments(swift)
    assert put_manifest(swift, manifest, Etag="0" * 32).status_code == 422


def test_manifest_forms(swift: SwiftAccount) -> None:
    manifest = upload_segments(swift)
    put_manifest(swift, manifest)
    stored = swift.get("c/big", params={"multipart-manifest": "get"})
    assert stored.status_code == 200
    entries = stored.json()
    assert [e["name"] for e in entries] == [m["path"] for m in manifest]
    assert [e["bytes"] for e in entries] == [5, 5, 3]
    raw = swift.get("c/big", params={"multipart-manifest": "get", "format": "raw"}).json()
    assert raw == manifest


def test_ranged_and_data_segments(swift: SwiftAccount) -> None:
    manifest = upload_segments(swift)
    manifest[1]["range"] = "1-2"
    manifest.insert(0, {"data": "aGk="})  # "hi"
    assert put_manifest(swift, manifest).status_code == 201
    assert swift.get("c/big").content == b"hi" + b"aaaaa" + b"bb" + b"ccc"


def test_nested_slo(swift: SwiftAccount) -> None:
    put_manifest(swift, upload_segments(swift))
    inner = swift.head("c/big")
    outer = [
        {"path": "/c/big", "etag": inner.headers["etag"].strip('"'), "size_bytes": 13},
        manifest_part(swift),
    ]
    assert put_manifest(swift, outer, name="c/bigger").status_code == 201
    assert swift.get("c/bigger").content == b"".join(SEGMENTS) + b"tail"
    assert swift.get("c/bigger", headers={"Range": "bytes=11-14"}).content == b"cct" + b"a"


def manifest_part(swift: SwiftAccount) -> dict:
    swift.put("segs/tail", b"tail")
    return {"path": "/segs/tail", "etag": md5(b"tail"), "size_bytes": 4}


def test_multipart_delete(swift: SwiftAccount) -> None:
    put_manifest(swift, upload_segments(swift))
    resp = swift.delete(
        "c/big", params={"multipart-manifest": "delete"}, headers={"Accept": "application/json"}
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["Number Deleted"] == 4
    assert body["Response Status"] == "200 OK"
    assert swift.head("c/big").status_code == 404
    assert swift.head("segs/part/00000000").status_code == 404


def test_reserved_header_and_missing_segment_read(swift: SwiftAccount) -> None:
    assert swift.put("c/x", b"1", headers={"X-Static-Large-Object": "true"}).status_code == 400
    put_manifest(swift, upload_segments(swift))
    swift.delete("segs/part/00000000")
    assert swift.get("c/big").status_code == 409


def test_swift_upload_use_slo_and_download(swift: SwiftAccount, live_server: str, tmp_path: Path) -> None:
    data = bytes(range(256)) * 40 + b"end"
    (tmp_path / "up").mkdir()
    (tmp_path / "up" / "big.bin").write_bytes(data)
    up = swift_cli(
        live_server,
        swift,
        "upload",
        "--segment-size",
        "1000",
        "--use-slo",
        "pics",
        "big.bin",
        cwd=tmp_path / "up",
    )
    assert up.returncode == 0, up.stderr
    head = swift.head("pics/big.bin")
    assert head.headers["x-static-large-object"].lower() == "true"
    assert head.headers["content-length"] == str(len(data))
    listed = swift.get("pics_segments", params={"format": "json"}).json()
    assert len(listed) == 11
    (tmp_path / "down").mkdir()
    down = swift_cli(live_server, swift, "download", "pics", "big.bin", cwd=tmp_path / "down")
    assert down.returncode == 0, down.stderr
    assert (tmp_path / "down" / "big.bin").read_bytes() == data
    again = swift_cli(
        live_server,
        swift,
        "upload",
        "--segment-size",
        "2000",
        "--use-slo",
        "pics",
        "big.bin",
        cwd=tmp_path / "up",
    )
    assert again.returncode == 0, again.stderr
    assert len(swift.get("pics_segments", params={"format": "json"}).json()) == 6
    gone = swift_cli(live_server, swift, "delete", "pics", "big.bin")
    assert gone.returncode == 0, gone.stderr
    assert swift.get("pics_segments", params={"format": "json"}).json() == []


def test_stream_subrequest_waits_for_its_reader_and_cancels() -> None:
    sent: list[int] = []
    finished: list[bool] = []

    async def app(scope, receive, send) -> None:
        try:
            await send({"type": "http.response.start", "status": 206, "headers": [(b"x-part", b"1")]})
            for index in range(100):
                await send({"type": "http.response.body", "body": b"%d" % index, "more_body": True})
                sent.append(index)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            finished.append(True)

    async def read_one() -> bytes:
        async with stream_subrequest(app, {"type": "http", "root_path": ""}, "GET", "/v1/a/c/o") as resp:
            assert (resp.status, resp.headers["x-part"]) == (206, "1")
            first = await anext(resp.chunks)
            await anyio.sleep(0.01)
            return first

    assert anyio.run(read_one) == b"0"
    assert sent == [0]
    assert finished == [True]


def test_stream_subrequest_reports_a_failure_after_start() -> None:
    async def app(scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"abc", "more_body": True})
        raise RuntimeError("disk gone")

    async def read_all() -> list[bytes]:
        async with stream_subrequest(app, {"type": "http", "root_path": ""}, "GET", "/v1/a/c/o") as resp:
            return [chunk async for chunk in resp.chunks]

    with pytest.raises(SubrequestBroken):
        anyio.run(read_all)


def test_part_number(swift: SwiftAccount) -> None:
    put_manifest(swift, upload_segments(swift))
    second = swift.get("c/big", params={"part-number": "2"})
    assert second.status_code == 206
    assert second.content == SEGMENTS[1]
    assert second.headers["x-parts-count"] == "3"
    assert second.headers["content-range"] == "bytes 5-9/13"
    assert swift.get("c/big", params={"part-number": "4"}).status_code == 416
    assert swift.get("c/big", params={"part-number": "0"}).status_code == 400


def test_manifest_put_with_heartbeat(swift: SwiftAccount) -> None:
    manifest = upload_segments(swift)
    resp = swift.put(
        "c/big",
        json.dumps(manifest).encode(),
        params={"multipart-manifest": "put", "heartbeat": "on"},
        headers={"Accept": "application/json"},
    )
    assert resp.status_code == 202
    report = json.loads(resp.content)
    assert report["Response Status"] == "201 Created"
    assert report["Etag"] == f'"{md5("".join(md5(s) for s in SEGMENTS).encode())}"'
    assert report["Errors"] == []
    manifest[0]["etag"] = "0" * 32
    failed = swift.put(
        "c/big2", json.dumps(manifest).encode(), params={"multipart-manifest": "put", "heartbeat": "on"}
    )
    assert failed.status_code == 202
    assert failed.text.strip().splitlines() == [
        "Response Body: Bad Request",
        "The server could not comply with the request since it is either malformed or otherwise incorrect.",
        "Response Status: 400 Bad Request",
        "Errors:",
        "/segs/part/00000000, Etag Mismatch",
    ]


def test_sysmeta_of_a_manifest_internal_only(swift: SwiftAccount, cloud: Cloud) -> None:
    """An SLO's answer to an internal request carries the manifest's system metadata; a
    client's manifest PUT cannot set any."""
    manifest = upload_segments(swift)
    assert put_manifest(swift, manifest, **{"X-Object-Sysmeta-S3-Etag": "forged"}).status_code == 201
    app = _object_store(cloud).authorized
    parent = {"type": "http", "root_path": "/object-store", "path": "/object-store/"}
    owner = Caller(None, grant="tempurl", grant_account=swift.account)

    async def head(query: str = "") -> dict[str, str]:
        resp = await subrequest(app, parent, "HEAD", f"/v1/{swift.account}/c/big", query=query, caller=owner)
        return resp.headers

    internal = asyncio.run(head())
    assert internal["x-object-sysmeta-slo-size"] == "13"
    assert "x-object-sysmeta-s3-etag" not in internal
    assert asyncio.run(head("multipart-manifest=get"))["x-object-sysmeta-slo-size"] == "13"
    shown = swift.get("c/big", params={"multipart-manifest": "get"}).headers
    assert not [name for name in shown if name.startswith("x-object-sysmeta-")]
