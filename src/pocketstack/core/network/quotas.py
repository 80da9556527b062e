"""Network quotas, after Neutron's database quota driver: per-project limits of each resource,
usage counted from the resources' own rows (never a separate counter, so it cannot drift), and
a race-free check.

A project's limit is, first found wins: its own limit, the operator's ``network_quota_defaults``
setting, Neutron's default. -1 means unlimited. ``check`` runs inside the transaction that
creates the resources: it holds the project's ``network_quota_locks`` row first, so concurrent
creates of one project are serialised exactly there.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import Select, Update, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pocketstack.core.network.errors import bad_request, over_quota
from pocketstack.store.db import Database
from pocketstack.store.network_l3_models import FloatingIP, Router
from pocketstack.store.network_models import (
    Network,
    NetworkQuotaLimit,
    NetworkQuotaLock,
    Port,
    Subnet,
    SubnetPool,
)
from pocketstack.store.network_security_models import RbacPolicy, SecurityGroup, SecurityGroupRule

# Neutron's defaults (neutron/conf/quota.py); each resource's usage is counted from its rows.
DEFAULTS: dict[str, int] = {
    "network": 100,
    "subnet": 100,
    "port": 500,
    "router": 10,
    "floatingip": 50,
    "security_group": 10,
    "security_group_rule": 100,
    "rbac_policy": 10,
    "subnetpool": -1,
}
COUNTED: dict[str, Any] = {"network": Network, "subnet": Subnet, "port": Port, "subnetpool": SubnetPool}
COUNTED.update(router=Router, floatingip=FloatingIP)
COUNTED.update(security_group=SecurityGroup, security_group_rule=SecurityGroupRule, rbac_policy=RbacPolicy)
UNLIMITED = -1
MAX_LIMIT = 0x7FFFFFFF


def parse_defaults(text: str) -> dict[str, int]:
    """``"port=1000,network=20"`` -> overrides of Neutron's defaults; ValueError names a bad piece."""
    overrides: dict[str, int] = {}
    for piece in filter(None, (p.strip() for p in text.split(","))):
        resource, sep, raw = (part.strip() for part in piece.partition("="))
        if not sep or resource not in DEFAULTS:
            raise ValueError(
                f"network_quota_defaults: {piece!r} is not resource=limit of {', '.join(DEFAULTS)}"
            )
        try:
            overrides[resource] = check_value(resource, int(raw))
        except Exception:
            raise ValueError(
                f"network_quota_defaults: the limit of {resource} must be an integer from -1"
            ) from None
    return overrides


def check_value(resource: str, value: Any) -> int:
    if resource not in DEFAULTS:
        raise bad_request(f"Unrecognized attribute(s) '{resource}'")
    if isinstance(value, bool) or not isinstance(value, int) or not UNLIMITED <= value <= MAX_LIMIT:
        raise bad_request(
            f"Invalid input for {resource}. Reason: '{value}' is not an integer from -1 to {MAX_LIMIT}."
        )
    return value


def lock(s: Session, project_id: str) -> None:
    """Hold the project's quota lock until the transaction ends (see compute's quota lock:
    ``SELECT ... FOR UPDATE`` on PostgreSQL, a write that makes SQLite's one writer)."""
    if s.get_bind().dialect.name == "sqlite":
        bumped = s.connection().execute(_bump_stmt(), {"lock_project": project_id})
        if bumped.rowcount == 0:
            s.execute(
                sqlite.insert(NetworkQuotaLock)
                .values(project_id=project_id, serial=1)
                .on_conflict_do_nothing()
            )
        return
    first = postgresql.insert(NetworkQuotaLock).values(project_id=project_id, serial=0)
    s.execute(first.on_conflict_do_nothing(index_elements=["project_id"]))
    s.execute(
        select(NetworkQuotaLock.serial).where(NetworkQuotaLock.project_id == project_id).with_for_update()
    )


# Statements every quota-checked create runs, built once.
@cache
def _bump_stmt() -> Update:
    project = NetworkQuotaLock.project_id == bindparam("lock_project")
    return update(NetworkQuotaLock).where(project).values(serial=NetworkQuotaLock.serial + 1)


@cache
def _limits_stmt() -> Select[Any]:
    columns = (NetworkQuotaLimit.resource, NetworkQuotaLimit.hard_limit)
    return select(*columns).where(NetworkQuotaLimit.project_id == bindparam("project_id"))


@cache
def _count_stmt(resource: str) -> Select[Any]:
    model = COUNTED[resource]
    return select(func.count()).select_from(model).where(model.project_id == bindparam("project_id"))


class NetworkQuotas:
    """Limits and usage of network resources per project."""

    def __init__(self, db: Database, overrides: Mapping[str, int] | None = None) -> None:
        self.db = db
        self.defaults = {**DEFAULTS, **(overrides or {})}

    def limits_in(self, s: Session, project_id: str) -> dict[str, int]:
        rows = s.connection().execute(_limits_stmt(), {"project_id": project_id})
        return {**self.defaults, **{r: v for r, v in rows if r in DEFAULTS}}

    def limits(self, project_id: str) -> dict[str, int]:
        with self.db.read() as s:
            return self.limits_in(s, project_id)

    @staticmethod
    def usage(s: Session, project_id: str, resources: Any = None) -> dict[str, int]:
        """Rows of each counted resource the project owns (0 for those not served yet)."""
        used = dict.fromkeys(DEFAULTS, 0)
        for resource in resources or COUNTED:
            if resource in COUNTED:
                stmt = _count_stmt(resource)
                used[resource] = s.connection().execute(stmt, {"project_id": project_id}).scalar() or 0
        return used

    def details(self, project_id: str) -> dict[str, dict[str, int]]:
        with self.db.read() as s:
            limits, used = self.limits_in(s, project_id), self.usage(s, project_id)
        return {r: {"limit": limits[r], "used": used[r], "reserved": 0} for r in DEFAULTS}

    def customised(self) -> dict[str, dict[str, int]]:
        """Every project with limits of its own -> all its limits."""
        with self.db.read() as s:
            projects = s.scalars(select(NetworkQuotaLimit.project_id).distinct()).all()
            return {p: self.limits_in(s, p) for p in sorted(projects)}

    def set_limits(
        self, project_id: str, values: Mapping[str, Any], check_limit: bool = False
    ) -> dict[str, int]:
        """Give the project its own limits; returns all its limits. Neutron accepts a limit
        below what is already used, unless ``check_limit`` asks it not to (then a 400)."""
        checked = {r: check_value(r, v) for r, v in values.items()}
        with self.db.transaction() as s:
            if check_limit:
                lock(s, project_id)
                used = self.usage(s, project_id, list(checked))
                for resource, value in checked.items():
                    if 0 <= value < used[resource]:
                        raise bad_request(
                            f"Quota limit {value} for {resource} must be greater than or equal to "
                            f"already used and reserved {used[resource]}.",
                            "below_usage",
                        )
            insert = sqlite.insert if s.get_bind().dialect.name == "sqlite" else postgresql.insert
            for resource, value in checked.items():
                # One statement, so two admins setting the same limit at once cannot collide.
                stmt = insert(NetworkQuotaLimit).values(
                    project_id=project_id, resource=resource, hard_limit=value
                )
                s.execute(
                    stmt.on_conflict_do_update(
                        index_elements=["project_id", "resource"], set_={"hard_limit": value}
                    )
                )
            return self.limits_in(s, project_id)

    def reset(self, project_id: str) -> None:
        with self.db.transaction() as s:
            s.execute(delete(NetworkQuotaLimit).where(NetworkQuotaLimit.project_id == project_id))

    def check(self, s: Session, project_id: str, deltas: Mapping[str, int], *, locked: bool = False) -> None:
        """409 OverQuota if adding ``deltas`` would take the project past a limit. Call it in the
        creating transaction before adding the rows: it takes the project's quota lock (unless
        ``locked``: the caller holds it already)."""
        if not locked:
            lock(s, project_id)
        limits = self.limits_in(s, project_id)
        used = self.usage(s, project_id, deltas)
        overs = [r for r, d in deltas.items() if d > 0 and 0 <= limits[r] < used[r] + d]
        if overs:
            raise over_quota(overs)
