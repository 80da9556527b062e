"""Copying a large object copies its data (a plain object holding the joined segments), unless
``?multipart-manifest=get`` asks for the manifest itself; plain objects copy as before."""

from __future__ import annotations

import asyncio
import hashlib
import json

from starlette.testclient import TestClient

from pocketstack.api.app import _object_store
from pocketstack.api.object_v1.caller import Caller
from pocketstack.api.object_v1.middleware.copy import plan_of
from pocketstack.api.object_v1.middleware.copy_data import CopyPlan, target_headers
from pocketstack.api.object_v1.middleware.swift_http import swift_path
from pocketstack.api.object_v1.subrequest import subrequest
from pocketstack.cloud import Cloud
from tests.functional import object_layers_support as support
from tests.functional.object_api_support import Swift, account_of, add_user, find_id
from tests.functional.object_layers_support import SwiftAccount

swift = support.swift

SEGMENTS = [b"a" * 5, b"b" * 5, b"c" * 3]
WHOLE = b"".join(SEGMENTS)
PARTS = [b"one-", b"two-", b"three"]


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def make_slo(swift: SwiftAccount, name: str = "c/big") -> str:
    """An SLO of SEGMENTS (with metadata); its SLO ETag."""
    for container in ("segs", "c", "d"):
        assert swift.put(container).status_code in (201, 202)
    manifest = []
    for index, data in enumerate(SEGMENTS):
        assert swift.put(f"segs/part/{index:08d}", data).status_code == 201
        manifest.append({"path": f"/segs/part/{index:08d}", "etag": md5(data), "size_bytes": len(data)})
    resp = swift.put(
        name,
        json.dumps(manifest).encode(),
        params={"multipart-manifest": "put"},
        headers={"X-Object-Meta-Color": "blue", "Content-Type": "text/x-big", "Content-Language": "en"},
    )
    assert resp.status_code == 201, resp.text
    return resp.headers["etag"].strip('"')


def make_dlo(swift: SwiftAccount) -> None:
    for container in ("segs", "c", "d"):
        assert swift.put(container).status_code in (201, 202)
    for index, data in enumerate(PARTS):
        assert swift.put(f"segs/movie/{index:03d}", data).status_code == 201
    headers = {"X-Object-Manifest": "segs/movie/", "X-Object-Meta-Kind": "film", "Content-Type": "video/x-a"}
    assert swift.put("c/movie", b"", headers=headers).status_code == 201


def test_plan_of_reads_both_forms() -> None:
    def scope(method: str, path: str, **headers: str) -> dict:
        raw = [(k.lower().replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
        return {"type": "http", "method": method, "path": path, "root_path": "", "headers": raw}

    put = scope("PUT", "/v1/AUTH_a/d/new", x_copy_from="/c/o%20x", x_copy_from_account="AUTH_b")
    plan = plan_of(put, swift_path(put))
    assert plan is not None
    assert (plan.source_path, plan.target_path) == ("/v1/AUTH_b/c/o x", "/v1/AUTH_a/d/new")
    copy = scope("COPY", "/v1/AUTH_a/c/o", destination="d/new", x_fresh_metadata="true")
    plan = plan_of(copy, swift_path(copy))
    assert plan is not None and plan.fresh
    assert (plan.source_path, plan.target_path) == ("/v1/AUTH_a/c/o", "/v1/AUTH_a/d/new")
    for not_copies in (scope("PUT", "/v1/AUTH_a/c/o"), scope("COPY", "/v1/AUTH_a/c/o", destination="d")):
        assert plan_of(not_copies, swift_path(not_copies)) is None


def test_target_headers_merge_as_a_copy_does() -> None:
    plan = CopyPlan("v1", "AUTH_a", "c", "o", "AUTH_a", "d", "o", fresh=False)
    source = {
        "content-type": "text/x-a",
        "x-object-meta-a": "1",
        "x-object-meta-b": "2",
        "content-language": "en",
        "x-object-manifest": "segs/p",
        "x-static-large-object": "True",
        "x-object-sysmeta-s3-etag": "e-2",
        "x-object-sysmeta-slo-etag": "s",
        "etag": '"x"',
    }
    request = {"x-object-meta-b": "3", "x-delete-after": "60", "x-auth-token": "t"}
    got = target_headers(plan, source, request, sysmeta=False)
    assert got == {
        "content-type": "text/x-a",
        "x-object-meta-a": "1",
        "x-object-meta-b": "3",
        "content-language": "en",
        "x-delete-after": "60",
    }
    assert target_headers(plan, source, request, sysmeta=True)["x-object-sysmeta-s3-etag"] == "e-2"
    assert "x-object-sysmeta-slo-etag" not in target_headers(plan, source, request, sysmeta=True)
    fresh = CopyPlan("v1", "AUTH_a", "c", "o", "AUTH_a", "d", "o", fresh=True)
    assert target_headers(fresh, source, request, sysmeta=True) == {
        "content-type": "text/x-a",
        "x-object-meta-b": "3",
        "x-delete-after": "60",
    }


def test_slo_copy_holds_the_data(swift: SwiftAccount) -> None:
    make_slo(swift)
    resp = swift.put("d/flat", headers={"X-Copy-From": "c/big", "X-Object-Meta-Extra": "yes"})
    assert resp.status_code == 201, resp.text
    assert resp.headers["etag"].strip('"') == md5(WHOLE)
    assert resp.headers["x-copied-from"] == "c/big"
    assert resp.headers["x-copied-from-last-modified"] == swift.head("c/big").headers["last-modified"]
    assert "x-copied-from-account" not in resp.headers

    got = swift.get("d/flat")
    assert got.content == WHOLE
    assert got.headers["etag"].strip('"') == md5(WHOLE)
    assert "x-static-large-object" not in got.headers
    assert got.headers["x-object-meta-color"] == "blue"
    assert got.headers["x-object-meta-extra"] == "yes"
    assert got.headers["content-language"] == "en"
    assert got.headers["content-type"].startswith("text/x-big")
    # It stands alone: the segments may go.
    for index in range(len(SEGMENTS)):
        swift.delete(f"segs/part/{index:08d}")
    assert swift.get("d/flat").content == WHOLE


def test_slo_copy_method_and_fresh_metadata(swift: SwiftAccount) -> None:
    make_slo(swift)
    headers = {"Destination": "d/fresh", "X-Fresh-Metadata": "true", "X-Object-Meta-Only": "this"}
    resp = swift.request("COPY", "c/big", headers=headers)
    assert resp.status_code == 201, resp.text
    got = swift.get("d/fresh")
    assert got.content == WHOLE
    assert got.headers["etag"].strip('"') == md5(WHOLE)
    assert got.headers["x-object-meta-only"] == "this"
    assert "x-object-meta-color" not in got.headers
    assert "content-language" not in got.headers
    assert got.headers["content-type"].startswith("text/x-big")  # as the routes' copy keeps it
    listed = swift.get("d", params={"format": "json"}).json()
    assert [(e["name"], e["bytes"], e["hash"]) for e in listed] == [("fresh", len(WHOLE), md5(WHOLE))]


def test_slo_manifest_copy(swift: SwiftAccount) -> None:
    etag = make_slo(swift)
    query = {"multipart-manifest": "get"}
    resp = swift.put("d/twin", headers={"X-Copy-From": "c/big"}, params=query)
    assert resp.status_code == 201, resp.text
    assert resp.headers["etag"].strip('"') == etag
    assert resp.headers["x-copied-from"] == "c/big"
    head = swift.head("d/twin")
    assert head.headers["x-static-large-object"].lower() == "true"
    assert head.headers["etag"].strip('"') == etag
    assert head.headers["x-object-meta-color"] == "blue"
    assert head.headers["content-type"].startswith("text/x-big")
    source = swift.get("c/big", params={"multipart-manifest": "get", "format": "raw"}).json()
    assert swift.get("d/twin", params={"multipart-manifest": "get", "format": "raw"}).json() == source
    assert swift.get("d/twin").content == WHOLE

    fresh = swift.request(
        "COPY", "c/big", params=query, headers={"Destination": "d/bare", "X-Fresh-Metadata": "true"}
    )
    assert fresh.status_code == 201, fresh.text
    bare = swift.head("d/bare")
    assert bare.headers["x-static-large-object"].lower() == "true"
    assert "x-object-meta-color" not in bare.headers
    assert swift.get("d/bare").content == WHOLE


def test_slo_copy_with_a_missing_segment_stores_nothing(swift: SwiftAccount) -> None:
    make_slo(swift)
    swift.delete("segs/part/00000001")
    resp = swift.put("d/broken", headers={"X-Copy-From": "c/big"})
    assert resp.status_code == 409
    assert swift.head("d/broken").status_code == 404
    swift.delete("segs/part/00000000")
    assert swift.put("d/broken", headers={"X-Copy-From": "c/big"}).status_code == 409
    assert swift.head("d/broken").status_code == 404


def test_dlo_copy_holds_the_data(swift: SwiftAccount) -> None:
    make_dlo(swift)
    whole = b"".join(PARTS)
    resp = swift.request("COPY", "c/movie", headers={"Destination": "d/film"})
    assert resp.status_code == 201, resp.text
    assert resp.headers["etag"].strip('"') == md5(whole)
    got = swift.get("d/film")
    assert got.content == whole
    assert got.headers["etag"].strip('"') == md5(whole)
    assert "x-object-manifest" not in got.headers
    assert got.headers["x-object-meta-kind"] == "film"
    assert got.headers["content-type"].startswith("video/x-a")
    swift.put("segs/movie/003", b"-four")  # the copy does not follow the prefix
    assert swift.get("d/film").content == whole


def test_dlo_manifest_copy(swift: SwiftAccount) -> None:
    make_dlo(swift)
    query = {"multipart-manifest": "get"}
    headers = {"X-Copy-From": "c/movie", "X-Fresh-Metadata": "true"}
    resp = swift.put("d/again", headers=headers, params=query)
    assert resp.status_code == 201, resp.text
    itself = swift.get("d/again", params=query)
    assert itself.content == b""
    assert itself.headers["x-object-manifest"] == "segs/movie/"
    assert "x-object-meta-kind" not in itself.headers
    assert swift.get("d/again").content == b"".join(PARTS)


def test_plain_copy_is_unchanged(swift: SwiftAccount) -> None:
    swift.put("c")
    swift.put("c/plain", b"data", headers={"X-Object-Meta-A": "1"})
    resp = swift.put("c/copy", headers={"X-Copy-From": "c/plain"}, params={"multipart-manifest": "get"})
    assert resp.status_code == 201
    assert resp.headers["x-copied-from"] == "c/plain"
    got = swift.get("c/copy")
    assert (got.content, got.headers["x-object-meta-a"]) == (b"data", "1")
    assert swift.put("c/copy", headers={"X-Copy-From": "nocontainer"}).status_code == 412
    assert swift.put("c/copy", headers={"X-Copy-From": "c/missing"}).status_code == 404


def test_s3_etag_sysmeta_travels_with_a_manifest_copy_only(swift: SwiftAccount, cloud: Cloud) -> None:
    make_slo(swift)
    app = _object_store(cloud).authorized
    parent = {"type": "http", "root_path": "/object-store", "path": "/object-store/"}
    owner = Caller(None, grant="tempurl", grant_account=swift.account)
    base = f"/v1/{swift.account}"

    async def run() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
        mark = {"X-Object-Sysmeta-S3-Etag": "abc-3"}
        post = await subrequest(app, parent, "POST", f"{base}/c/big", headers=mark, caller=owner)
        assert post.status == 202, post.body
        source = await subrequest(app, parent, "HEAD", f"{base}/c/big", caller=owner)
        copy = {"X-Copy-From": "c/big"}
        for name, query in (("flat", ""), ("twin", "multipart-manifest=get")):
            put = await subrequest(
                app, parent, "PUT", f"{base}/d/{name}", query=query, headers=copy, caller=owner
            )
            assert put.status == 201, put.body
        flat = await subrequest(app, parent, "HEAD", f"{base}/d/flat", caller=owner)
        twin = await subrequest(app, parent, "HEAD", f"{base}/d/twin", caller=owner)
        return source.headers, flat.headers, twin.headers

    source, flat, twin = asyncio.run(run())
    assert source["x-object-sysmeta-s3-etag"] == "abc-3"  # the SLO's answer to an internal request
    assert "x-object-sysmeta-s3-etag" not in flat
    assert twin["x-object-sysmeta-s3-etag"] == "abc-3"
    assert "x-object-sysmeta-s3-etag" not in swift.head("d/twin").headers


def test_slo_copy_across_accounts(client: TestClient, admin_token: str, swift: SwiftAccount) -> None:
    """The segments are read in the source's account, as the caller: its read ACLs apply."""
    make_slo(swift)
    alt_token = add_user(client, admin_token, "alt", "alt", "member")
    alt = Swift(client, account_of(client, admin_token, "alt"), alt_token)
    alt.request("PUT", "in")
    source = {"X-Copy-From": "c/big", "X-Copy-From-Account": swift.account}
    assert alt.request("PUT", "in/x", content=b"", headers=source).status_code == 403
    alt_project = find_id(client, admin_token, "projects", "alt")
    swift.post("c", headers={"X-Container-Read": f"{alt_project}:*"})
    assert alt.request("PUT", "in/x", content=b"", headers=source).status_code == 409  # segments unreadable
    assert alt.request("HEAD", "in/x").status_code == 404
    swift.post("segs", headers={"X-Container-Read": f"{alt_project}:*"})
    copied = alt.request("PUT", "in/x", content=b"", headers=source)
    assert copied.status_code == 201, copied.text
    assert copied.headers["X-Copied-From-Account"] == swift.account
    got = alt.request("GET", "in/x")
    assert (got.content, got.headers["ETag"].strip('"')) == (WHOLE, md5(WHOLE))
