"""The object core on a fresh database, and a one-call PUT, for the object storage unit tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pocketstack.config import Settings
from pocketstack.core.objects.build import build_object_service
from pocketstack.core.objects.model import ObjectInfo
from pocketstack.core.objects.storage import ObjectStorage
from pocketstack.store.db import Database, make_engine
from pocketstack.store.migrate import upgrade_if_needed

P = "project-a"


def build_objects(db: Database, data_dir: Path, **settings: object) -> ObjectStorage:
    service = build_object_service(Settings(data_dir=data_dir, **settings), db)  # type: ignore[arg-type]
    assert isinstance(service, ObjectStorage)
    return service


@pytest.fixture
def make_objects(database_url: str, tmp_path: Path) -> Iterator[Callable[..., ObjectStorage]]:
    """Object services (with the given settings) over one migrated database."""
    engine = make_engine(database_url)
    upgrade_if_needed(engine)
    db = Database(engine)
    yield lambda **settings: build_objects(db, tmp_path, **settings)
    engine.dispose()


@pytest.fixture
def objects(make_objects: Callable[..., ObjectStorage]) -> ObjectStorage:
    return make_objects()


def put(
    objects: ObjectStorage, container: str, name: str, data: bytes = b"", *, project: str = P, **kw: object
) -> ObjectInfo:
    """Store ``data`` as ``name`` in one write (text/plain, no metadata unless given)."""
    kw.setdefault("content_type", "text/plain")
    kw.setdefault("meta", {})
    kw.setdefault("headers", {})
    writer = objects.begin_put(project, container, name, **kw)  # type: ignore[arg-type]
    writer.write(data)
    return writer.finish()
