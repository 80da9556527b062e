"""The early quota check of an upload whose size is announced: a request sure to exceed a
quota is refused before its data is received. Advisory only (it locks nothing): the check at
``finish`` (placing.py, changes.py) is the one that holds under concurrency.

One read answers it (the container, the object replaced, the account's own quotas and the
``limits`` counter); a second sums the account's usage only when an account quota applies.
"""

from __future__ import annotations

import time

from sqlalchemy import and_, bindparam, select

from pocketstack.core.errors import NotFound
from pocketstack.core.objects.changes import Quota, account_quota_of
from pocketstack.core.objects.placing import ACCOUNT_BYTES, ACCOUNT_OBJECTS, check_growth
from pocketstack.core.objects.project_limits import ProjectLimits, revision_column
from pocketstack.store.db import Database
from pocketstack.store.object_models import ObjectAccount, ObjectContainer, StoredObject

_acc = ObjectAccount.__table__
_con = ObjectContainer.__table__
_obj = StoredObject.__table__

_READ = (
    select(
        _con.c.quota_bytes,
        _con.c.quota_count,
        _con.c.object_count,
        _con.c.bytes_used,
        _obj.c.size.label("replaced"),
        _acc.c.quota_bytes.label("account_quota_bytes"),
        _acc.c.quota_count.label("account_quota_count"),
        revision_column().label("limits_revision"),
    )
    .select_from(
        _con.join(_acc, _acc.c.project_id == _con.c.project_id).outerjoin(
            _obj,
            and_(
                _obj.c.container_id == _con.c.id,
                _obj.c.name == bindparam("n"),
                (_obj.c.delete_at.is_(None)) | (_obj.c.delete_at > bindparam("now")),
            ),
        )
    )
    .where(_con.c.project_id == bindparam("p"), _con.c.name == bindparam("c"))
)
_USAGE = select(ACCOUNT_OBJECTS.label("account_objects"), ACCOUNT_BYTES.label("account_bytes"))


def check_upload(
    db: Database, project_id: str, container: str, name: str, size: int, limits: ProjectLimits
) -> None:
    """NotFound when the container is missing; QuotaExceeded when storing ``size`` bytes as
    ``name`` (replacing the object of that name) would pass a quota."""
    params = {"p": project_id, "c": container, "n": name, "now": time.time()}
    with db.engine.connect() as conn:
        row = conn.execute(_READ, params).first()
        if row is None:
            raise NotFound("container", container, code="objects.container.not_found")
        objects = 0 if row.replaced is not None else 1
        grow = size - (row.replaced or 0)
        quota = account_quota_of(
            row.account_quota_bytes,
            row.account_quota_count,
            limits.quota(conn, project_id, row.limits_revision),
        )
        in_account = (0, 0)
        if quota.bytes is not None or quota.count is not None:
            usage = conn.execute(_USAGE, {"p": project_id}).one()
            in_account = (int(usage.account_objects), int(usage.account_bytes))
    check_growth(
        Quota(row.quota_bytes, row.quota_count),
        (row.object_count, row.bytes_used),
        quota,
        in_account,
        (objects, grow),
    )
