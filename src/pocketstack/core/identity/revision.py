"""A counter that moves whenever identity state changes, so validated tokens and the catalog
can be cached.

Every committed transaction that wrote a row of an identity table bumps the counter; a cached
validation counts only while the counter is where it was. This keeps revocation immediate in
the all-in-one process. (Several API processes sharing one database will need the counter in
the database: see docs/DESIGN-notes.md.)
"""

from __future__ import annotations

import itertools
import threading

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from pocketstack.store import identity_delegation_models, identity_group_models, models

WATCHED = (
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
)
_FLAG = "pocketstack.identity_changed"


class IdentityRevision:
    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self.value = 0

    def bump(self) -> None:
        with self._lock:
            self.value = next(self._counter)

    def watch(self, sessions: sessionmaker[Session]) -> None:
        @event.listens_for(sessions, "after_flush")
        def _note(session: Session, _ctx: object) -> None:
            changed = (*session.new, *session.dirty, *session.deleted)
            if any(isinstance(obj, WATCHED) for obj in changed):
                session.info[_FLAG] = True

        @event.listens_for(sessions, "do_orm_execute")
        def _note_statement(state: ORMExecuteState) -> None:
            if state.is_select:
                return
            mapper = state.bind_mapper
            if mapper is None or mapper.class_ in WATCHED:
                state.session.info[_FLAG] = True

        @event.listens_for(sessions, "after_commit")
        def _bump(session: Session) -> None:
            if session.info.pop(_FLAG, False):
                self.bump()

        @event.listens_for(sessions, "after_rollback")
        def _forget(session: Session) -> None:
            session.info.pop(_FLAG, None)
