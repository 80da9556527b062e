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
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import Any

from sqlalchemy import Connection, Engine, Table, event
from sqlalchemy.sql.dml import UpdateBase

from pocketstack.store import (
    compute_models,
    identity_catalog_models,
    identity_delegation_models,
    identity_group_models,
    image_models,
    models,
    network_l3_models,
    network_models,
    network_security_models,
)
from pocketstack.store.coordination import SharedRevision


def _tables_of(*modules: ModuleType, leave_out: Iterable[str] = ()) -> frozenset[str]:
    return frozenset(
        table.name
        for module in modules
        for obj in vars(module).values()
        if isinstance(table := getattr(obj, "__table__", None), Table) and obj.__module__ == module.__name__
    ) - frozenset(leave_out)


def _tables(*classes: Any) -> frozenset[str]:  # noqa: ANN401 - mapped classes
    return frozenset(cls.__table__.name for cls in classes)


GROUPS: Mapping[str, frozenset[str]] = {
    # Whatever a token's validation and the catalog are read from.
    "identity": _tables(
        models.Domain,
        models.Project,
        models.User,
        models.Role,
        models.ImpliedRole,
        models.Assignment,
        identity_group_models.Group,
        identity_group_models.GroupMembership,
        models.ApplicationCredential,
        models.RevocationEvent,
        models.Service,
        models.Endpoint,
        models.Region,
        identity_delegation_models.Trust,
        identity_catalog_models.ProjectEndpoint,
        identity_catalog_models.EndpointGroup,
        identity_catalog_models.ProjectEndpointGroup,
    ),
    "flavors": _tables(compute_models.Flavor, compute_models.FlavorAccess),
    "keypairs": _tables(compute_models.Keypair),
    # The image cache's records are not part of any image's API view.
    "images": _tables_of(image_models, leave_out={"image_cache"}),
    "network": _tables_of(network_models, network_l3_models, network_security_models),
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

    def close(self) -> None:
        for counter in self._counters.values():
            counter.close()

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
