"""pocketstack.sdk's object storage v1 (Swift) proxy against the in-process app."""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from pocketstack.sdk.connection import Connection
from pocketstack.sdk.exceptions import BadRequest, Conflict, NotFound
from pocketstack.sdk.object_store.v1.proxy import ObjectStoreProxy
from pocketstack.sdk.object_store.v1.transfer import ChecksumMismatch, slo_etag
from tests.functional import sdk_support


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def test_container_lifecycle_and_metadata(sdk: Connection) -> None:
    store = sdk.object_store
    assert store.v1 is store
    made = store.create_container("docs", metadata={"Colour": "blue"}, read_ACL=".r:*,.rlistings")
    assert made.name == "docs" and made.count == 0 and made.bytes == 0
    assert made.metadata == {"colour": "blue"}
    assert made.read_ACL == ".r:*,.rlistings"

    store.create_object("docs", "a.txt", data=b"hello")
    listed = {c.name: c for c in store.containers()}
    assert listed["docs"].object_count == 1 and listed["docs"].bytes_used == 5
    assert listed["docs"].last_modified

    updated = store.set_container_metadata("docs", owner="me", write_ACL="demo:*")
    assert updated.metadata == {"colour": "blue", "owner": "me"}
    assert updated.write_ACL == "demo:*"
    store.delete_container_metadata("docs", ["colour", "write_ACL"])
    again = store.get_container_metadata("docs")
    assert again.metadata == {"owner": "me"} and again.write_ACL is None
    assert again.read_ACL == ".r:*,.rlistings" and again["count"] == 1

    with pytest.raises(Conflict) as busy:
        store.delete_container("docs")
    assert busy.value.status_code == 409 and busy.value.request_id
    store.delete_object("a.txt", "docs")
    store.delete_container("docs")
    assert "docs" not in {c.name for c in store.containers()}
    store.delete_container("docs")  # ignore_missing
    with pytest.raises(NotFound):
        store.delete_container("docs", ignore_missing=False)


def test_missing_container_is_not_found_with_the_servers_message(sdk: Connection) -> None:
    with pytest.raises(NotFound) as err:
        sdk.object_store.get_container_metadata("nope")
    assert err.value.status_code == 404 and err.value.method == "HEAD"
    assert err.value.request_id and err.value.request_id.startswith("tx")
    with pytest.raises(NotFound) as listing:
        list(sdk.object_store.objects("nope"))
    assert listing.value.message == "Not Found The resource could not be found."
    assert listing.value.request_id and "/nope" in listing.value.url


def test_account_metadata_round_trip(sdk: Connection) -> None:
    store = sdk.object_store
    store.create_object(store.create_container("acct"), "x", data=b"12345")
    account = store.set_account_metadata(team="blue", budget="10")
    assert account.metadata["team"] == "blue" and account.metadata["budget"] == "10"
    assert account.account_container_count == 1 and account.account_object_count == 1
    assert account.account_bytes_used == 5
    store.delete_account_metadata(["budget"])
    assert store.get_account_metadata().metadata == {"team": "blue"}


def test_objects_from_bytes_and_files(sdk: Connection, tmp_path: Path) -> None:
    store = sdk.object_store
    store.create_container("things")
    obj = store.create_object(
        "things",
        "notes/hello world.txt",
        data="héllo",
        content_type="text/plain",
        metadata={"Kind": "greeting"},
    )
    assert obj.etag == _md5("héllo".encode()) and obj.content_length == len("héllo".encode())
    assert obj.container == "things" and obj.metadata == {"kind": "greeting"}
    assert store.download_object(obj) == "héllo".encode()
    assert store.get_object("notes/hello world.txt", "things", remember_content=True).data == "héllo".encode()

    local = tmp_path / "blob.bin"
    local.write_bytes(os.urandom(300_000))
    sent: list[int] = []
    from_file = store.create_object("things", "blob.bin", filename=local, progress=sent.append)
    assert sum(sent) == 300_000 and from_file.etag == _md5(local.read_bytes())
    head = store.get_object_metadata("blob.bin", "things")
    assert head.content_length == 300_000 and head.etag == from_file.etag
    assert head.content_type == "application/octet-stream" and head.last_modified_at

    assert store.download_object("blob.bin", "things") == local.read_bytes()
    target = tmp_path / "out" / "copy.bin"
    got: list[int] = []
    assert store.download_object(head, path=target, progress=got.append) == target
    assert target.read_bytes() == local.read_bytes() and sum(got) == 300_000
    assert not list(tmp_path.rglob("*.part"))

    listed = {o.name: o for o in store.objects("things")}
    assert set(listed) == {"notes/hello world.txt", "blob.bin"}
    assert listed["blob.bin"].hash == from_file.etag and listed["blob.bin"].bytes == 300_000
    assert listed["notes/hello world.txt"].content_type == "text/plain"

    store.delete_object(listed["blob.bin"])
    with pytest.raises(NotFound):
        store.get_object_metadata("blob.bin", "things")
    store.delete_object("blob.bin", "things")  # ignore_missing
    with pytest.raises(NotFound):
        store.delete_object("blob.bin", "things", ignore_missing=False)


def test_object_metadata_is_merged_not_replaced(sdk: Connection) -> None:
    store = sdk.object_store
    store.create_container("meta")
    store.create_object(
        "meta",
        "doc",
        data=b"x",
        content_type="text/csv",
        content_disposition="attachment",
        metadata={"a": "1"},
    )
    updated = store.set_object_metadata("doc", container="meta", b="2", delete_after=3600)
    assert updated.metadata == {"a": "1", "b": "2"}
    assert updated.content_type == "text/csv" and updated.content_disposition == "attachment"
    assert updated.delete_at is not None
    store.delete_object_metadata("doc", "meta", keys=["a", "delete_at"])
    again = store.get_object_metadata("doc", "meta")
    assert again.metadata == {"b": "2"} and again.delete_at is None
    assert again.content_type == "text/csv" and again.content_disposition == "attachment"
    assert store.download_object("doc", "meta") == b"x"


def test_listings_page_with_small_limits(sdk: Connection, client: TestClient) -> None:
    store = sdk.object_store
    store.create_container("paged")
    names = [f"dir{i % 2}/obj-{i:02d}" for i in range(7)]
    for name in names:
        store.create_object("paged", name, data=name.encode())
    pages: list[str] = []

    def count(request: httpx.Request) -> None:
        if request.method == "GET" and "/paged" in request.url.path:
            pages.append(str(request.url.params.get("marker")))

    client.event_hooks["request"].append(count)
    try:
        assert [o.name for o in store.objects("paged", limit=3)] == sorted(names)
    finally:
        client.event_hooks["request"].remove(count)
    assert len(pages) == 3 and pages[0] == "None" and pages[1] == sorted(names)[2]

    assert [o.name for o in store.objects("paged", prefix="dir1/", limit=2)] == sorted(names[1::2])
    rolled = list(store.objects("paged", delimiter="/", limit=1))
    assert [(o.name, o.subdir) for o in rolled] == [("dir0/", "dir0/"), ("dir1/", "dir1/")]
    for i in range(3):
        store.create_container(f"paged-{i}")
    assert [c.name for c in store.containers(prefix="paged-", limit=1)] == ["paged-0", "paged-1", "paged-2"]


def test_a_wrong_etag_is_refused(sdk: Connection) -> None:
    store = sdk.object_store
    store.create_container("checked")
    with pytest.raises(BadRequest) as err:
        store.create_object("checked", "bad", data=b"payload", etag=_md5(b"something else"))
    assert err.value.status_code == 422 and err.value.request_id and err.value.method == "PUT"
    with pytest.raises(NotFound):
        store.get_object_metadata("bad", "checked")


def test_large_file_becomes_a_static_large_object(sdk: Connection, tmp_path: Path) -> None:
    store = sdk.object_store
    store.create_container("big")
    local = tmp_path / "big.bin"
    data = os.urandom(10_000)
    local.write_bytes(data)
    sent: list[int] = []
    made = store.create_object("big", "big.bin", filename=local, segment_size=4096, progress=sent.append)
    assert made.is_static_large_object and sum(sent) == 10_000
    parts = [data[i : i + 4096] for i in range(0, 10_000, 4096)]
    assert made.etag == slo_etag(_md5(p) for p in parts)
    segments = list(store.objects("big_segments"))
    assert [s.content_length for s in segments] == [4096, 4096, 1808]
    assert all(s.name and s.name.startswith("big.bin/slo/") for s in segments)
    head = store.get_object_metadata("big.bin", "big")
    assert head.is_static_large_object and head.content_length == 10_000
    assert store.download_object("big.bin", "big") == data
    store.delete_object("big.bin", "big")
    assert list(store.objects("big")) == [] and list(store.objects("big_segments")) == []


def _tree(root: Path) -> dict[str, bytes]:
    files = {
        "top.txt": b"top level",
        "empty.dat": b"",
        "a/b/c/deep.txt": b"deep" * 10,
        "a/sibling.bin": os.urandom(2048),
        "media/huge.bin": os.urandom(20_000),
        "media/with space & ünï.txt": b"odd name",
    }
    for rel, content in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(content)
    return files


def test_upload_and_download_a_directory(sdk: Connection, tmp_path: Path) -> None:
    store = sdk.object_store
    files = _tree(tmp_path / "src")
    total = sum(len(v) for v in files.values())
    seen: list[tuple[int, int]] = []
    uploaded = store.upload_directory(
        "tree",
        tmp_path / "src",
        prefix="backup/",
        segment_size=8192,
        concurrency=3,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert sorted(o.name or "" for o in uploaded) == sorted(f"backup/{k}" for k in files)
    assert seen[-1] == (total, total) and max(d for d, _ in seen) == total
    large = {o.name for o in uploaded if o.is_static_large_object}
    assert large == {"backup/media/huge.bin"}
    assert store.get_object_metadata("backup/media/huge.bin", "tree").is_static_large_object
    assert store.get_object_metadata("backup/empty.dat", "tree").content_length == 0

    got: list[tuple[int, int]] = []
    out = tmp_path / "dst"
    written = store.download_directory(
        "tree", out, prefix="backup/", concurrency=2, progress=lambda d, t: got.append((d, t))
    )
    assert sorted(p.relative_to(out).as_posix() for p in written) == sorted(files)
    for rel, content in files.items():
        assert (out / rel).read_bytes() == content
    assert got[-1] == (total, total)
    assert not list(out.rglob("*.part"))


def test_a_large_object_of_another_size_than_listed_is_refused(sdk: Connection, tmp_path: Path) -> None:
    store = sdk.object_store
    store.create_container("verify")
    local = tmp_path / "slo.bin"
    local.write_bytes(os.urandom(3000))
    store.create_object("verify", "slo.bin", filename=local, segment_size=1024)
    listed = next(iter(store.objects("verify")))
    assert listed.content_length == 3000 and listed.etag != _md5(local.read_bytes())
    assert store.download_object(listed, path=tmp_path / "ok.bin") == tmp_path / "ok.bin"
    assert (tmp_path / "ok.bin").read_bytes() == local.read_bytes()

    listed.content_length = 2999  # as if the listing had said so
    with pytest.raises(ChecksumMismatch) as err:
        store.download_object(listed, path=tmp_path / "bad.bin")
    assert (err.value.expected, err.value.actual) == (2999, 3000)
    assert not (tmp_path / "bad.bin").exists() and not list(tmp_path.glob("*.part"))


def test_async_smoke(client: TestClient, tmp_path: Path) -> None:
    async def main() -> tuple[bytes, list[str]]:
        async with sdk_support.async_connect(client) as conn:
            store = conn.object_store
            assert store.v1 is store
            await store.create_container("async")
            await store.create_object("async", "one", data=b"1")
            local = tmp_path / "two.bin"
            local.write_bytes(os.urandom(5000))
            await store.create_object("async", "two", filename=local, segment_size=2048)
            names = [o.name or "" async for o in store.objects("async", limit=1)]
            return await store.download_object("two", "async"), names

    data, names = asyncio.run(main())
    assert data == (tmp_path / "two.bin").read_bytes() and names == ["one", "two"]


def test_proxy_names_match() -> None:
    from pocketstack.sdk.object_store.v1.proxy import AsyncObjectStoreProxy
    from pocketstack.sdk.proxy import plan_names

    assert plan_names(ObjectStoreProxy) == plan_names(AsyncObjectStoreProxy)
