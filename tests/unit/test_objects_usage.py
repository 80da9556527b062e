"""Usage counts and quotas of object storage, exact under concurrency (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from pocketstack.core.errors import QuotaExceeded
from pocketstack.core.objects.model import ObjectInfo
from pocketstack.core.objects.storage import ObjectStorage
from tests.unit import objects_support as support

make_objects = support.make_objects
objects = support.objects
put = support.put
P = support.P


def usage(objects: ObjectStorage, container: str) -> tuple[int, int]:
    info = objects.container(P, container)
    return info.object_count, info.bytes_used


def blobs(objects: ObjectStorage) -> list[str]:
    return list(objects.blobs.paths())


def test_usage_follows_every_change(objects: ObjectStorage) -> None:
    objects.create_container(P, "c", {})
    objects.create_container(P, "d", {})
    put(objects, "c", "a", b"12345")
    put(objects, "c", "b", b"123")
    assert usage(objects, "c") == (2, 8)
    put(objects, "c", "a", b"1")
    assert usage(objects, "c") == (2, 4)
    source = objects.object(P, "c", "b")
    objects.copy_object(source, P, "d", "b2", content_type=None, meta={}, headers={}, delete_at=None)
    assert usage(objects, "d") == (1, 3)
    objects.delete_object(P, "c", "a")
    assert usage(objects, "c") == (1, 3)
    account = objects.account(P)
    assert (account.container_count, account.object_count, account.bytes_used) == (2, 2, 6)


def test_container_quotas(objects: ObjectStorage) -> None:
    objects.create_container(P, "c", {"quota_bytes": 10, "quota_count": 2})
    put(objects, "c", "a", b"x" * 6)
    with pytest.raises(QuotaExceeded) as raised:
        put(objects, "c", "b", b"x" * 5)
    assert raised.value.code == "objects.container.quota_exceeded"
    put(objects, "c", "a", b"x" * 10)  # an overwrite counts only what it adds
    put(objects, "c", "b", b"")
    with pytest.raises(QuotaExceeded):
        put(objects, "c", "c", b"")
    assert usage(objects, "c") == (2, 10)
    assert len(blobs(objects)) == 2  # the refused uploads left no data


def test_the_announced_size_is_refused_before_the_data(objects: ObjectStorage) -> None:
    objects.create_container(P, "c", {"quota_bytes": 10})
    with pytest.raises(QuotaExceeded):
        objects.begin_put(P, "c", "big", content_type="x", meta={}, headers={}, expected_size=11)
    put(objects, "c", "o", b"x" * 8, expected_size=8)
    objects.begin_put(P, "c", "o", content_type="x", meta={}, headers={}, expected_size=10).abort()
    objects.update_account(P, {}, quota_count=1)
    with pytest.raises(QuotaExceeded) as raised:
        objects.begin_put(P, "c", "new", content_type="x", meta={}, headers={}, expected_size=0)
    assert raised.value.code == "objects.account.quota_exceeded"


def test_account_quotas_span_containers(objects: ObjectStorage) -> None:
    objects.create_container(P, "c", {})
    objects.create_container(P, "d", {})
    objects.update_account(P, {}, quota_bytes=10)
    put(objects, "c", "a", b"x" * 6)
    with pytest.raises(QuotaExceeded) as raised:
        put(objects, "d", "a", b"x" * 5)
    assert raised.value.code == "objects.account.quota_exceeded"
    put(objects, "d", "a", b"x" * 4)
    objects.update_account(P, {}, quota_bytes=None)
    put(objects, "d", "b", b"x" * 100)


def test_a_cloud_wide_default_account_quota(make_objects: Callable[..., ObjectStorage]) -> None:
    objects = make_objects(object_account_quota_count=2)
    objects.create_container(P, "c", {})
    put(objects, "c", "a")
    put(objects, "c", "b")
    with pytest.raises(QuotaExceeded):
        put(objects, "c", "c")
    objects.update_account(P, {}, quota_count=3)  # the account's own quota wins
    put(objects, "c", "c")


def test_copies_count_against_quotas(objects: ObjectStorage) -> None:
    objects.create_container(P, "c", {})
    objects.create_container(P, "d", {"quota_bytes": 5})
    source = put(objects, "c", "a", b"x" * 6)
    with pytest.raises(QuotaExceeded):
        objects.copy_object(source, P, "d", "a", content_type=None, meta={}, headers={}, delete_at=None)
    assert usage(objects, "d") == (0, 0) and len(blobs(objects)) == 1


def test_fifty_concurrent_puts_of_one_name_leave_one_whole_object(objects: ObjectStorage) -> None:
    objects.create_container(P, "c", {})
    bodies = [f"writer {i:02d} ".encode() * (1000 + i) for i in range(50)]
    start = threading.Barrier(50)

    def upload(body: bytes) -> ObjectInfo:
        writer = objects.begin_put(P, "c", "same", content_type="x", meta={}, headers={})
        start.wait()
        for offset in range(0, len(body), 4096):
            writer.write(body[offset : offset + 4096])
        return writer.finish()

    with ThreadPoolExecutor(50) as pool:
        done = list(pool.map(upload, bodies))
    assert len(done) == 50
    final = objects.object(P, "c", "same")
    data = b"".join(objects.open(final))
    assert data in bodies and hashlib.md5(data).hexdigest() == final.etag and len(data) == final.size
    assert usage(objects, "c") == (1, final.size)
    assert blobs(objects) == [final.data_path]
    assert not list((objects.blobs.root / ".partial").iterdir())


def test_concurrent_puts_never_pass_a_quota(objects: ObjectStorage) -> None:
    objects.create_container(P, "c", {"quota_count": 7})
    objects.create_container(P, "d", {})
    objects.update_account(P, {}, quota_bytes=100)

    def upload(i: int) -> bool:
        try:
            put(objects, "c" if i % 2 else "d", f"o{i}", b"x" * 10)
        except QuotaExceeded:
            return False
        return True

    with ThreadPoolExecutor(30) as pool:
        stored = sum(pool.map(upload, range(30)))
    account = objects.account(P)
    assert stored == 10 and (account.object_count, account.bytes_used) == (10, 100)
    assert usage(objects, "c")[0] <= 7
    assert len(blobs(objects)) == 10
