"""An account's quota from its project's unified limits (Keystone's /v3/registered_limits and
/v3/limits), for the service of type ``object-store``:

- ``object_megabytes``: bytes stored, in MiB (2**20 bytes). Megabytes, not bytes, because a
  Keystone limit is at most 2**31 - 1: in bytes no quota could pass 2 GiB.
- ``object_count``: objects stored.

A project's own limit wins over the registered (default) limit; -1 is no limit; a registered
limit in the cloud's region wins over one for every region; domain limits are not consulted
(the flat model). Without a registered limit, the settings' default applies. An account's own
quota (X-Account-Meta-Quota-Bytes / -Count, set by an admin) wins over all of these
(changes.account_quota).

Limits change rarely and are wanted on every upload: what was read for a project is kept while
the ``limits`` table revision (store/table_revisions.py) stands where it stood when read. The
callers fold that counter into a statement they make anyway (``revision_column``), so a kept
quota costs no round trip.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import Connection, ScalarSelect, and_, bindparam, or_, select

from pocketstack.core.objects.changes import Quota
from pocketstack.store.coordination_models import Revision
from pocketstack.store.identity_catalog_models import Limit, RegisteredLimit
from pocketstack.store.models import Service

SERVICE_TYPE = "object-store"
BYTES_RESOURCE = "object_megabytes"
COUNT_RESOURCE = "object_count"
MiB = 1 << 20
REVISION = "limits"  # the group of store/table_revisions.py
MAX_KEPT = 4096  # projects whose limits a process keeps


def revision_column() -> ScalarSelect[int]:
    """The ``limits`` counter, as a column of another statement (NULL before its row exists)."""
    return select(Revision.value).where(Revision.name == REVISION).scalar_subquery()


class ProjectLimits:
    """The quota of a project's account before its own settings: its unified limits, else the
    settings' default. Thread-safe; one per process."""

    def __init__(self, default: Quota, region: str | None = None) -> None:
        self.default = default
        self.region = region
        self._kept: OrderedDict[str, tuple[int, Quota]] = OrderedDict()
        self._lock = threading.Lock()
        rl, lim, svc = RegisteredLimit.__table__, Limit.__table__, Service.__table__
        self._stmt = (
            select(rl.c.resource_name, rl.c.region_id, rl.c.default_limit, lim.c.resource_limit)
            .select_from(
                rl.join(svc, svc.c.id == rl.c.service_id).outerjoin(
                    lim,
                    and_(
                        lim.c.registered_limit_id == rl.c.id,
                        lim.c.project_id == bindparam("limit_project_id"),
                    ),
                )
            )
            .where(
                svc.c.type == SERVICE_TYPE,
                rl.c.resource_name.in_([BYTES_RESOURCE, COUNT_RESOURCE]),
                or_(rl.c.region_id.is_(None), rl.c.region_id == region)
                if region
                else rl.c.region_id.is_(None),
            )
        )
        self._revision = select(revision_column())

    def quota(self, conn: Connection, project_id: str, revision: int | None) -> Quota:
        """``revision``: the ``limits`` counter read before now in this transaction or on
        this connection (None: unknown, read it)."""
        kept = self._kept.get(project_id)
        if kept is not None and revision is not None and kept[0] == revision:
            return kept[1]
        if revision is None:
            revision = conn.execute(self._revision).scalar()
            if kept is not None and revision is not None and kept[0] == revision:
                return kept[1]
        quota = self._read(conn, project_id)
        if revision is not None:
            with self._lock:
                self._kept[project_id] = (revision, quota)
                self._kept.move_to_end(project_id)
                while len(self._kept) > MAX_KEPT:
                    self._kept.popitem(last=False)
        return quota

    def _read(self, conn: Connection, project_id: str) -> Quota:
        found: dict[str, tuple[bool, int]] = {}  # resource -> (in the region, value)
        for row in conn.execute(self._stmt, {"limit_project_id": project_id}):
            value = row.resource_limit if row.resource_limit is not None else row.default_limit
            regional = row.region_id is not None
            if row.resource_name not in found or regional:
                found[row.resource_name] = (regional, value)
        return Quota(
            _value(found.get(BYTES_RESOURCE), self.default.bytes, MiB),
            _value(found.get(COUNT_RESOURCE), self.default.count, 1),
        )


def _value(found: tuple[bool, int] | None, default: int | None, unit: int) -> int | None:
    if found is None:
        return default
    value = found[1]
    return None if value < 0 else value * unit
