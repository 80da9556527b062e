"""Swift's container versioning in the core: X-Versions-Location (stack) and
X-History-Location (history), on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from pocketstack.core.errors import NotFound
from pocketstack.core.objects.errors import PreconditionFailed
from pocketstack.core.objects.model import ListQuery, ObjectInfo, Subdir
from pocketstack.core.objects.storage import ObjectStorage
from pocketstack.core.objects.versioning import DELETE_MARKER_TYPE, archive_name
from tests.unit import objects_support as support

make_objects = support.make_objects
objects = support.objects
put = support.put
P = support.P


def read(objects: ObjectStorage, container: str, name: str) -> bytes:
    return b"".join(objects.open(objects.object(P, container, name)))


def archived(objects: ObjectStorage, container: str = "v") -> list[ObjectInfo]:
    found = objects.list_objects(P, container, ListQuery())
    return [entry for entry in found if not isinstance(entry, Subdir)]


def test_archive_names_count_the_name_in_utf8_bytes() -> None:
    assert archive_name("o", 1700000000.5) == "001o/1700000000.50000"
    assert archive_name("é", 12.0) == "002é/0000000012.00000"


def test_stack_keeps_overwritten_versions_and_pops_them_on_delete(objects: ObjectStorage) -> None:
    objects.create_container(P, "v", {})
    objects.create_container(P, "c", {"versions_location": "v"})
    first = put(objects, "c", "o", b"one")
    put(objects, "c", "o", b"two")
    put(objects, "c", "o", b"three")
    versions = archived(objects)
    assert [v.name for v in versions] == [archive_name("o", first.last_modified), versions[1].name]
    assert [b"".join(objects.open(v)) for v in versions] == [b"one", b"two"]
    assert versions[0].etag == first.etag and versions[0].content_type == "text/plain"
    assert objects.account(P).object_count == 3 and objects.account(P).bytes_used == 11
    assert objects.delete_object(P, "c", "o").etag != first.etag
    assert read(objects, "c", "o") == b"two"
    objects.delete_object(P, "c", "o")
    assert read(objects, "c", "o") == b"one" and archived(objects) == []
    objects.delete_object(P, "c", "o")
    with pytest.raises(NotFound):
        objects.object(P, "c", "o")
    with pytest.raises(NotFound):
        objects.delete_object(P, "c", "o")
    assert objects.account(P).object_count == 0 and list(objects.blobs.paths()) == []


def test_stack_versions_of_similar_names_stay_apart(objects: ObjectStorage) -> None:
    objects.create_container(P, "v", {})
    objects.create_container(P, "c", {"versions_location": "v", "versions_mode": "stack"})
    for name in ("a", "a/b", "ab"):
        put(objects, "c", name, name.encode() + b"1")
        put(objects, "c", name, name.encode() + b"2")
    objects.delete_object(P, "c", "a")
    assert read(objects, "c", "a") == b"a1" and read(objects, "c", "ab") == b"ab2"
    assert read(objects, "c", "a/b") == b"a/b2"


def test_history_archives_on_overwrite_and_delete(objects: ObjectStorage) -> None:
    objects.create_container(P, "v", {})
    objects.create_container(P, "c", {"versions_location": "v", "versions_mode": "history"})
    put(objects, "c", "o", b"one")
    put(objects, "c", "o", b"two")
    objects.delete_object(P, "c", "o")
    with pytest.raises(NotFound):
        objects.object(P, "c", "o")
    versions = archived(objects)
    assert [v.content_type for v in versions] == ["text/plain", "text/plain", DELETE_MARKER_TYPE]
    assert [b"".join(objects.open(v)) for v in versions] == [b"one", b"two", b""]
    assert all(v.name.startswith("001o/") for v in versions)
    with pytest.raises(NotFound):
        objects.delete_object(P, "c", "o")
    put(objects, "c", "o", b"again")
    assert read(objects, "c", "o") == b"again" and len(archived(objects)) == 3


def test_a_missing_archive_container_fails_the_overwrite(objects: ObjectStorage) -> None:
    objects.create_container(P, "c", {"versions_location": "gone"})
    put(objects, "c", "o", b"one")
    with pytest.raises(PreconditionFailed) as raised:
        put(objects, "c", "o", b"two")
    assert raised.value.status == 412 and read(objects, "c", "o") == b"one"
    assert len(list(objects.blobs.paths())) == 1
    objects.delete_object(P, "c", "o")  # nothing to archive in stack mode: a plain delete
    assert list(objects.blobs.paths()) == []
    objects.update_container(P, "c", {"versions_mode": "history"})
    put(objects, "c", "o", b"one")
    with pytest.raises(PreconditionFailed):
        objects.delete_object(P, "c", "o")
    assert read(objects, "c", "o") == b"one"


def test_turning_versioning_off(objects: ObjectStorage) -> None:
    objects.create_container(P, "v", {})
    objects.create_container(P, "c", {"versions_location": "v"})
    put(objects, "c", "o", b"one")
    put(objects, "c", "o", b"two")
    info = objects.update_container(P, "c", {"versions_location": None})
    assert (info.versions_location, info.versions_mode) == (None, None)
    put(objects, "c", "o", b"three")
    objects.delete_object(P, "c", "o")
    with pytest.raises(NotFound):
        objects.object(P, "c", "o")
    assert len(archived(objects)) == 1


def test_concurrent_overwrites_keep_every_version(objects: ObjectStorage) -> None:
    objects.create_container(P, "v", {})
    objects.create_container(P, "c", {"versions_location": "v"})
    bodies = [f"version {i}".encode() for i in range(20)]
    with ThreadPoolExecutor(20) as pool:
        list(pool.map(lambda body: put(objects, "c", "o", body), bodies))
    kept = [b"".join(objects.open(v)) for v in archived(objects)] + [read(objects, "c", "o")]
    assert sorted(kept) == sorted(bodies)
    account = objects.account(P)
    assert (account.object_count, account.bytes_used) == (20, sum(map(len, bodies)))
    assert len(list(objects.blobs.paths())) == 20


def test_a_version_never_takes_another_ones_name(objects: ObjectStorage) -> None:
    objects.create_container(P, "v", {})
    objects.create_container(P, "c", {"versions_location": "v"})
    first = put(objects, "c", "o", b"one")
    squatter = put(objects, "v", archive_name("o", first.last_modified), b"squatter")
    put(objects, "c", "o", b"two")
    names = [v.name for v in archived(objects)]
    assert len(names) == 2 and squatter.name in names
    assert read(objects, "v", squatter.name) == b"squatter"
