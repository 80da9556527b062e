"""Rows of the object tables as the core's records (model.py), and the test of visibility."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Row, or_

from pocketstack.core.objects.changes import NewObject
from pocketstack.core.objects.model import ContainerInfo, ObjectInfo
from pocketstack.store.object_models import ObjectContainer, StoredObject


def visible(now: float) -> ColumnElement[bool]:
    """Not expired: an object whose ``delete_at`` has come is gone for every reader, though
    its row waits for ``expire``."""
    return or_(StoredObject.delete_at.is_(None), StoredObject.delete_at > now)


def is_visible(row: StoredObject, now: float) -> bool:
    return row.delete_at is None or row.delete_at > now


def container_info(row: ObjectContainer) -> ContainerInfo:
    return ContainerInfo(
        project_id=row.project_id,
        name=row.name,
        meta=dict(row.meta or {}),
        object_count=row.object_count,
        bytes_used=row.bytes_used,
        created_at=row.created_at,
        put_timestamp=row.put_timestamp,
        read_acl=row.read_acl,
        write_acl=row.write_acl,
        versions_location=row.versions_location,
        versions_mode=row.versions_mode,
        versions_enabled=bool(row.versions_enabled),
        quota_bytes=row.quota_bytes,
        quota_count=row.quota_count,
        extra=dict(row.extra or {}),
    )


def object_info(row: StoredObject | Row[Any] | NewObject, project_id: str, container: str) -> ObjectInfo:
    """From an ORM row, a Core row of ``object_objects`` (its columns are named as the
    attributes) or what a row was made of."""
    return ObjectInfo(
        project_id=project_id,
        container=container,
        name=row.name,
        size=row.size,
        etag=row.etag,
        content_type=row.content_type,
        meta=dict(row.meta or {}),
        headers=dict(row.headers or {}),
        last_modified=row.last_modified,
        delete_at=row.delete_at,
        data_path=row.data_path,
        version_id=row.version_id,
        slo_manifest=row.slo_manifest,
    )
