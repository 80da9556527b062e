"""Small shared pieces of the identity core."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from pocketstack.core.errors import NotFound

T = TypeVar("T")


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    """Naive UTC: what the store keeps (SQLite has no time zones)."""
    return datetime.now(UTC).replace(tzinfo=None)


def as_utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def naive_utc(when: datetime) -> datetime:
    return as_utc(when).replace(tzinfo=None)


def get_or_404(session: Session, model: type[T], ident: str, kind: str, message: str | None = None) -> T:
    """The row, or NotFound with code ``identity.<kind>.not_found`` (and Keystone's own wording
    when ``message`` gives it)."""
    obj = session.get(model, ident) if ident else None
    if obj is None:
        raise NotFound(kind, ident, code=f"identity.{kind.replace(' ', '_')}.not_found", message=message)
    return obj
