"""OS-OAUTH1 consumers: registered for Keystone compatibility. The OAuth1 request/access token
flow is not served (501), so a consumer cannot yet be used to obtain tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.errors import NotFound
from pocketstack.core.identity.common import new_id
from pocketstack.store.db import Database
from pocketstack.store.identity_catalog_models import OAuthConsumer


def _get(s: Session, consumer_id: str) -> OAuthConsumer:
    consumer = s.get(OAuthConsumer, consumer_id) if consumer_id else None
    if consumer is None:
        raise NotFound(
            "consumer",
            consumer_id,
            code="identity.consumer.not_found",
            message=f"Could not find consumer: {consumer_id}.",
        )
    return consumer


class OAuthConsumerService:
    """Every method opens its own transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def list(self) -> list[OAuthConsumer]:
        with self.db.read() as s:
            return list(s.scalars(select(OAuthConsumer).order_by(OAuthConsumer.id)))

    def get(self, consumer_id: str) -> OAuthConsumer:
        """Raises NotFound."""
        with self.db.read() as s:
            return _get(s, consumer_id)

    def create(
        self, description: str | None, extra: Mapping[str, Any] | None = None
    ) -> tuple[OAuthConsumer, str]:
        """The new consumer and its secret, which is shown this once and kept only hashed."""
        secret = secrets.token_urlsafe(32)
        with self.db.transaction() as s:
            consumer = OAuthConsumer(
                id=new_id(),
                description=description,
                secret_hash=hashlib.sha256(secret.encode()).hexdigest(),
                extra=dict(extra or {}),
            )
            s.add(consumer)
            s.flush()
            return consumer, secret

    def update(self, consumer_id: str, changes: Mapping[str, Any]) -> OAuthConsumer:
        """``changes`` keys: description, extra (merged). Raises NotFound."""
        with self.db.transaction() as s:
            consumer = _get(s, consumer_id)
            if "description" in changes:
                consumer.description = changes["description"]
            if changes.get("extra"):
                consumer.extra = {**consumer.extra, **changes["extra"]}
            s.flush()
            return consumer

    def delete(self, consumer_id: str) -> None:
        """Raises NotFound."""
        with self.db.transaction() as s:
            s.delete(_get(s, consumer_id))
