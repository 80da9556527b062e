"""Pieces every network service shares: ids, standard attributes (revision, timestamps), row
locks, and the retry of a transaction that lost a race to a unique constraint."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.errors import Conflict
from pocketstack.core.identity.common import utcnow
from pocketstack.core.network.errors import bad_request, revision_mismatch
from pocketstack.store.db import Database

T = TypeVar("T")
LOG = logging.getLogger("pocketstack")
ATTEMPTS = 8
# PostgreSQL: deadlock detected, serialization failure. Both mean "run the transaction again".
_RETRY_SQLSTATES = frozenset({"40P01", "40001"})


def new_id() -> str:
    return str(uuid.uuid4())


def retrying(db: Database, work: Callable[[Session], T]) -> T:
    """Run ``work`` in a transaction, again (up to ATTEMPTS times) when it lost a race: a unique
    constraint violated by a concurrent writer (two ports given the same random MAC, two
    requests for one address) or a deadlock. ``work`` must re-read everything it decides on."""

    def attempt() -> T:
        with db.transaction() as s:
            return work(s)

    return _retried(attempt, deadlocks=True)


def retrying_in(s: Session, work: Callable[[Session], T]) -> T:
    """``retrying`` inside the caller's transaction: ``work`` runs in a savepoint, again when it
    lost a race to a unique constraint (a deadlock ends the whole transaction: the caller's)."""

    def attempt() -> T:
        with s.begin_nested():
            return work(s)

    return _retried(attempt, deadlocks=False)


def _retried(attempt: Callable[[], T], *, deadlocks: bool) -> T:
    for n in range(1, ATTEMPTS + 1):
        try:
            return attempt()
        except IntegrityError as exc:
            LOG.debug("event=network_retry reason=integrity attempt=%d error=%s", n, exc.orig)
        except OperationalError as exc:
            if not deadlocks or getattr(exc.orig, "sqlstate", None) not in _RETRY_SQLSTATES:
                raise
    raise Conflict("The request lost a race with concurrent changes too many times; try again.")


def lock_rows(s: Session, model: Any, ids: Iterable[str], *, share: bool = False) -> None:
    """Hold the rows of ``model`` with these ids until the transaction ends, in id order.
    PostgreSQL: ``SELECT ... FOR UPDATE`` (``FOR KEY SHARE`` with ``share``: others may share
    it, a delete may not). SQLite has no row locks: a write that changes nothing makes the
    transaction the database's one writer instead.

    Every writer takes its locks in one order, so none waits for another in a cycle: the
    project's quota lock, then networks, then subnets, then subnet pools and address scopes."""
    wanted = sorted(set(ids))
    if not wanted:
        return
    if s.get_bind().dialect.name == "sqlite":
        same = {"revision_number": model.revision_number}
        s.execute(
            update(model)
            .where(model.id.in_(wanted))
            .values(same)
            .execution_options(synchronize_session=False)
        )
        return
    stmt = select(model.id).where(model.id.in_(wanted)).order_by(model.id)
    s.execute(stmt.with_for_update(read=True, key_share=True) if share else stmt.with_for_update())


def check_revision(row: Any, expected: int | None) -> None:
    """412 when ``If-Match: revision_number=N`` names another revision than the row's."""
    if expected is not None and row.revision_number != expected:
        raise revision_mismatch(expected, row.revision_number)


def touch(row: Any) -> None:
    """A change of the row: one more revision, a new ``updated_at``."""
    row.revision_number = (row.revision_number or 0) + 1
    row.updated_at = utcnow()


def stamp(**columns: Any) -> dict[str, Any]:
    """Standard attributes of a new row."""
    now = utcnow()
    return {"revision_number": 0, "created_at": now, "updated_at": now, **columns}


def owner_of(ctx: RequestContext, attrs: Mapping[str, Any]) -> str:
    """The project a new resource belongs to: the caller's, or (admins only) the one asked."""
    requested = attrs.get("project_id")
    if requested is None or requested == ctx.project_id:
        if ctx.project_id is None:
            raise bad_request("A resource is created in a project; this token is not scoped to one.")
        return ctx.project_id
    if not is_admin(ctx):
        raise bad_request(
            "Specifying 'project_id' or 'tenant_id' other than the authenticated project in the "
            "request requires admin privileges."
        )
    return str(requested)


def check_read_only(attrs: Mapping[str, Any], allowed: Iterable[str], verb: str = "update") -> None:
    """BadRequest for attributes that cannot be changed after creation."""
    fixed = sorted(set(attrs) - set(allowed))
    if fixed:
        raise bad_request(f"Cannot {verb} read-only attribute {fixed[0]}.")
