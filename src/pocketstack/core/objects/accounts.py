"""Accounts: one per project, read as empty until its first write made its row."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest
from pocketstack.core.objects.changes import account_usage, lock_account
from pocketstack.core.objects.listing import Bounds, walk
from pocketstack.core.objects.model import AccountInfo, ContainerInfo, ListQuery, Subdir
from pocketstack.core.objects.records import container_info
from pocketstack.store.db import Database
from pocketstack.store.object_models import ObjectAccount, ObjectContainer

KEEP = "keep"


def ensure_account(s: Session, project_id: str, now: float) -> ObjectAccount:
    """The account's row, made (and locked) when it has none yet."""
    row = lock_account(s, project_id)
    if row is not None:
        return row
    try:
        with s.begin_nested():
            s.add(ObjectAccount(project_id=project_id, meta={}, created_at=now))
    except IntegrityError:
        pass  # another transaction made it meanwhile
    row = lock_account(s, project_id)
    assert row is not None
    return row


def read_account(db: Database, project_id: str) -> AccountInfo:
    with db.read() as s:
        row = s.get(ObjectAccount, project_id)
        objects, used = account_usage(s, project_id)
        containers = s.scalar(
            select(func.count()).select_from(ObjectContainer).where(ObjectContainer.project_id == project_id)
        )
        return _info(project_id, row, containers or 0, objects, used)


def _info(
    project_id: str, row: ObjectAccount | None, containers: int, objects: int, used: int
) -> AccountInfo:
    return AccountInfo(
        project_id=project_id,
        meta=dict(row.meta or {}) if row else {},
        container_count=containers,
        object_count=objects,
        bytes_used=used,
        created_at=row.created_at if row else time.time(),
        quota_bytes=row.quota_bytes if row else None,
        quota_count=row.quota_count if row else None,
    )


def _quota(value: int | None | str, current: int | None, what: str) -> int | None:
    if value == KEEP:
        return current
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadRequest(
            f"{what} must be a whole number of at least 0.", code="objects.account.invalid_quota"
        )
    return value


def merge_meta(
    current: Mapping[str, str], set_meta: Mapping[str, str], remove: Sequence[str]
) -> dict[str, str]:
    """Swift's metadata update: given names are set, an empty value or a removal drops one."""
    meta = dict(current)
    for key, value in set_meta.items():
        if value == "":
            meta.pop(key.lower(), None)
        else:
            meta[key.lower()] = value
    for key in remove:
        meta.pop(key.lower(), None)
    return meta


def update_account(
    db: Database,
    project_id: str,
    set_meta: Mapping[str, str],
    remove_meta: Sequence[str],
    quota_bytes: int | None | str,
    quota_count: int | None | str,
) -> AccountInfo:
    with db.transaction() as s:
        row = ensure_account(s, project_id, time.time())
        row.meta = merge_meta(row.meta or {}, set_meta, remove_meta)
        row.quota_bytes = _quota(quota_bytes, row.quota_bytes, "quota_bytes")
        row.quota_count = _quota(quota_count, row.quota_count, "quota_count")
        s.flush()
        objects, used = account_usage(s, project_id)
        containers = s.scalar(
            select(func.count()).select_from(ObjectContainer).where(ObjectContainer.project_id == project_id)
        )
        return _info(project_id, row, containers or 0, objects, used)


def list_containers(db: Database, project_id: str, query: ListQuery) -> list[ContainerInfo | Subdir]:
    with db.read() as s:

        def fetch(bounds: Bounds, descending: bool, limit: int) -> list[ObjectContainer]:
            stmt = select(ObjectContainer).where(ObjectContainer.project_id == project_id)
            if bounds.after is not None:
                stmt = stmt.where(ObjectContainer.name > bounds.after)
            if bounds.from_ is not None:
                stmt = stmt.where(ObjectContainer.name >= bounds.from_)
            if bounds.before is not None:
                stmt = stmt.where(ObjectContainer.name < bounds.before)
            order = ObjectContainer.name.desc() if descending else ObjectContainer.name
            return list(s.scalars(stmt.order_by(order).limit(limit)))

        return [entry if isinstance(entry, Subdir) else container_info(entry) for entry in walk(query, fetch)]
