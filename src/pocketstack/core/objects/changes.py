"""One change to an account's objects, inside one transaction: the account is locked first
(so that changes of one account, from any process, follow one another and usage and quotas
are exact), rows are placed, moved or removed, and the usage of every container touched moves
by what changed, checked against the quotas before the commit.

Blobs of removed rows are only collected (``garbage``): they are deleted after the commit, so
that a rollback never leaves a row without its data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from pocketstack.core.errors import NotFound, QuotaExceeded
from pocketstack.store.object_models import ObjectAccount, ObjectContainer, StoredObject


@dataclass(frozen=True)
class Quota:
    """A limit on bytes and object count; None is no limit."""

    bytes: int | None = None
    count: int | None = None


@dataclass
class NewObject:
    """What a row of ``object_objects`` is made of (all but its container)."""

    name: str
    size: int
    etag: str
    content_type: str
    meta: dict[str, Any]
    headers: dict[str, Any]
    last_modified: float
    delete_at: int | None = None
    data_path: str | None = None
    slo_manifest: list[dict[str, Any]] | None = None
    version_id: str | None = None


def lock_account(s: Session, project_id: str) -> ObjectAccount | None:
    """The account row, locked until the end of the transaction. A write, not SELECT ... FOR
    UPDATE: on SQLite it is what makes the transaction the writer from its first statement."""
    s.execute(
        update(ObjectAccount)
        .where(ObjectAccount.project_id == project_id)
        .values(created_at=ObjectAccount.created_at)
        .execution_options(synchronize_session=False)
    )
    return s.get(ObjectAccount, project_id)


@dataclass
class AccountChange:
    s: Session
    project_id: str
    now: float
    account: ObjectAccount | None
    # The quota of the account before its own settings, or how to read it (only wanted when
    # something grows).
    default_quota: Quota | Callable[[], Quota] = field(default_factory=Quota)
    garbage: list[str] = field(default_factory=list)
    _usage: dict[int, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    @classmethod
    def begin(
        cls, s: Session, project_id: str, now: float, default_quota: Quota | Callable[[], Quota]
    ) -> AccountChange:
        return cls(s, project_id, now, lock_account(s, project_id), default_quota)

    def container(self, name: str) -> ObjectContainer:
        row = self.find_container(name)
        if row is None:
            raise NotFound("container", name, code="objects.container.not_found")
        return row

    def find_container(self, name: str) -> ObjectContainer | None:
        if self.account is None:
            return None
        return self.s.scalars(
            select(ObjectContainer).where(
                ObjectContainer.project_id == self.project_id, ObjectContainer.name == name
            )
        ).first()

    def current(self, container: ObjectContainer, name: str) -> StoredObject | None:
        """The row of that name, expired or not."""
        return self.s.scalars(
            select(StoredObject).where(StoredObject.container_id == container.id, StoredObject.name == name)
        ).first()

    def insert(self, container: ObjectContainer, new: NewObject) -> StoredObject:
        row = StoredObject(container_id=container.id, **new.__dict__)
        self.s.add(row)
        self.s.flush()
        self._count(container.id, 1, row.size)
        return row

    def remove(self, row: StoredObject) -> None:
        self.s.delete(row)
        self.s.flush()
        if row.data_path:
            self.garbage.append(row.data_path)
        self._count(row.container_id, -1, -row.size)

    def move(self, row: StoredObject, to: ObjectContainer, name: str) -> None:
        """Re-file a row (its blob with it) under another container or name: how versions are
        archived and restored, without copying data."""
        self._count(row.container_id, -1, -row.size)
        row.container_id = to.id
        row.name = name
        self.s.flush()
        self._count(to.id, 1, row.size)

    def _count(self, container_id: int, objects: int, size: int) -> None:
        usage = self._usage[container_id]
        usage[0] += objects
        usage[1] += size

    def close(self) -> None:
        """Move the usage of every touched container, then check what grew against its quota
        (QuotaExceeded rolls the whole change back)."""
        grew_count = grew_bytes = 0
        for container_id, (objects, size) in self._usage.items():
            if not objects and not size:
                continue
            self.s.execute(
                update(ObjectContainer)
                .where(ObjectContainer.id == container_id)
                .values(
                    object_count=ObjectContainer.object_count + objects,
                    bytes_used=ObjectContainer.bytes_used + size,
                )
                .execution_options(synchronize_session=False)
            )
            grew_count += objects
            grew_bytes += size
            if objects > 0 or size > 0:
                self._check_container(container_id, objects > 0, size > 0)
        if grew_count > 0 or grew_bytes > 0:
            self._check_account(grew_count > 0, grew_bytes > 0)
        for container_id in self._usage:
            row = self.s.identity_map.get(identity_key(ObjectContainer, container_id))
            if row is not None:
                self.s.expire(row, ["object_count", "bytes_used"])
        self._usage.clear()

    def _check_container(self, container_id: int, count: bool, size: bool) -> None:
        row = self.s.execute(
            select(
                ObjectContainer.object_count,
                ObjectContainer.bytes_used,
                ObjectContainer.quota_count,
                ObjectContainer.quota_bytes,
            ).where(ObjectContainer.id == container_id)
        ).one()
        if count and row.quota_count is not None and row.object_count > row.quota_count:
            raise QuotaExceeded(
                "Upload exceeds the container's object quota.", code="objects.container.quota_exceeded"
            )
        if size and row.quota_bytes is not None and row.bytes_used > row.quota_bytes:
            raise QuotaExceeded(
                "Upload exceeds the container's byte quota.", code="objects.container.quota_exceeded"
            )

    def _check_account(self, count: bool, size: bool) -> None:
        default = self.default_quota() if callable(self.default_quota) else self.default_quota
        quota = account_quota(self.account, default)
        if quota.bytes is None and quota.count is None:
            return
        objects, used = account_usage(self.s, self.project_id)
        if count and quota.count is not None and objects > quota.count:
            raise QuotaExceeded(
                "Upload exceeds the account's object quota.", code="objects.account.quota_exceeded"
            )
        if size and quota.bytes is not None and used > quota.bytes:
            raise QuotaExceeded(
                "Upload exceeds the account's byte quota.", code="objects.account.quota_exceeded"
            )


def account_quota(account: ObjectAccount | None, default: Quota) -> Quota:
    """The account's own quotas, else ``default`` (the project's limits, project_limits.py)."""
    if account is None:
        return default
    return account_quota_of(account.quota_bytes, account.quota_count, default)


def account_quota_of(own_bytes: int | None, own_count: int | None, default: Quota) -> Quota:
    return Quota(
        own_bytes if own_bytes is not None else default.bytes,
        own_count if own_count is not None else default.count,
    )


def account_usage(s: Session, project_id: str) -> tuple[int, int]:
    """(objects, bytes) summed over the account's containers."""
    row = s.execute(
        select(
            func.coalesce(func.sum(ObjectContainer.object_count), 0),
            func.coalesce(func.sum(ObjectContainer.bytes_used), 0),
        ).where(ObjectContainer.project_id == project_id)
    ).one()
    return int(row[0]), int(row[1])
