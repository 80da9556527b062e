"""Trusts (Keystone's OS-TRUST): a trustor delegates some of their roles on a project to a
trustee, who then gets trust-scoped tokens (see ``trust_tokens.py``).

A trust may allow redelegation: the trustee, holding a token of the trust, creates a new trust
from it, at most ``redelegation_count`` levels deep, never with more roles, a later expiry or
impersonation the parent lacks. Deleting a trust deletes the trusts redelegated from it; tokens
of a deleted trust stop working at once (validation reads the trust).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest, Forbidden, NotFound
from pocketstack.core.identity.application_credentials import RoleRequest
from pocketstack.core.identity.assignments import effective_roles
from pocketstack.core.identity.common import get_or_404, naive_utc, new_id, utcnow
from pocketstack.store.db import Database
from pocketstack.store.identity_delegation_models import Trust
from pocketstack.store.models import Project, Role, User

# COMPAT: Keystone's [trust] max_redelegation_count default.
MAX_REDELEGATION_COUNT = 3


@dataclass(frozen=True)
class TrustInfo:
    trust: Trust
    roles: list[Role]


@dataclass(frozen=True)
class TrustRequest:
    trustor_user_id: str
    trustee_user_id: str
    project_id: str | None
    impersonation: bool
    roles: Sequence[RoleRequest] = ()
    expires_at: datetime | None = None
    remaining_uses: int | None = None
    allow_redelegation: bool = False
    redelegation_count: int | None = None


def _not_found(trust_id: str) -> NotFound:
    return NotFound("trust", trust_id, code="identity.trust.not_found")


def is_active(trust: Trust) -> bool:
    """Not expired and not used up (COMPAT: Keystone hides such trusts as not found)."""
    if trust.expires_at is not None and trust.expires_at <= utcnow():
        return False
    return trust.remaining_uses is None or trust.remaining_uses > 0


def active_trust(s: Session, trust_id: str) -> Trust:
    """The trust, or NotFound when it is gone, expired or used up."""
    trust = s.get(Trust, trust_id) if trust_id else None
    if trust is None or not is_active(trust):
        raise _not_found(trust_id)
    return trust


def _roles(s: Session, role_ids: Sequence[str]) -> list[Role]:
    if not role_ids:
        return []
    found = {r.id: r for r in s.scalars(select(Role).where(Role.id.in_(list(role_ids))))}
    return [found[i] for i in role_ids if i in found]


def original_trustor(s: Session, trust: Trust) -> str:
    """The trustor at the root of a redelegation chain: whose roles every link draws on."""
    seen = {trust.id}
    while trust.redelegated_trust_id:
        parent = s.get(Trust, trust.redelegated_trust_id)
        if parent is None or parent.id in seen:
            raise _not_found(trust.redelegated_trust_id)
        seen.add(parent.id)
        trust = parent
    return trust.trustor_user_id


class TrustService:
    def __init__(self, db: Database, max_redelegation_count: int = MAX_REDELEGATION_COUNT) -> None:
        self.db = db
        self.max_redelegation_count = max_redelegation_count

    # -- reading -------------------------------------------------------------------------
    def get(self, trust_id: str) -> TrustInfo:
        """An active trust with its roles. Raises NotFound."""
        with self.db.read() as s:
            trust = active_trust(s, trust_id)
            return TrustInfo(trust, _roles(s, trust.role_ids))

    def list(self, trustor_user_id: str | None = None, trustee_user_id: str | None = None) -> list[Trust]:
        stmt = select(Trust).order_by(Trust.created_at, Trust.id)
        if trustor_user_id is not None:
            stmt = stmt.where(Trust.trustor_user_id == trustor_user_id)
        if trustee_user_id is not None:
            stmt = stmt.where(Trust.trustee_user_id == trustee_user_id)
        with self.db.read() as s:
            return [t for t in s.scalars(stmt) if is_active(t)]

    # -- writing -------------------------------------------------------------------------
    def create(self, caller_user_id: str, caller_trust_id: str | None, req: TrustRequest) -> TrustInfo:
        """Create a trust. ``caller_trust_id`` is the trust of the caller's token, if any: the
        new trust is then a redelegation of it.

        Raises Forbidden (caller is not the trustor, no roles, redelegation refused), NotFound
        (trustee, project or a role the trustor lacks), BadRequest (bad expiry or uses).
        """
        if req.project_id and not req.roles:
            raise Forbidden("At least one role should be specified.")
        if caller_user_id != req.trustor_user_id:
            raise Forbidden("The authenticated user should match the trustor.")
        if req.remaining_uses is not None and req.remaining_uses <= 0:
            raise BadRequest("remaining_uses must be a positive integer or null.")
        expires = naive_utc(req.expires_at) if req.expires_at else None
        with self.db.transaction() as s:
            get_or_404(s, User, req.trustee_user_id, "user")
            parent = active_trust(s, caller_trust_id) if caller_trust_id else None
            role_ids = self._role_ids(s, req.roles)
            if req.project_id:
                get_or_404(s, Project, req.project_id, "project")
                trustor = original_trustor(s, parent) if parent else req.trustor_user_id
                held = {r.id for r in effective_roles(s, trustor, "project", req.project_id)}
                for role_id in role_ids:
                    if role_id not in held:
                        raise NotFound("role", role_id, code="identity.role.not_found")
            count = self._redelegation_count(req)
            if parent is not None:
                count, expires = self._check_redelegation(parent, req, role_ids, count, expires)
            trust = Trust(
                id=new_id(),
                trustor_user_id=req.trustor_user_id,
                trustee_user_id=req.trustee_user_id,
                project_id=req.project_id,
                impersonation=req.impersonation,
                role_ids=role_ids,
                expires_at=expires,
                remaining_uses=req.remaining_uses,
                redelegated_trust_id=parent.id if parent else None,
                redelegation_count=count,
                extra={},
                created_at=utcnow(),
            )
            s.add(trust)
            s.flush()
            return TrustInfo(trust, _roles(s, role_ids))

    @staticmethod
    def _role_ids(s: Session, requested: Sequence[RoleRequest]) -> list[str]:
        ids: list[str] = []
        for ref in requested:
            if ref.id:
                role_id = ref.id
            else:
                matches = list(
                    s.scalars(select(Role.id).where(Role.name == ref.name, Role.domain_id.is_(None)))
                )
                if len(matches) != 1:
                    raise NotFound("role", ref.name or "", code="identity.role.not_found")
                role_id = matches[0]
            if role_id not in ids:
                ids.append(role_id)
        return ids

    def _redelegation_count(self, req: TrustRequest) -> int:
        if not req.allow_redelegation or req.redelegation_count == 0:
            return 0
        if req.remaining_uses is not None:
            raise BadRequest("remaining_uses must not be set if redelegation is allowed.")
        if req.redelegation_count is None:
            return self.max_redelegation_count
        if req.redelegation_count > self.max_redelegation_count:
            raise Forbidden(
                f"Requested redelegation depth of {req.redelegation_count} is greater than "
                f"allowed {self.max_redelegation_count}."
            )
        return req.redelegation_count

    def _check_redelegation(
        self,
        parent: Trust,
        req: TrustRequest,
        role_ids: list[str],
        count: int,
        expires: datetime | None,
    ) -> tuple[int, datetime | None]:
        if not 0 < parent.redelegation_count <= self.max_redelegation_count:
            raise Forbidden(
                f"Remaining redelegation depth of {parent.redelegation_count} out of allowed range of "
                f"[0..{self.max_redelegation_count}]."
            )
        if req.remaining_uses is not None:
            raise Forbidden('Field "remaining_uses" must not be set in order to redelegate a trust.')
        remaining = parent.redelegation_count - 1
        if req.allow_redelegation and req.redelegation_count and req.redelegation_count != remaining:
            raise Forbidden(
                'Modifying "redelegation_count" upon redelegation is forbidden. '
                "Omitting this parameter is advised."
            )
        if parent.expires_at is not None:
            if expires is not None and expires > parent.expires_at:
                raise Forbidden("Requested expiration time is more than redelegated trust can provide.")
            expires = expires or parent.expires_at
        if not set(role_ids) <= set(parent.role_ids):
            raise Forbidden("Some of requested roles are not in redelegated trust.")
        if req.impersonation and not parent.impersonation:
            raise Forbidden(
                "Impersonation is not allowed because redelegated trust does not specify "
                f"impersonation. Redelegated trust id: {parent.id}"
            )
        if req.project_id != parent.project_id:
            raise Forbidden("A redelegated trust must be on the project of the trust it comes from.")
        return (min(count, remaining) if req.allow_redelegation else 0), expires

    def delete(self, trust_id: str) -> None:
        """Delete the trust and every trust redelegated from it. Raises NotFound."""
        with self.db.transaction() as s:
            trust = get_or_404(s, Trust, trust_id, "trust")
            pending = [trust]
            while pending:
                current = pending.pop()
                pending.extend(s.scalars(select(Trust).where(Trust.redelegated_trust_id == current.id)))
                s.delete(current)
            s.flush()
