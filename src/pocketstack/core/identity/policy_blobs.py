"""Keystone's /v3/policies: opaque policy documents (a blob and its type) kept for other
services to fetch. pocketstack stores and serves them; it never enforces them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.identity.common import get_or_404, new_id
from pocketstack.store.db import Database
from pocketstack.store.identity_catalog_models import PolicyBlob


def _get(s: Session, policy_id: str) -> PolicyBlob:
    return get_or_404(s, PolicyBlob, policy_id, "policy", f"Could not find policy: {policy_id}.")


class PolicyBlobService:
    """Every method opens its own transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def list(self, type: str | None = None) -> list[PolicyBlob]:
        stmt = select(PolicyBlob)
        if type is not None:
            stmt = stmt.where(PolicyBlob.type == type)
        with self.db.read() as s:
            return list(s.scalars(stmt.order_by(PolicyBlob.type, PolicyBlob.id)))

    def get(self, policy_id: str) -> PolicyBlob:
        """Raises NotFound."""
        with self.db.read() as s:
            return _get(s, policy_id)

    def create(self, type: str, blob: str, extra: Mapping[str, Any] | None = None) -> PolicyBlob:
        with self.db.transaction() as s:
            policy = PolicyBlob(id=new_id(), type=type, blob=blob, extra=dict(extra or {}))
            s.add(policy)
            s.flush()
            return policy

    def update(self, policy_id: str, changes: Mapping[str, Any]) -> PolicyBlob:
        """``changes`` keys: type, blob, extra (merged). Raises NotFound."""
        with self.db.transaction() as s:
            policy = _get(s, policy_id)
            for key in ("type", "blob"):
                if key in changes:
                    setattr(policy, key, changes[key])
            if changes.get("extra"):
                policy.extra = {**policy.extra, **changes["extra"]}
            s.flush()
            return policy

    def delete(self, policy_id: str) -> None:
        """Raises NotFound."""
        with self.db.transaction() as s:
            s.delete(_get(s, policy_id))
