"""Trust-scoped tokens: who may get one, what it carries, and using a trust up.

A trust-scoped token belongs to the trustee (``TokenPayload.user_id``) and names the trust. It
shows the trustor as its user when the trust impersonates. Its roles are the trust's roles
with the roles they imply, and are read at each validation: the token stops working once the
trust is deleted or expires, or the trustor no longer holds one of the roles on the project.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session

from pocketstack.core.errors import Forbidden, NotFound, NotImplementedYet, Unauthorized
from pocketstack.core.identity.assignments import effective_roles, implied_closure
from pocketstack.core.identity.common import utcnow
from pocketstack.core.identity.trusts import active_trust, original_trustor
from pocketstack.store.identity_delegation_models import Trust
from pocketstack.store.models import Domain, Role, User


@dataclass(frozen=True)
class TrustScope:
    """A valid trust as a token shows it: ``user`` is who the token acts as."""

    trust: Trust
    user: User
    user_domain: Domain
    roles: list[Role]


def _usable(s: Session, user: User | None) -> Domain | None:
    if user is None or not user.enabled:
        return None
    domain = s.get(Domain, user.domain_id)
    return domain if domain is not None and domain.enabled else None


def trust_for_auth(s: Session, trust_id: str | None, user: User) -> Trust:
    """The trust ``user`` asks a token for. Unauthorized when it is gone, expired or used up;
    Forbidden when ``user`` is not its trustee."""
    try:
        trust = active_trust(s, trust_id or "")
    except NotFound:
        raise Unauthorized(f"Could not find trust: {trust_id}.") from None
    if trust.trustee_user_id != user.id:
        raise Forbidden("User is not a trustee.")
    if trust.project_id is None:
        raise NotImplementedYet("Tokens for a trust without a project.")
    return trust


def resolve_trust(s: Session, trust_id: str, token_user: User) -> TrustScope:
    """What a trust-scoped token of ``token_user`` allows now. Raises Unauthorized."""
    trust = s.get(Trust, trust_id)
    # A token outlives the use that made it: only deletion and expiry end it, not uses left.
    if trust is None or trust.trustee_user_id != token_user.id:
        raise Unauthorized()
    if trust.expires_at is not None and trust.expires_at <= utcnow():
        raise Unauthorized()
    trustor = s.get(User, trust.trustor_user_id)
    trustor_domain = _usable(s, trustor)
    if trustor is None or trustor_domain is None:
        raise Unauthorized()
    wanted = implied_closure(s, trust.role_ids)
    held = {r.id: r for r in effective_roles(s, original_trustor(s, trust), "project", trust.project_id)}
    if not wanted or not wanted <= set(held):
        raise Unauthorized("Trustee has no delegated roles.")
    roles = sorted((held[i] for i in wanted if held[i].domain_id is None), key=lambda r: r.name)
    if trust.impersonation:
        return TrustScope(trust, trustor, trustor_domain, roles)
    domain = s.get(Domain, token_user.domain_id)
    assert domain is not None
    return TrustScope(trust, token_user, domain, roles)


def consume_use(s: Session, trust_id: str) -> None:
    """Count one token issued through the trust; Unauthorized when none is left."""
    trust = s.get(Trust, trust_id)
    if trust is None:
        raise Unauthorized()
    if trust.remaining_uses is None:
        return
    # Optimistic: only the request that saw this count may take it down.
    result = s.execute(
        update(Trust)
        .where(Trust.id == trust_id, Trust.remaining_uses == trust.remaining_uses, Trust.remaining_uses > 0)
        .values(remaining_uses=trust.remaining_uses - 1)
    )
    if (result.rowcount or 0) != 1:
        raise Unauthorized(f"Could not find trust: {trust_id}.")
