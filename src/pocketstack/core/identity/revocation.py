"""Revocation events: a token is revoked when an event matches it and it was issued no later
than the event's ``issued_before``. Events older than the longest token life are pruned."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from pocketstack.core.identity.common import naive_utc, utcnow
from pocketstack.store.models import RevocationEvent

if TYPE_CHECKING:
    from pocketstack.core.identity.tokens import TokenPayload


def revoke(session: Session, **match: str | None) -> None:
    """Record an event revoking every token issued until now that matches all of ``match``."""
    now = utcnow()
    session.add(RevocationEvent(issued_before=now, revoked_at=now, **match))


def _field_matches(column, value: str | None):  # noqa: ANN001, ANN202 - SQL expression
    return or_(column.is_(None), column == value) if value is not None else column.is_(None)


def is_revoked(session: Session, token: TokenPayload, domain_id: str | None) -> bool:
    """``domain_id`` is the domain of the token's user (events for a domain cover its users)."""
    project_id = token.scope_id if token.scope == "project" else None
    stmt = (
        select(RevocationEvent.id)
        .where(RevocationEvent.issued_before >= naive_utc(token.issued_at))
        .where(
            or_(
                RevocationEvent.audit_id == token.audit_id,
                RevocationEvent.audit_chain_id == token.audit_chain_id,
                and_(
                    RevocationEvent.audit_id.is_(None),
                    RevocationEvent.audit_chain_id.is_(None),
                    _field_matches(RevocationEvent.user_id, token.user_id),
                    _field_matches(RevocationEvent.project_id, project_id),
                    _field_matches(RevocationEvent.domain_id, domain_id),
                    _field_matches(
                        RevocationEvent.application_credential_id,
                        token.application_credential_id,
                    ),
                    or_(
                        RevocationEvent.user_id.is_not(None),
                        RevocationEvent.project_id.is_not(None),
                        RevocationEvent.domain_id.is_not(None),
                        RevocationEvent.application_credential_id.is_not(None),
                    ),
                ),
            )
        )
        .limit(1)
    )
    return session.scalar(stmt) is not None


def prune(session: Session, older_than: timedelta) -> int:
    cutoff: datetime = utcnow() - older_than
    result = session.execute(delete(RevocationEvent).where(RevocationEvent.revoked_at < cutoff))
    return result.rowcount or 0
