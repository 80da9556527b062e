"""Recording a new object, the hot path of every PUT, in Core statements and few round trips:

1. lock the account (an UPDATE: the transaction is the account's writer from its first
   statement, see changes.lock_account), returning its own quotas and the ``limits`` counter;
2. one SELECT: the container, the object the new one replaces (expired or not) and, when an
   account quota applies, the account's usage;
3. the quotas checked (nothing written yet when one refuses);
4. DELETE the replaced row, INSERT the new one, UPDATE the container's usage.

Quotas are checked against the usage read in 2 plus this change: every change to usage holds
the account's lock, so nothing moved it in between (and on PostgreSQL each statement, read
committed, sees what the previous holder committed). A container that archives what it
replaces (versioning) goes the general way (``AccountChange``) instead: ``None`` from
``place_plain``.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, select, update

from pocketstack.core.errors import NotFound, QuotaExceeded
from pocketstack.core.objects.changes import NewObject, Quota, account_quota_of
from pocketstack.core.objects.project_limits import ProjectLimits, revision_column
from pocketstack.core.objects.versioning import MODES
from pocketstack.store.object_models import ObjectAccount, ObjectContainer, StoredObject

_acc = ObjectAccount.__table__
_con = ObjectContainer.__table__
_obj = StoredObject.__table__
_usage = _con.alias("usage")

LOCK = (
    update(_acc)
    .where(_acc.c.project_id == bindparam("p"))
    .values(created_at=_acc.c.created_at)
    .returning(_acc.c.quota_bytes, _acc.c.quota_count, revision_column().label("limits_revision"))
)
_FIND = (
    select(
        _con.c.id,
        _con.c.versions_location,
        _con.c.versions_mode,
        _con.c.quota_bytes,
        _con.c.quota_count,
        _con.c.object_count,
        _con.c.bytes_used,
        _obj.c.id.label("old_id"),
        _obj.c.size.label("old_size"),
        _obj.c.last_modified.label("old_modified"),
        _obj.c.delete_at.label("old_delete_at"),
        _obj.c.data_path.label("old_path"),
    )
    .select_from(_con.outerjoin(_obj, and_(_obj.c.container_id == _con.c.id, _obj.c.name == bindparam("n"))))
    .where(_con.c.project_id == bindparam("p"), _con.c.name == bindparam("c"))
)
ACCOUNT_OBJECTS = (
    select(func.coalesce(func.sum(_usage.c.object_count), 0))
    .where(_usage.c.project_id == bindparam("p"))
    .scalar_subquery()
)
ACCOUNT_BYTES = (
    select(func.coalesce(func.sum(_usage.c.bytes_used), 0))
    .where(_usage.c.project_id == bindparam("p"))
    .scalar_subquery()
)
_FIND_WITH_USAGE = _FIND.add_columns(
    ACCOUNT_OBJECTS.label("account_objects"), ACCOUNT_BYTES.label("account_bytes")
)
_DELETE = delete(_obj).where(_obj.c.id == bindparam("old_id"))
_INSERT = insert(_obj)
_MOVE_USAGE = (
    update(_con)
    .where(_con.c.id == bindparam("cid"))
    .values(
        object_count=_con.c.object_count + bindparam("objects"),
        bytes_used=_con.c.bytes_used + bindparam("size"),
    )
)


def place_plain(
    conn: Connection, project_id: str, container: str, new: NewObject, now: float, limits: ProjectLimits
) -> list[str] | None:
    """Record ``new`` in ``container`` (its blob already in place, ``last_modified`` set here),
    replacing the object of its name; returns the blobs to remove once committed. None (nothing
    done but the lock) when the replaced object must be archived."""
    names = {"p": project_id, "c": container, "n": new.name}
    locked = conn.execute(LOCK, names).first()
    if locked is None:  # no account row: no container either
        raise NotFound("container", container, code="objects.container.not_found")
    quota = account_quota_of(
        locked.quota_bytes, locked.quota_count, limits.quota(conn, project_id, locked.limits_revision)
    )
    with_usage = quota.bytes is not None or quota.count is not None
    found = conn.execute(_FIND_WITH_USAGE if with_usage else _FIND, names).first()
    if found is None:
        raise NotFound("container", container, code="objects.container.not_found")
    old_visible = found.old_id is not None and (found.old_delete_at is None or found.old_delete_at > now)
    if old_visible and found.versions_location and found.versions_mode in MODES:
        return None
    # Times of one name only move forward (versions are named by them).
    new.last_modified = max(now, found.old_modified + 0.00001 if found.old_id is not None else 0.0)
    replaces = found.old_id is not None
    objects, size = (0, new.size - found.old_size) if replaces else (1, new.size)
    check_growth(
        Quota(found.quota_bytes, found.quota_count),
        (found.object_count, found.bytes_used),
        quota,
        (int(found.account_objects), int(found.account_bytes)) if with_usage else (0, 0),
        (objects, size),
    )
    garbage: list[str] = []
    if replaces:
        conn.execute(_DELETE, {"old_id": found.old_id})
        if found.old_path:
            garbage.append(found.old_path)
    conn.execute(_INSERT, {"container_id": found.id, **new.__dict__})
    if objects or size:
        conn.execute(_MOVE_USAGE, {"cid": found.id, "objects": objects, "size": size})
    return garbage


def check_growth(
    container: Quota,
    in_container: tuple[int, int],
    account: Quota,
    in_account: tuple[int, int],
    grow: tuple[int, int],
) -> None:
    """QuotaExceeded when ``grow`` (objects, bytes) more than the usage (objects, bytes) of the
    container or the account passes its quota; only what grows is checked (an overwrite with
    less data always passes)."""
    objects, size = grow
    for quota, (count, used), whose in (
        (container, in_container, "container"),
        (account, in_account, "account"),
    ):
        if objects > 0 and quota.count is not None and count + objects > quota.count:
            raise QuotaExceeded(
                f"Upload exceeds the {whose}'s object quota.", code=f"objects.{whose}.quota_exceeded"
            )
        if size > 0 and quota.bytes is not None and used + size > quota.bytes:
            raise QuotaExceeded(
                f"Upload exceeds the {whose}'s byte quota.", code=f"objects.{whose}.quota_exceeded"
            )
