"""Object data on disk: nothing of a failed, aborted or interrupted upload stays visible or on
disk; the start-up sweep removes what a crash left; expired objects vanish and are deleted."""

from __future__ import annotations

import gc
import hashlib
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pocketstack.cloud import build_cloud
from pocketstack.config import Settings
from pocketstack.core.errors import BadRequest, NotFound
from pocketstack.core.objects.errors import Unprocessable
from pocketstack.core.objects.model import ListQuery, ObjectInfo
from pocketstack.core.objects.storage import ObjectStorage
from pocketstack.core.objects.sweep import sweep_object_data
from tests.unit import objects_support as support

make_objects = support.make_objects
P = support.P


@pytest.fixture
def objects(make_objects: Callable[..., ObjectStorage]) -> ObjectStorage:
    made = make_objects()
    made.create_container(P, "c", {})
    return made


def put(objects: ObjectStorage, name: str, data: bytes = b"", **kw: object) -> ObjectInfo:
    return support.put(objects, "c", name, data, **kw)


def files(objects: ObjectStorage) -> list[Path]:
    return sorted(p for p in objects.blobs.root.rglob("*") if p.is_file())


def test_etag_mismatch_stores_nothing(objects: ObjectStorage) -> None:
    with pytest.raises(Unprocessable) as raised:
        put(objects, "o", b"data", expected_etag=hashlib.md5(b"other").hexdigest())
    assert (raised.value.status, raised.value.code) == (422, "objects.object.etag_mismatch")
    with pytest.raises(NotFound):
        objects.object(P, "c", "o")
    assert files(objects) == [] and objects.container(P, "c").object_count == 0
    good = put(objects, "o", b"data", expected_etag=f'"{hashlib.md5(b"data").hexdigest().upper()}"')
    assert good.etag == hashlib.md5(b"data").hexdigest()


def test_a_short_body_stores_nothing(objects: ObjectStorage) -> None:
    with pytest.raises(BadRequest) as raised:
        put(objects, "o", b"data", expected_size=10)
    assert raised.value.code == "objects.object.incomplete" and files(objects) == []


def test_an_aborted_upload_leaves_no_file(objects: ObjectStorage) -> None:
    writer = objects.begin_put(P, "c", "o", content_type="x", meta={}, headers={})
    writer.write(b"half of it")
    assert len(files(objects)) == 1  # the temporary file
    writer.abort()
    writer.abort()
    assert files(objects) == []
    with pytest.raises(ValueError):
        writer.write(b"more")
    with pytest.raises(ValueError):
        writer.finish()
    with pytest.raises(NotFound):
        objects.object(P, "c", "o")


def test_a_forgotten_upload_leaves_no_file(objects: ObjectStorage) -> None:
    writer = objects.begin_put(P, "c", "o", content_type="x", meta={}, headers={})
    writer.write(b"never finished")
    del writer
    gc.collect()
    assert files(objects) == []


def test_overwrites_and_deletes_remove_the_old_data(objects: ObjectStorage) -> None:
    put(objects, "o", b"one")
    second = put(objects, "o", b"two")
    assert [p.relative_to(objects.blobs.root).as_posix() for p in files(objects)] == [second.data_path]
    objects.delete_object(P, "c", "o")
    assert files(objects) == []


def test_manifest_overrides(objects: ObjectStorage) -> None:
    manifest = [{"name": "/c/seg1", "hash": "abc", "bytes": 5}]
    info = put(
        objects, "big", b"[manifest]", slo_manifest=manifest, etag_override='"slo-etag"', size_override=5
    )
    assert (info.etag, info.size, info.slo_manifest) == ('"slo-etag"', 5, manifest)
    assert objects.object(P, "c", "big").slo_manifest == manifest
    assert b"".join(objects.open(info)) == b"[manifest]"


def test_the_sweep_removes_orphans_and_temporary_files(objects: ObjectStorage) -> None:
    kept = put(objects, "kept", b"kept")
    orphan = objects.blobs.writer()
    orphan.write(b"renamed into place, its row never committed")
    orphan_path = orphan.commit()
    partial = objects.blobs.writer()
    partial.write(b"cut short")
    report = sweep_object_data(objects.db, objects.blobs)
    assert report.orphans == [orphan_path] and len(report.partials) == 1
    assert [p.relative_to(objects.blobs.root).as_posix() for p in files(objects)] == [kept.data_path]
    assert b"".join(objects.open(objects.object(P, "c", "kept"))) == b"kept"


def test_an_upload_cut_by_a_crash_leaves_nothing_after_a_restart(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    cloud = build_cloud(settings)
    cloud.objects.create_container(P, "c", {})
    cloud.close()
    cloud.db.engine.dispose()
    crash = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from pocketstack.cloud import build_cloud
        from pocketstack.config import Settings
        cloud = build_cloud(Settings(data_dir=Path({str(settings.data_dir)!r})))
        writer = cloud.objects.begin_put({P!r}, "c", "o", content_type="x", meta={{}}, headers={{}})
        writer.write(b"x" * 100000)
        orphan = cloud.objects.blobs.writer()
        orphan.write(b"y")
        orphan.commit()
        os._exit(9)
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    assert subprocess.run([sys.executable, "-c", crash], env=env, timeout=120).returncode == 9
    assert len([p for p in (settings.data_dir / "objects").rglob("*") if p.is_file()]) == 2
    cloud = build_cloud(settings)
    try:
        assert [p for p in (settings.data_dir / "objects").rglob("*") if p.is_file()] == []
        with pytest.raises(NotFound):
            cloud.objects.object(P, "c", "o")
    finally:
        cloud.close()
        cloud.db.engine.dispose()


def test_expired_objects_are_invisible_then_deleted(objects: ObjectStorage) -> None:
    now = time.time()
    put(objects, "soon", b"12345", delete_at=int(now) + 1000)
    put(objects, "past", b"123", delete_at=int(now) - 1)
    put(objects, "stays", b"1")
    with pytest.raises(NotFound):
        objects.object(P, "c", "past")
    assert [o.name for o in objects.list_objects(P, "c", ListQuery())] == ["soon", "stays"]  # type: ignore[union-attr]
    with pytest.raises(NotFound):
        objects.update_object(P, "c", "past", meta={}, headers={}, delete_at=None)
    assert objects.expire(now) == 1
    assert objects.container(P, "c").object_count == 2 and len(files(objects)) == 2
    assert objects.expire(now + 2000) == 1
    assert objects.container(P, "c").bytes_used == 1 and len(files(objects)) == 1
    assert objects.expire(now + 2000) == 0


def test_an_expired_object_does_not_keep_its_container(objects: ObjectStorage) -> None:
    put(objects, "past", b"123", delete_at=int(time.time()) - 1)
    objects.delete_container(P, "c")
    assert files(objects) == []


def test_a_post_can_set_and_clear_delete_at(objects: ObjectStorage) -> None:
    put(objects, "o", b"1")
    objects.update_object(P, "c", "o", meta={}, headers={}, delete_at=int(time.time()) - 1)
    with pytest.raises(NotFound):
        objects.object(P, "c", "o")
    put(objects, "o", b"2")
    assert objects.object(P, "c", "o").delete_at is None


def test_the_cloud_deletes_expired_objects_periodically(tmp_path: Path) -> None:
    cloud = build_cloud(Settings(data_dir=tmp_path / "data", object_expiry_interval=1))
    try:
        cloud.objects.create_container(P, "c", {})
        writer = cloud.objects.begin_put(
            P, "c", "o", content_type="x", meta={}, headers={}, delete_at=int(time.time()) + 1
        )
        writer.write(b"short-lived")
        writer.finish()
        for _ in range(100):
            if cloud.objects.container(P, "c").object_count == 0:
                break
            time.sleep(0.1)
        assert cloud.objects.container(P, "c").object_count == 0
        assert not [p for p in (tmp_path / "data" / "objects").rglob("*") if p.is_file()]
    finally:
        cloud.close()
        cloud.db.engine.dispose()
