"""Compute quotas, after Nova's database quota driver: limits, usage and the race-free check.

A project's limit for a resource is, first found wins: the project's own limit, the ``default``
quota class, the operator's ``quota_defaults`` setting, the built-in default. -1 means
unlimited. Usage is counted from the rows themselves (servers, server groups), never kept as a
separate counter, so it cannot drift.

``check`` is what creates call inside their own transaction, before they add the rows it
guards: it takes the project's ``QuotaLock`` row first, so two concurrent creates of one
project are serialised and cannot both pass on the same count.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Select,
    Update,
    bindparam,
    delete,
    func,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest, QuotaExceeded
from pocketstack.store.compute_models import (
    Keypair,
    QuotaClassLimit,
    QuotaLimit,
    QuotaLock,
    Server,
    ServerGroup,
)
from pocketstack.store.db import Database

# Nova's defaults (nova/conf/quota.py). The four network resources are nova-network leftovers:
# never enforced, unlimited unless set, kept because older microversions still show them.
BUILTIN_DEFAULTS: dict[str, int] = {
    "instances": 10,
    "cores": 20,
    "ram": 51200,
    "metadata_items": 128,
    "injected_files": 5,
    "injected_file_content_bytes": 10240,
    "injected_file_path_bytes": 255,
    "key_pairs": 100,
    "server_groups": 10,
    "server_group_members": 10,
    "fixed_ips": -1,
    "floating_ips": -1,
    "security_groups": -1,
    "security_group_rules": -1,
}
RESOURCES: tuple[str, ...] = tuple(BUILTIN_DEFAULTS)
NETWORK_RESOURCES: tuple[str, ...] = ("fixed_ips", "floating_ips", "security_groups", "security_group_rules")
PERSONALITY_RESOURCES: tuple[str, ...] = (
    "injected_files",
    "injected_file_content_bytes",
    "injected_file_path_bytes",
)
# Resources counted per project from rows; every other resource's usage reads as 0, as in Nova
# (key pairs belong to users, group members to groups: their checks count them separately).
COUNTED: tuple[str, ...] = ("instances", "cores", "ram", "server_groups")
DEFAULT_CLASS = "default"
UNLIMITED = -1
MAX_LIMIT = 0x7FFFFFFF  # Nova's database integer maximum
# COMPAT: Nova's own wording when one of these resources alone is over its limit.
_OWN_MESSAGES = {
    "server_groups": "Quota exceeded, too many server groups.",
    "server_group_members": "Quota exceeded, too many servers in group",
    "key_pairs": "Quota exceeded, too many key pairs.",
}


def check_limit_value(resource: str, value: Any) -> int:
    """``value`` as a limit of ``resource``; BadRequest for an unknown resource or a value that is
    not a whole number from -1 (unlimited) to MAX_LIMIT."""
    if resource not in BUILTIN_DEFAULTS:
        raise BadRequest(f"Unknown quota resource {resource!r}.")
    if isinstance(value, bool) or not isinstance(value, int) or not UNLIMITED <= value <= MAX_LIMIT:
        raise BadRequest(f"Quota limit {value!r} for {resource} must be an integer from -1 to {MAX_LIMIT}.")
    return value


def parse_quota_defaults(text: str) -> dict[str, int]:
    """``"instances=20,cores=40"`` -> overrides of the built-in defaults.

    Raises ValueError naming the piece for an unknown resource, a missing ``=`` or a value that
    is not an integer from -1 up."""
    overrides: dict[str, int] = {}
    for piece in (p.strip() for p in text.split(",")):
        if not piece:
            continue
        resource, sep, raw = (part.strip() for part in piece.partition("="))
        if not sep:
            raise ValueError(f"quota_defaults: {piece!r} is not resource=limit")
        if resource not in BUILTIN_DEFAULTS:
            raise ValueError(f"quota_defaults: unknown resource {resource!r}; known: {', '.join(RESOURCES)}")
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(
                f"quota_defaults: the limit of {resource} must be an integer, not {raw!r}"
            ) from None
        if not UNLIMITED <= value <= MAX_LIMIT:
            raise ValueError(f"quota_defaults: the limit of {resource} must be from -1 to {MAX_LIMIT}")
        overrides[resource] = value
    return overrides


def _upsert(session: Session, model: type[QuotaLimit] | type[QuotaClassLimit], **row: Any) -> None:
    """Insert or replace one limit row in one statement, so two concurrent writers of the same
    limit cannot both insert it."""
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        keys = [c.name for c in model.__table__.primary_key.columns]
        stmt = insert(model).values(**row)
        session.execute(
            stmt.on_conflict_do_update(index_elements=keys, set_={"hard_limit": row["hard_limit"]})
        )
    else:
        session.merge(model(**row))


@cache
def _limits_stmt() -> CompoundSelect:
    """(0, resource, limit) of the default class, then (1, resource, limit) of the project."""
    of_class = select(literal(0), QuotaClassLimit.resource, QuotaClassLimit.hard_limit).where(
        QuotaClassLimit.class_name == DEFAULT_CLASS
    )
    own = select(literal(1), QuotaLimit.resource, QuotaLimit.hard_limit).where(
        QuotaLimit.project_id == bindparam("project_id")
    )
    return union_all(of_class, own)


@cache
def _server_usage_stmt(by_user: bool) -> Select[Any]:
    stmt = select(
        func.count(),
        func.coalesce(func.sum(Server.flavor["vcpus"].as_integer()), 0),
        func.coalesce(func.sum(Server.flavor["ram"].as_integer()), 0),
    ).where(Server.project_id == bindparam("project_id"), Server.deleted.is_(False))
    return stmt.where(Server.user_id == bindparam("user_id")) if by_user else stmt


@cache
def _bump_lock_stmt() -> Update:
    return (
        update(QuotaLock)
        .where(QuotaLock.project_id == bindparam("lock_project"))
        .values(serial=QuotaLock.serial + 1)
    )


class QuotaService:
    """Limits and usage of compute resources per project, and quota classes."""

    def __init__(self, db: Database, defaults: Mapping[str, int]) -> None:
        self.db = db
        self.defaults = dict(defaults)

    # -- limits -------------------------------------------------------------------------
    def _configured(self) -> dict[str, int]:
        return {**BUILTIN_DEFAULTS, **self.defaults}

    @staticmethod
    def _class_rows(session: Session, class_name: str) -> dict[str, int]:
        stmt = select(QuotaClassLimit.resource, QuotaClassLimit.hard_limit).where(
            QuotaClassLimit.class_name == class_name
        )
        return {r: v for r, v in session.execute(stmt) if r in BUILTIN_DEFAULTS}

    def default_limits(self, session: Session | None = None) -> dict[str, int]:
        """What a project without limits of its own gets: the ``default`` class over the
        settings over the built-in defaults."""
        if session is None:
            with self.db.read() as s:
                return self.default_limits(s)
        return {**self._configured(), **self._class_rows(session, DEFAULT_CLASS)}

    def limits_in(self, session: Session, project_id: str | None) -> dict[str, int]:
        """The project's limits, read in ``session`` (the default class's and the project's
        own rows in one statement: every create reads them)."""
        rows = session.connection().execute(_limits_stmt(), {"project_id": project_id}).all()
        ordered = sorted(rows, key=lambda row: row[0])  # the class first, the project's own over it
        return {**self._configured(), **{r: v for _, r, v in ordered if r in BUILTIN_DEFAULTS}}

    def limits(self, project_id: str | None) -> dict[str, int]:
        """The project's limit for every resource (-1: unlimited)."""
        with self.db.read() as s:
            return self.limits_in(s, project_id)

    # -- usage --------------------------------------------------------------------------
    @staticmethod
    def server_usage(session: Session, project_id: str | None, user_id: str | None = None) -> dict[str, int]:
        """Instances, cores and RAM of the project's servers that are not deleted (from each
        server's flavor snapshot); with ``user_id``, only that user's."""
        params = {"project_id": project_id, "user_id": user_id}
        stmt = _server_usage_stmt(user_id is not None)
        instances, cores, ram = session.connection().execute(stmt, params).one()  # summed in the database
        return {"instances": int(instances), "cores": int(cores), "ram": int(ram)}

    @classmethod
    def usage(cls, session: Session, project_id: str | None, user_id: str | None = None) -> dict[str, int]:
        """``server_usage`` and the project's (or user's) server groups."""
        groups = select(func.count()).select_from(ServerGroup).where(ServerGroup.project_id == project_id)
        if user_id is not None:
            groups = groups.where(ServerGroup.user_id == user_id)
        used = cls.server_usage(session, project_id, user_id)
        return {**used, "server_groups": session.scalar(groups) or 0}

    def usage_report(
        self, project_id: str | None, user_id: str | None = None
    ) -> tuple[dict[str, int], dict[str, int]]:
        """(limits, usage) of every resource, read together; usage is 0 where not counted."""
        with self.db.read() as s:
            used = self.usage(s, project_id, user_id)
            return self.limits_in(s, project_id), {r: used.get(r, 0) for r in RESOURCES}

    # -- changes ------------------------------------------------------------------------
    def set_limits(
        self, project_id: str, values: Mapping[str, int], *, force: bool = False
    ) -> dict[str, int]:
        """Give the project its own limits; returns all its limits afterwards.

        Unless ``force``, a limit below what the project already uses is refused (BadRequest),
        as Nova does. BadRequest too for unknown resources and values out of range."""
        checked = {r: check_limit_value(r, v) for r, v in values.items()}
        with self.db.transaction() as s:
            if not force:
                used = self.usage(s, project_id)
                for resource, value in checked.items():
                    minimum = used.get(resource, 0)
                    if value != UNLIMITED and value < minimum:
                        raise BadRequest(
                            f"Quota limit {value} for {resource} must be greater than or equal to "
                            f"already used and reserved {minimum}."
                        )
            for resource, value in checked.items():
                _upsert(s, QuotaLimit, project_id=project_id, resource=resource, hard_limit=value)
            return self.limits_in(s, project_id)

    def delete_limits(self, project_id: str) -> None:
        """Drop the project's own limits: it falls back to the defaults."""
        with self.db.transaction() as s:
            s.execute(delete(QuotaLimit).where(QuotaLimit.project_id == project_id))

    def class_limits(self, class_name: str) -> dict[str, int]:
        """A quota class: its own values over the settings and built-in defaults. (Nova reads any
        class this way; only ``default`` is ever applied to projects.)"""
        with self.db.read() as s:
            return {**self._configured(), **self._class_rows(s, class_name)}

    def set_class_limits(self, class_name: str, values: Mapping[str, int]) -> dict[str, int]:
        """Set values of a quota class (``default`` changes every project without its own
        limits); returns the class afterwards. BadRequest for a name longer than 255 characters,
        unknown resources or values out of range."""
        if not 1 <= len(class_name) <= 255:
            raise BadRequest("quota_class_name must be 1 to 255 characters long.")
        checked = {r: check_limit_value(r, v) for r, v in values.items()}
        with self.db.transaction() as s:
            for resource, value in checked.items():
                _upsert(s, QuotaClassLimit, class_name=class_name, resource=resource, hard_limit=value)
        return self.class_limits(class_name)

    # -- enforcement --------------------------------------------------------------------
    def check_metadata_items(self, project_id: str | None, count: int) -> None:
        """Raise QuotaExceeded (403) when a server would have more metadata items than the
        project's ``metadata_items`` limit, with Nova's wording. Nova checks this on create,
        rebuild and every metadata change; the count is the server's whole metadata after it."""
        if count <= 0:
            return  # nothing a limit could refuse
        limit = self.limits(project_id)["metadata_items"]
        if 0 <= limit < count:
            deltas = {"metadata_items": count}
            raise QuotaExceeded(over_quota_message(["metadata_items"], deltas, {}, {"metadata_items": limit}))

    @staticmethod
    def lock(session: Session, project_id: str) -> None:
        """Hold the project's quota lock until ``session``'s transaction ends.

        PostgreSQL (and others): ``SELECT ... FOR UPDATE`` of the project's QuotaLock row; the
        first row is created with ``INSERT ... ON CONFLICT DO NOTHING`` so two first creates
        do not collide. SQLite has no row locks: bumping the row's serial makes the transaction
        a writer, and SQLite lets one writer at a time hold its lock until commit.
        """
        dialect = session.get_bind().dialect.name
        if dialect == "sqlite":
            bumped = session.connection().execute(_bump_lock_stmt(), {"lock_project": project_id})
            if bumped.rowcount == 0:
                session.add(QuotaLock(project_id=project_id, serial=1))
                session.flush()
            return
        locked = select(QuotaLock.serial).where(QuotaLock.project_id == project_id).with_for_update()
        if session.execute(locked).first() is not None:
            return
        if dialect == "postgresql":
            first = postgresql.insert(QuotaLock).values(project_id=project_id, serial=0)
            session.execute(first.on_conflict_do_nothing(index_elements=["project_id"]))
        else:
            session.add(QuotaLock(project_id=project_id, serial=0))
            session.flush()
        session.execute(locked)

    def check(
        self,
        session: Session,
        project_id: str,
        deltas: Mapping[str, int],
        *,
        user_id: str | None = None,
    ) -> None:
        """Raise QuotaExceeded (403) if adding ``deltas`` would take the project over a limit.

        Call it inside the transaction that creates the resources, *before* adding their rows:
        it locks the project's quota (see ``lock``) and counts usage in ``session``, so the
        lock is held until that transaction commits. Negative and zero deltas are not checked.
        ``key_pairs`` is counted for ``user_id``; resources that are not counted
        (``metadata_items``, ``injected_*``) compare the delta itself with the limit.
        """
        unknown = set(deltas) - set(BUILTIN_DEFAULTS)
        if unknown:
            raise ValueError(f"unknown quota resources: {sorted(unknown)}")
        self.lock(session, project_id)
        with session.no_autoflush:
            limits = self.limits_in(session, project_id)
            used = self.usage(session, project_id) if set(deltas) & set(COUNTED) else {}
            if "key_pairs" in deltas and user_id is not None:
                keypairs = select(func.count()).select_from(Keypair).where(Keypair.user_id == user_id)
                used["key_pairs"] = session.scalar(keypairs) or 0
        refuse_over(deltas, used, limits)


def refuse_over(deltas: Mapping[str, int], used: Mapping[str, int], limits: Mapping[str, int]) -> None:
    """QuotaExceeded (Nova's wording) when a positive delta takes usage past a limit in ``limits``
    (a resource missing from ``limits`` has none)."""
    overs = sorted(
        r for r, d in deltas.items() if d > 0 and r in limits and 0 <= limits[r] < used.get(r, 0) + d
    )
    if overs:
        raise QuotaExceeded(over_quota_message(overs, deltas, used, limits))


def over_quota_message(
    overs: list[str], deltas: Mapping[str, int], used: Mapping[str, int], limits: Mapping[str, int]
) -> str:
    """Nova's wording: its own sentence for a few single resources, else TooManyInstances'
    ``Quota exceeded for instances: Requested 1, but already used 10 of 10 instances``."""
    if len(overs) == 1 and overs[0] in _OWN_MESSAGES:
        return _OWN_MESSAGES[overs[0]]
    if overs == ["metadata_items"]:
        return f"Maximum number of metadata items exceeds {limits['metadata_items']}"
    names = ", ".join(overs)
    requested = ", ".join(str(deltas[r]) for r in overs)
    in_use = ", ".join(str(used.get(r, 0)) for r in overs)
    allowed = ", ".join(str(limits[r]) for r in overs)
    return (
        f"Quota exceeded for {names}: Requested {requested}, but already used {in_use} of {allowed} {names}"
    )
