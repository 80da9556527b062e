"""ObjectStorage on a real database (SQLite and PostgreSQL): accounts, containers and objects
made, read, changed and deleted, and Swift's listings in byte order."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pocketstack.core.errors import BadRequest, Conflict, NotFound, NotImplementedYet
from pocketstack.core.objects.model import ListQuery, ObjectInfo, Subdir
from pocketstack.core.objects.storage import ObjectStorage
from tests.unit import objects_support as support

make_objects = support.make_objects
objects = support.objects
put = support.put
P = support.P


def read(objects: ObjectStorage, container: str, name: str) -> bytes:
    return b"".join(objects.open(objects.object(P, container, name)))


def names(entries: list[ObjectInfo | Subdir]) -> list[str]:
    return [e.subdir if isinstance(e, Subdir) else e.name for e in entries]


def test_an_account_reads_empty_before_its_first_write(objects: ObjectStorage) -> None:
    account = objects.account(P)
    assert (account.container_count, account.object_count, account.bytes_used, account.meta) == (0, 0, 0, {})
    assert objects.list_containers(P, ListQuery()) == []


def test_account_metadata_and_quotas(objects: ObjectStorage) -> None:
    account = objects.update_account(P, {"Color": "blue", "size": "L"}, quota_bytes=100)
    assert account.meta == {"color": "blue", "size": "L"} and account.quota_bytes == 100
    account = objects.update_account(P, {"color": ""}, ["size"], quota_count=3)
    assert account.meta == {} and (account.quota_bytes, account.quota_count) == (100, 3)
    account = objects.update_account(P, {}, quota_bytes=None)
    assert (account.quota_bytes, account.quota_count) == (None, 3)
    with pytest.raises(BadRequest):
        objects.update_account(P, {}, quota_bytes=-1)


def test_container_create_update_read_delete(objects: ObjectStorage) -> None:
    info, created = objects.create_container(P, "c", {"meta": {"a": "1"}, "read_acl": ".r:*"})
    assert created and info.meta == {"a": "1"} and info.read_acl == ".r:*"
    info, created = objects.create_container(P, "c", {"meta": {"b": "2"}})
    assert not created and info.meta == {"a": "1", "b": "2"} and info.read_acl == ".r:*"
    info = objects.update_container(
        P, "c", {"remove_meta": ["a"], "read_acl": None, "extra": {"sync-key": "k"}}
    )
    assert info.meta == {"b": "2"} and info.read_acl is None and info.extra == {"sync-key": "k"}
    info = objects.update_container(P, "c", {"versions_location": "old", "quota_bytes": 10})
    assert (info.versions_location, info.versions_mode, info.quota_bytes) == ("old", "stack", 10)
    assert objects.container(P, "c") == info
    assert objects.account(P).container_count == 1
    objects.delete_container(P, "c")
    with pytest.raises(NotFound):
        objects.container(P, "c")
    with pytest.raises(NotFound):
        objects.update_container(P, "c", {})
    with pytest.raises(NotFound):
        objects.delete_container(P, "c")


def test_container_settings_are_checked(objects: ObjectStorage) -> None:
    with pytest.raises(BadRequest):
        objects.create_container(P, "c", {"colour": "red"})
    with pytest.raises(BadRequest):
        objects.create_container(P, "c", {"versions_location": "v", "versions_mode": "sideways"})
    with pytest.raises(NotImplementedYet, match="X-Versions-Enabled"):
        objects.create_container(P, "c", {"versions_enabled": True})


def test_object_put_read_update_delete(objects: ObjectStorage) -> None:
    objects.create_container(P, "c", {})
    info = put(objects, "c", "hello.txt", b"hello", content_type="text/plain", meta={"k": "v"})
    assert (info.size, info.etag, info.content_type, info.meta) == (
        5,
        hashlib.md5(b"hello").hexdigest(),
        "text/plain",
        {"k": "v"},
    )
    assert objects.object(P, "c", "hello.txt") == info
    assert read(objects, "c", "hello.txt") == b"hello"
    assert b"".join(objects.open(info, 1, 3)) == b"ell"
    assert b"".join(objects.open(info, 3)) == b"lo"
    reader = objects.open(info)
    assert reader.source_path is not None and Path(reader.source_path).read_bytes() == b"hello"
    reader.close()
    updated = objects.update_object(
        P,
        "c",
        "hello.txt",
        meta={"n": "1"},
        headers={"Content-Disposition": "inline"},
        delete_at=None,
        content_type="text/x-greeting",
    )
    assert updated.meta == {"n": "1"} and updated.headers == {"Content-Disposition": "inline"}
    assert updated.content_type == "text/x-greeting" and updated.last_modified >= info.last_modified
    assert updated.etag == info.etag and read(objects, "c", "hello.txt") == b"hello"
    with pytest.raises(Conflict):
        objects.delete_container(P, "c")
    assert objects.delete_object(P, "c", "hello.txt").name == "hello.txt"
    with pytest.raises(NotFound):
        objects.object(P, "c", "hello.txt")
    with pytest.raises(NotFound):
        objects.delete_object(P, "c", "hello.txt")
    with pytest.raises(NotFound):
        objects.update_object(P, "c", "hello.txt", meta={}, headers={}, delete_at=None)
    objects.delete_container(P, "c")


def test_an_overwrite_replaces_the_object(objects: ObjectStorage) -> None:
    objects.create_container(P, "c", {})
    put(objects, "c", "o", b"first", meta={"a": "1"})
    second = put(objects, "c", "o", b"second!")
    assert read(objects, "c", "o") == b"second!" and second.meta == {}
    assert (objects.container(P, "c").object_count, objects.container(P, "c").bytes_used) == (1, 7)


def test_put_into_a_missing_container(objects: ObjectStorage) -> None:
    with pytest.raises(NotFound):
        objects.begin_put(P, "nope", "o", content_type="x", meta={}, headers={})
    objects.create_container(P, "c", {})
    writer = objects.begin_put(P, "c", "o", content_type="x", meta={}, headers={})
    writer.write(b"data")
    objects.delete_container(P, "c")
    with pytest.raises(NotFound):
        writer.finish()


def test_containers_belong_to_their_project(objects: ObjectStorage) -> None:
    objects.create_container(P, "c", {})
    objects.create_container("project-b", "c", {"meta": {"other": "yes"}})
    put(objects, "c", "o", b"mine")
    assert objects.container("project-b", "c").object_count == 0
    with pytest.raises(NotFound):
        objects.object("project-b", "c", "o")
    assert names(objects.list_containers("project-b", ListQuery())) == ["c"]


def test_copy_shares_the_data_and_merges_metadata(objects: ObjectStorage) -> None:
    objects.create_container(P, "c", {})
    objects.create_container(P, "d", {})
    source = put(
        objects, "c", "src", b"payload", meta={"a": "1", "b": "2"}, headers={"Content-Encoding": "gzip"}
    )
    copy = objects.copy_object(
        source, P, "d", "dst", content_type=None, meta={"b": "3"}, headers={}, delete_at=None
    )
    assert (copy.etag, copy.size, copy.content_type) == (source.etag, source.size, source.content_type)
    assert copy.meta == {"a": "1", "b": "3"} and copy.headers == {"Content-Encoding": "gzip"}
    assert copy.data_path != source.data_path
    root = objects.blobs.root
    assert (root / copy.data_path).stat().st_ino == (root / source.data_path).stat().st_ino
    fresh = objects.copy_object(
        source,
        P,
        "d",
        "fresh",
        content_type="text/plain",
        meta={"z": "9"},
        headers={},
        delete_at=None,
        fresh_metadata=True,
    )
    assert fresh.meta == {"z": "9"} and fresh.headers == {} and fresh.content_type == "text/plain"
    objects.delete_object(P, "c", "src")
    assert read(objects, "d", "dst") == b"payload" == read(objects, "d", "fresh")
    assert objects.account(P).bytes_used == 14


def test_a_reader_outlives_a_delete(objects: ObjectStorage) -> None:
    objects.create_container(P, "c", {})
    info = put(objects, "c", "o", b"x" * 100)
    reader = objects.open(info)
    objects.delete_object(P, "c", "o")
    assert b"".join(reader) == b"x" * 100
    with pytest.raises(NotFound):
        objects.open(info)


# -- listings -------------------------------------------------------------------------------------
NAMES = ["a", "a/b", "a/b/c", "a/d", "a-z", "b", "b/", "b/x", "c", "é", "z", "\U0001f600", "ｚ"]


@pytest.fixture
def listed(objects: ObjectStorage) -> ObjectStorage:
    objects.create_container(P, "c", {})
    for name in NAMES:
        put(objects, "c", name, name.encode())
    return objects


def listing(objects: ObjectStorage, **query: object) -> list[str]:
    return names(objects.list_objects(P, "c", ListQuery(**query)))  # type: ignore[arg-type]


def test_listing_is_in_utf8_byte_order(listed: ObjectStorage) -> None:
    expected = sorted(NAMES, key=lambda n: n.encode())
    assert listing(listed) == expected
    assert listing(listed, reverse=True) == expected[::-1]
    # U+FF5A sorts before U+1F600 as UTF-8 bytes (EF.. < F0..), as it does by code point.
    assert expected[-2:] == ["ｚ", "\U0001f600"]


def test_listing_markers_limit_and_prefix(listed: ObjectStorage) -> None:
    assert listing(listed, marker="b", limit=3) == ["b/", "b/x", "c"]
    assert listing(listed, marker="a/b/c", end_marker="b/x") == ["a/d", "b", "b/"]
    assert listing(listed, prefix="a/") == ["a/b", "a/b/c", "a/d"]
    assert listing(listed, prefix="a/", marker="a/b") == ["a/b/c", "a/d"]
    assert listing(listed, prefix="a/", marker="0") == ["a/b", "a/b/c", "a/d"]
    assert listing(listed, prefix="é") == ["é"]
    assert listing(listed, prefix="nothing") == []
    assert listing(listed, limit=0) == []


def test_listing_reverse_swaps_the_markers(listed: ObjectStorage) -> None:
    assert listing(listed, reverse=True, marker="b/x", end_marker="a/d") == ["b/", "b"]
    assert listing(listed, reverse=True, prefix="a/", limit=2) == ["a/d", "a/b/c"]


def test_listing_rolls_up_by_delimiter(listed: ObjectStorage) -> None:
    assert listing(listed, delimiter="/") == [
        "a",
        "a-z",
        "a/",
        "b",
        "b/",
        "c",
        "z",
        "é",
        "ｚ",
        "\U0001f600",
    ]
    assert listing(listed, delimiter="/", prefix="a/") == ["a/b", "a/b/", "a/d"]
    assert listing(listed, delimiter="/", limit=3) == ["a", "a-z", "a/"]
    assert listing(listed, delimiter="/", marker="a/") == ["b", "b/", "c", "z", "é", "ｚ", "\U0001f600"]
    assert listing(listed, delimiter="/", reverse=True, limit=6) == ["\U0001f600", "ｚ", "é", "z", "c", "b/"]
    assert listing(listed, delimiter="/", reverse=True, marker="b") == ["a/", "a-z", "a"]
    assert listing(listed, delimiter="-") == [
        "a",
        "a-",
        "a/b",
        "a/b/c",
        "a/d",
        "b",
        "b/",
        "b/x",
        "c",
        "z",
        "é",
        "ｚ",
        "\U0001f600",
    ]


def test_listing_containers(objects: ObjectStorage) -> None:
    for name in ["logs-2024", "logs-2025", "photos", "ä"]:
        objects.create_container(P, name, {})
    put(objects, "photos", "p", b"123")
    found = objects.list_containers(P, ListQuery(delimiter="-"))
    assert names(found) == ["logs-", "photos", "ä"]
    photos = found[1]
    assert not isinstance(photos, Subdir) and (photos.object_count, photos.bytes_used) == (1, 3)
    assert names(objects.list_containers(P, ListQuery(prefix="logs", reverse=True))) == [
        "logs-2025",
        "logs-2024",
    ]
    assert names(objects.list_containers(P, ListQuery(marker="logs-2025"))) == ["photos", "ä"]


def test_listing_a_missing_container(objects: ObjectStorage) -> None:
    with pytest.raises(NotFound):
        objects.list_objects(P, "nope", ListQuery())
