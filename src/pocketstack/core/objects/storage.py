"""ObjectStorage: the ObjectService of service.py over the object tables and a blob store."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from pocketstack.core.errors import NotFound
from pocketstack.core.objects import accounts, containers, quotas, versioning
from pocketstack.core.objects.changes import AccountChange, NewObject, Quota
from pocketstack.core.objects.expiry import expire_objects
from pocketstack.core.objects.listing import Bounds, walk
from pocketstack.core.objects.model import AccountInfo, ContainerInfo, ListQuery, ObjectInfo, Subdir
from pocketstack.core.objects.placing import place_plain
from pocketstack.core.objects.project_limits import REVISION as LIMITS_REVISION
from pocketstack.core.objects.project_limits import ProjectLimits
from pocketstack.core.objects.records import is_visible, object_info, visible
from pocketstack.core.objects.writer import PendingObject, PutRequest
from pocketstack.objectstore.blobs import BlobChunks, BlobStore
from pocketstack.store.db import Database
from pocketstack.store.object_models import ObjectContainer, StoredObject


class EmptyData:
    """The data of an object with no blob (a delete marker)."""

    source_path: str | None = None

    def __iter__(self) -> Iterator[bytes]:
        return iter(())

    def close(self) -> None:
        pass


def _not_found(container: str, name: str) -> NotFound:
    return NotFound("object", f"{container}/{name}", code="objects.object.not_found")


class ObjectStorage:
    def __init__(
        self, db: Database, blobs: BlobStore, default_quota: Quota | None = None, region: str | None = None
    ) -> None:
        self.db = db
        self.blobs = blobs
        self.default_quota = default_quota or Quota()
        self.limits = ProjectLimits(self.default_quota, region)
        # Its row made now (a start makes them all): a missing counter would never let the
        # limits read be kept. Never from inside a write (two writers on SQLite).
        db.revisions.counter(LIMITS_REVISION)

    def _quota_in(self, s: Session, project_id: str) -> Callable[[], Quota]:
        """How a change in ``s`` reads the account's quota before its own settings."""
        return lambda: self.limits.quota(s.connection(), project_id, None)

    # -- accounts ---------------------------------------------------------------------------------
    def account(self, project_id: str) -> AccountInfo:
        return accounts.read_account(self.db, project_id)

    def update_account(
        self,
        project_id: str,
        set_meta: Mapping[str, str],
        remove_meta: Sequence[str] = (),
        *,
        quota_bytes: int | None | str = "keep",
        quota_count: int | None | str = "keep",
    ) -> AccountInfo:
        return accounts.update_account(self.db, project_id, set_meta, remove_meta, quota_bytes, quota_count)

    def list_containers(self, project_id: str, query: ListQuery) -> list[ContainerInfo | Subdir]:
        return accounts.list_containers(self.db, project_id, query)

    # -- containers -------------------------------------------------------------------------------
    def create_container(
        self, project_id: str, name: str, settings: Mapping[str, object]
    ) -> tuple[ContainerInfo, bool]:
        return containers.create_container(self.db, project_id, name, settings)

    def container(self, project_id: str, name: str) -> ContainerInfo:
        return containers.read_container(self.db, project_id, name)

    def update_container(self, project_id: str, name: str, settings: Mapping[str, object]) -> ContainerInfo:
        return containers.update_container(self.db, project_id, name, settings)

    def delete_container(self, project_id: str, name: str) -> None:
        self._drop(containers.delete_container(self.db, project_id, name))

    def list_objects(self, project_id: str, container: str, query: ListQuery) -> list[ObjectInfo | Subdir]:
        now = time.time()
        found = self.db.rows(
            select(ObjectContainer.id).where(
                ObjectContainer.project_id == project_id, ObjectContainer.name == container
            )
        )
        if not found:
            raise NotFound("container", container, code="objects.container.not_found")
        cid = found[0].id
        table = StoredObject.__table__

        def fetch(bounds: Bounds, descending: bool, limit: int) -> Sequence[Row[Any]]:
            # Core rows, not ORM objects: a long listing costs a third as much.
            stmt = select(table).where(table.c.container_id == cid, visible(now))
            if bounds.after is not None:
                stmt = stmt.where(table.c.name > bounds.after)
            if bounds.from_ is not None:
                stmt = stmt.where(table.c.name >= bounds.from_)
            if bounds.before is not None:
                stmt = stmt.where(table.c.name < bounds.before)
            order = table.c.name.desc() if descending else table.c.name
            return self.db.rows(stmt.order_by(order).limit(limit))

        return [
            entry if isinstance(entry, Subdir) else object_info(entry, project_id, container)
            for entry in walk(query, fetch)
        ]

    # -- objects ----------------------------------------------------------------------------------
    def begin_put(
        self,
        project_id: str,
        container: str,
        name: str,
        *,
        content_type: str,
        meta: Mapping[str, str],
        headers: Mapping[str, str],
        delete_at: int | None = None,
        expected_size: int | None = None,
        expected_etag: str | None = None,
        slo_manifest: list[dict[str, object]] | None = None,
        etag_override: str | None = None,
        size_override: int | None = None,
    ) -> PendingObject:
        if expected_size is not None:
            quotas.check_upload(self.db, project_id, container, name, expected_size, self.limits)
        else:
            self._require_container(project_id, container)
        request = PutRequest(
            project_id=project_id,
            container=container,
            name=name,
            content_type=content_type,
            meta=dict(meta),
            headers=dict(headers),
            delete_at=delete_at,
            expected_size=expected_size,
            expected_etag=expected_etag,
            slo_manifest=slo_manifest,
            etag_override=etag_override,
            size_override=size_override,
        )
        return PendingObject(self.blobs, request, self._place)

    def _require_container(self, project_id: str, container: str) -> None:
        found = self.db.rows(
            select(ObjectContainer.id).where(
                ObjectContainer.project_id == project_id, ObjectContainer.name == container
            )
        )
        if not found:
            raise NotFound("container", container, code="objects.container.not_found")

    def _place(self, project_id: str, container: str, new: NewObject) -> ObjectInfo:
        """Record ``new`` (its blob already in place), replacing or archiving the current one."""
        with self.db.transaction() as s:
            now = time.time()
            garbage = place_plain(s.connection(), project_id, container, new, now, self.limits)
            if garbage is None:
                info, garbage = self._place_archiving(s, project_id, container, new, now)
            else:
                info = object_info(new, project_id, container)
        self._drop(garbage)
        return info

    def _place_archiving(
        self, s: Session, project_id: str, container: str, new: NewObject, now: float
    ) -> tuple[ObjectInfo, list[str]]:
        """``_place`` in a container that archives the object ``new`` replaces (versioning)."""
        change = AccountChange.begin(s, project_id, now, self._quota_in(s, project_id))
        target = change.container(container)
        old = change.current(target, new.name)
        # Times of one name only move forward (versions are named by them).
        new.last_modified = max(change.now, old.last_modified + 0.00001 if old else 0.0)
        if old is not None:
            archive_to = versioning.archive_container(change, target) if is_visible(old, change.now) else None
            if archive_to is not None:
                versioning.archive(change, archive_to, old)
            else:
                change.remove(old)
        row = change.insert(target, new)
        change.close()
        return object_info(row, project_id, container), change.garbage

    def object(self, project_id: str, container: str, name: str) -> ObjectInfo:
        now = time.time()
        table = StoredObject.__table__
        rows = self.db.rows(
            select(table)
            .join(ObjectContainer, ObjectContainer.id == table.c.container_id)
            .where(
                ObjectContainer.project_id == project_id,
                ObjectContainer.name == container,
                table.c.name == name,
                visible(now),
            )
        )
        if not rows:
            raise _not_found(container, name)
        return object_info(rows[0], project_id, container)

    def open(self, info: ObjectInfo, offset: int = 0, length: int | None = None) -> BlobChunks | EmptyData:
        if info.data_path is None:
            return EmptyData()
        try:
            return self.blobs.open(info.data_path, offset, length)
        except FileNotFoundError:
            raise _not_found(info.container, info.name) from None

    def update_object(
        self,
        project_id: str,
        container: str,
        name: str,
        *,
        meta: Mapping[str, str],
        headers: Mapping[str, str],
        delete_at: int | None,
        content_type: str | None = None,
    ) -> ObjectInfo:
        with self.db.transaction() as s:
            change = AccountChange.begin(s, project_id, time.time(), self._quota_in(s, project_id))
            row = change.current(change.container(container), name)
            if row is None or not is_visible(row, change.now):
                raise _not_found(container, name)
            row.meta = dict(meta)
            row.headers = dict(headers)
            row.delete_at = delete_at
            if content_type is not None:
                row.content_type = content_type
            row.last_modified = change.now
            s.flush()
            return object_info(row, project_id, container)

    def copy_object(
        self,
        source: ObjectInfo,
        project_id: str,
        container: str,
        name: str,
        *,
        content_type: str | None,
        meta: Mapping[str, str],
        headers: Mapping[str, str],
        delete_at: int | None,
        fresh_metadata: bool = False,
    ) -> ObjectInfo:
        self._require_container(project_id, container)
        path = None
        if source.data_path is not None:
            try:
                path = self.blobs.link(source.data_path)
            except FileNotFoundError:
                raise _not_found(source.container, source.name) from None
        base_meta: dict[str, str] = {} if fresh_metadata else dict(source.meta)
        base_headers: dict[str, str] = {} if fresh_metadata else dict(source.headers)
        new = NewObject(
            name=name,
            size=source.size,
            etag=source.etag,
            content_type=content_type or source.content_type,
            meta={**base_meta, **meta},
            headers={**base_headers, **headers},
            last_modified=time.time(),
            delete_at=delete_at,
            data_path=path,
            slo_manifest=source.slo_manifest,
        )
        try:
            return self._place(project_id, container, new)
        except BaseException:
            if path is not None:
                self.blobs.delete(path)
            raise

    def delete_object(self, project_id: str, container: str, name: str) -> ObjectInfo:
        with self.db.transaction() as s:
            change = AccountChange.begin(s, project_id, time.time(), self._quota_in(s, project_id))
            target = change.container(container)
            old = change.current(target, name)
            current = old if old is not None and is_visible(old, change.now) else None
            history = target.versions_mode == versioning.HISTORY
            archive_to = versioning.archive_container(
                change, target, required=history and current is not None
            )
            gone = object_info(current, project_id, container) if current is not None else None
            if archive_to is not None and history:
                if current is None:
                    raise _not_found(container, name)
                versioning.archive(change, archive_to, current)
                versioning.add_delete_marker(change, archive_to, name)
            else:
                if old is not None:
                    change.remove(old)
                if archive_to is not None:
                    restored = versioning.restore_newest(change, archive_to, target, name)
                    if gone is None and restored is not None:
                        gone = object_info(restored, project_id, container)
            if gone is None:
                raise _not_found(container, name)
            change.close()
        self._drop(change.garbage)
        return gone

    def expire(self, now: float | None = None) -> int:
        return expire_objects(self.db, self.blobs, time.time() if now is None else now)

    def _drop(self, paths: list[str]) -> None:
        for path in paths:
            self.blobs.delete(path)
