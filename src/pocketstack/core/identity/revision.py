"""A counter that moves whenever identity state changes, so validated tokens and the catalog
can be cached.

Every transaction that writes a row of an identity table moves the ``identity`` row of the
``revisions`` table in the same transaction; a cached validation counts only while the counter
is where it was. The counter lives in the database, so a change committed through one API
process (a revoked token, a removed role) is seen by every process at its next request.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from pocketstack.store import identity_delegation_models, identity_group_models, models
from pocketstack.store.coordination import SharedRevision
from pocketstack.store.db import Database

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
_MOVED = "pocketstack.identity_revision_moved"


class IdentityRevision:
    def __init__(self, db: Database) -> None:
        self._counter = SharedRevision(db.engine, "identity")
        self._counter.ensure()
        self._watch(db.sessions)

    @property
    def value(self) -> int:
        return self._counter.value

    def close(self) -> None:
        self._counter.close()

    def _move(self, session: Session) -> None:
        """Once per transaction: the counter moves when the transaction commits."""
        if not session.info.get(_MOVED):
            session.info[_MOVED] = True
            self._counter.bump(session.connection())

    def _watch(self, sessions: sessionmaker[Session]) -> None:
        @event.listens_for(sessions, "after_flush")
        def _note(session: Session, _ctx: object) -> None:
            changed = (*session.new, *session.dirty, *session.deleted)
            if any(isinstance(obj, WATCHED) for obj in changed):
                self._move(session)

        @event.listens_for(sessions, "do_orm_execute")
        def _note_statement(state: ORMExecuteState) -> None:
            if state.is_select:
                return
            mapper = state.bind_mapper
            if mapper is None or mapper.class_ in WATCHED:
                self._move(state.session)

        @event.listens_for(sessions, "after_transaction_end")
        def _forget(session: Session, _transaction: object) -> None:
            # Also at a savepoint's end: one rolled back took its move with it.
            session.info.pop(_MOVED, None)
