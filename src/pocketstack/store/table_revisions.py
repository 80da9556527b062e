"""Counters that move in the same transaction as any write to their group of tables.

A process may keep what it read from a group (a validated token, a rendered list) for as long
as the group's counter stays where it was when it read. The counters live in the database's
``revisions`` table (storage revision 0008), so a write committed by any process of the cloud
invalidates every process's copy at its next read.

The watch sits on the engine, under the ORM: every INSERT, UPDATE or DELETE reaches it, whether
a session flushed it, a session ran it as a statement, or a Core statement ran it on the
session's connection.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Engine, event, select
from sqlalchemy.sql.dml import UpdateBase

from pocketstack.store.coordination import SharedRevision, ThreadReads
from pocketstack.store.coordination_models import Revision


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Table names, not model classes: importing every model module would cost a start a tenth of a
# second. tests/unit/test_table_revisions.py checks them against the models.
GROUPS: Mapping[str, frozenset[str]] = {
    # Whatever a token's validation and the catalog (with its endpoint filters) are read from.
    "identity": _names(
        "access_rules application_credential_access_rules application_credentials assignments"
        " domains endpoint_groups endpoints group_memberships groups implied_roles"
        " project_endpoint_groups project_endpoints projects regions"
        " revocation_events roles services trusts users"
    ),
    "flavors": _names("flavors flavor_access flavor_user_access flavor_tags"),
    "keypairs": _names("keypairs"),
    # Every image table but the image cache's records, which no image view shows.
    "images": _names("images image_locations image_members image_tags"),
    # Unified limits and what they are found by (a service's type, a region): object storage
    # keeps each project's limits while this stands (core/objects/project_limits.py).
    "limits": _names("limits registered_limits services regions"),
    # Every Network v2 table.
    "network": _names(
        "address_scopes auto_allocated_topologies default_security_groups floatingips"
        " ip_allocations network_quota_limits network_quota_locks network_resource_tags networks"
        " port_forwardings port_security_groups ports rbac_policies router_ports routers"
        " security_group_rules security_groups subnetpools subnets"
    ),
}

_MOVED = "pocketstack.revisions_moved"


class TableRevisions:
    """The counters of ``GROUPS`` for one engine; ``counter(name)`` reads one."""

    def __init__(self, engine: Engine, groups: Mapping[str, frozenset[str]] = GROUPS) -> None:
        self.engine = engine
        self._counters = {name: SharedRevision(engine, name) for name in groups}
        self._groups_of: dict[str, tuple[str, ...]] = {}
        for name, tables in groups.items():
            for table in tables:
                self._groups_of[table] = (*self._groups_of.get(table, ()), name)
        self._ensured: set[str] = set()
        self._lock = threading.Lock()
        self._reads = ThreadReads(engine)
        self._statements: dict[tuple[str, ...], str] = {}
        event.listen(engine, "after_execute", self._after_execute)
        for forget in ("commit", "rollback", "rollback_savepoint"):
            # A savepoint rolled back took its moves with it; a later write moves them again.
            event.listen(engine, forget, self._forget)

    def counter(self, name: str) -> SharedRevision:
        """The group's counter, its row made first if this database has none yet: a counter
        read as missing could never move, and a copy kept against it would never expire."""
        counter = self._counters[name]
        if name not in self._ensured:
            with self._lock:
                if name not in self._ensured:
                    counter.ensure()
                    self._ensured.add(name)
        return counter

    def read(self, names: tuple[str, ...]) -> tuple[int, ...]:
        """The counters of ``names``, in their order, read fresh in one query: what a request
        reads before anything else (the identity counter and those of its kept answer)."""
        sql = self._statements.get(names)
        if sql is None:
            for name in names:
                self.counter(name)
            markers = ", ".join([self._reads.marker] * len(names))
            sql = self._statements[names] = f"SELECT name, value FROM revisions WHERE name IN ({markers})"
        values = dict(self._reads.fetch(sql, names))
        return tuple(values.get(name, 0) for name in names)

    def ensure_all(self) -> None:
        """Make every group's row now (a start does, so that no read ever writes one)."""
        with self.engine.connect() as conn:
            present = set(
                conn.execute(select(Revision.name).where(Revision.name.in_(list(self._counters)))).scalars()
            )
        for name in self._counters.keys() - present:
            self.counter(name)
        with self._lock:
            self._ensured.update(self._counters)

    def close(self) -> None:
        for counter in self._counters.values():
            counter.close()
        self._reads.close()

    def _after_execute(self, conn: Connection, statement: Any, *_: Any) -> None:  # noqa: ANN401
        if not isinstance(statement, UpdateBase):
            return
        names = self._groups_of.get(getattr(statement.table, "name", ""))
        if not names:
            return
        moved = conn.info.setdefault(_MOVED, set())
        for name in names:
            if name not in moved:
                moved.add(name)
                self._counters[name].bump(conn)

    @staticmethod
    def _forget(conn: Connection, *_: Any) -> None:  # noqa: ANN401
        conn.info.pop(_MOVED, None)
