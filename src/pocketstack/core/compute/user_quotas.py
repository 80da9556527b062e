"""Per-user compute quotas within a project, after Nova's database quota driver: a user's limit
for a resource is their own limit when they have one, else the project's. A user's limit may
not be below what that user already uses, nor above the project's limit (unless forced).

The limits are kept (``quota_user_limits``) and shown. ``check_user`` checks a create against
them: server create calls it after the project's check (instances, cores and ram); the other
create paths enforce only the project's limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pocketstack.core.compute.quotas import (
    BUILTIN_DEFAULTS,
    RESOURCES,
    UNLIMITED,
    QuotaService,
    check_limit_value,
    over_quota_message,
)
from pocketstack.core.errors import BadRequest, QuotaExceeded
from pocketstack.store.compute_models import QuotaUserLimit
from pocketstack.store.db import Database


def _unbounded(value: int) -> float:
    return float("inf") if value == UNLIMITED else value


@cache
def _own_stmt() -> Select[Any]:
    return select(QuotaUserLimit.resource, QuotaUserLimit.hard_limit).where(
        QuotaUserLimit.project_id == bindparam("project_id"), QuotaUserLimit.user_id == bindparam("user_id")
    )


class UserQuotas:
    def __init__(self, db: Database, quotas: QuotaService) -> None:
        self.db = db
        self.quotas = quotas

    @staticmethod
    def own_in(s: Session, project_id: str, user_id: str) -> dict[str, int]:
        rows = s.connection().execute(_own_stmt(), {"project_id": project_id, "user_id": user_id})
        return {r: v for r, v in rows if r in BUILTIN_DEFAULTS}

    def limits_in(self, s: Session, project_id: str, user_id: str) -> dict[str, int]:
        return {**self.quotas.limits_in(s, project_id), **self.own_in(s, project_id, user_id)}

    def limits(self, project_id: str, user_id: str) -> dict[str, int]:
        """The user's limit of every resource in the project (-1: unlimited)."""
        with self.db.read() as s:
            return self.limits_in(s, project_id, user_id)

    def usage_report(self, project_id: str, user_id: str) -> tuple[dict[str, int], dict[str, int]]:
        """(the user's limits, the user's usage) of every resource."""
        with self.db.read() as s:
            used = self.quotas.usage(s, project_id, user_id)
            return self.limits_in(s, project_id, user_id), {r: used.get(r, 0) for r in RESOURCES}

    def set_limits(
        self, project_id: str, user_id: str, values: Mapping[str, int], *, force: bool = False
    ) -> dict[str, int]:
        """Give the user limits of their own; returns all the user's limits afterwards.
        Unless ``force``, BadRequest (Nova's words) for a limit below the user's usage or above
        the project's limit."""
        checked = {r: check_limit_value(r, v) for r, v in values.items()}
        with self.db.transaction() as s:
            if not force:
                used = self.quotas.usage(s, project_id, user_id)
                project = self.quotas.limits_in(s, project_id)
                for resource, value in checked.items():
                    minimum, maximum = used.get(resource, 0), project[resource]
                    if _unbounded(value) < minimum:
                        raise BadRequest(
                            f"Quota limit {value} for {resource} must be greater than or equal to "
                            f"already used and reserved {minimum}."
                        )
                    if _unbounded(value) > _unbounded(maximum):
                        raise BadRequest(
                            f"Quota limit {value} for {resource} must be less than or equal to {maximum}."
                        )
            for resource, value in checked.items():
                _upsert(s, project_id, user_id, resource, value)
            return self.limits_in(s, project_id, user_id)

    def delete_limits(self, project_id: str, user_id: str | None = None) -> None:
        """Drop one user's limits, or (no ``user_id``) every user's in the project."""
        stmt = delete(QuotaUserLimit).where(QuotaUserLimit.project_id == project_id)
        if user_id is not None:
            stmt = stmt.where(QuotaUserLimit.user_id == user_id)
        with self.db.transaction() as s:
            s.execute(stmt)

    def check_user(self, s: Session, project_id: str, user_id: str, deltas: Mapping[str, int]) -> None:
        """QuotaExceeded when ``deltas`` would take the user past a limit of their own. Call it
        after ``QuotaService.check`` (which holds the project's lock) in the same transaction."""
        own = self.own_in(s, project_id, user_id)
        if not own:
            return
        used = self.quotas.usage(s, project_id, user_id)
        overs = sorted(
            r for r, d in deltas.items() if d > 0 and r in own and 0 <= own[r] < used.get(r, 0) + d
        )
        if overs:
            raise QuotaExceeded(over_quota_message(overs, deltas, used, own))


def _upsert(s: Session, project_id: str, user_id: str, resource: str, value: int) -> None:
    row = {"project_id": project_id, "user_id": user_id, "resource": resource, "hard_limit": value}
    dialect = s.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        stmt = insert(QuotaUserLimit).values(**row)
        keys = ["project_id", "user_id", "resource"]
        s.execute(stmt.on_conflict_do_update(index_elements=keys, set_={"hard_limit": value}))
    else:
        s.merge(QuotaUserLimit(**row))
