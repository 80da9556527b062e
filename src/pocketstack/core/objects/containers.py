"""Containers: their settings (metadata, ACLs, versioning, quotas, kept headers) and life."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from pocketstack.core.errors import BadRequest, Conflict, NotFound, NotImplementedYet
from pocketstack.core.objects.accounts import ensure_account, merge_meta
from pocketstack.core.objects.changes import AccountChange, Quota
from pocketstack.core.objects.model import ContainerInfo
from pocketstack.core.objects.records import container_info
from pocketstack.core.objects.versioning import MODES, STACK
from pocketstack.store.db import Database
from pocketstack.store.object_models import ObjectContainer, StoredObject

PLAIN_FIELDS = ("read_acl", "write_acl", "versions_location", "versions_mode")
QUOTA_FIELDS = ("quota_bytes", "quota_count")
KNOWN = {"meta", "remove_meta", "versions_enabled", "extra", *PLAIN_FIELDS, *QUOTA_FIELDS}


def _check(settings: Mapping[str, object]) -> None:
    unknown = set(settings) - KNOWN
    if unknown:
        raise BadRequest(f"Unknown container settings: {', '.join(sorted(unknown))}.")
    if settings.get("versions_enabled"):
        raise NotImplementedYet(
            "X-Versions-Enabled (object versioning with version ids) is not implemented; "
            "X-Versions-Location and X-History-Location are.",
            code="objects.container.versions_enabled_not_implemented",
        )
    mode = settings.get("versions_mode")
    if mode is not None and mode not in MODES:
        raise BadRequest(
            f"versions_mode must be one of {', '.join(MODES)}.", code="objects.container.invalid"
        )
    for name in QUOTA_FIELDS:
        value = settings.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise BadRequest(
                f"{name} must be a whole number of at least 0.", code="objects.container.invalid"
            )


def apply_settings(row: ObjectContainer, settings: Mapping[str, Any]) -> None:
    """``settings`` as create_container documents them; a None value removes a setting."""
    if "meta" in settings or "remove_meta" in settings:
        row.meta = merge_meta(row.meta or {}, settings.get("meta") or {}, settings.get("remove_meta") or ())
    for name in (*PLAIN_FIELDS, *QUOTA_FIELDS):
        if name in settings:
            setattr(row, name, settings[name])
    if "versions_enabled" in settings:
        row.versions_enabled = bool(settings["versions_enabled"])
    if "extra" in settings:
        given = settings["extra"]
        extra = dict(row.extra or {}) if given is not None else {}
        for key, value in (given or {}).items():
            if value is None or value == "":
                extra.pop(key, None)
            else:
                extra[key] = value
        row.extra = extra
    if not row.versions_location:
        row.versions_location = row.versions_mode = None
    elif row.versions_mode is None:
        row.versions_mode = STACK


def create_container(
    db: Database, project_id: str, name: str, settings: Mapping[str, Any]
) -> tuple[ContainerInfo, bool]:
    _check(settings)
    now = time.time()
    with db.transaction() as s:
        ensure_account(s, project_id, now)
        row = s.scalars(
            select(ObjectContainer).where(
                ObjectContainer.project_id == project_id, ObjectContainer.name == name
            )
        ).first()
        created = row is None
        if row is None:
            row = ObjectContainer(
                project_id=project_id,
                name=name,
                meta={},
                extra={},
                versions_enabled=False,
                object_count=0,
                bytes_used=0,
                created_at=now,
                put_timestamp=now,
            )
            s.add(row)
        row.put_timestamp = now
        apply_settings(row, settings)
        s.flush()
        return container_info(row), created


def update_container(db: Database, project_id: str, name: str, settings: Mapping[str, Any]) -> ContainerInfo:
    _check(settings)
    with db.transaction() as s:
        change = AccountChange.begin(s, project_id, time.time(), Quota())
        row = change.container(name)
        apply_settings(row, settings)
        s.flush()
        return container_info(row)


def read_container(db: Database, project_id: str, name: str) -> ContainerInfo:
    with db.read() as s:
        row = s.scalars(
            select(ObjectContainer).where(
                ObjectContainer.project_id == project_id, ObjectContainer.name == name
            )
        ).first()
        if row is None:
            raise NotFound("container", name, code="objects.container.not_found")
        return container_info(row)


def delete_container(db: Database, project_id: str, name: str) -> list[str]:
    """Conflict when it holds objects (expired ones are reaped first); returns their blobs to
    remove once committed."""
    with db.transaction() as s:
        change = AccountChange.begin(s, project_id, time.time(), Quota())
        row = change.container(name)
        expired = s.scalars(
            select(StoredObject).where(
                StoredObject.container_id == row.id,
                StoredObject.delete_at.is_not(None),
                StoredObject.delete_at <= change.now,
            )
        ).all()
        for obj in expired:
            change.remove(obj)
        change.close()
        if row.object_count > 0:
            raise Conflict(
                f"Container {name} is not empty: delete its objects first.",
                code="objects.container.not_empty",
            )
        s.delete(row)
        return change.garbage
