"""Application credentials: a user's secret that logs an application into one project with a
chosen subset of the user's roles there (Keystone's ``/v3/users/{id}/application_credentials``).

The secret is hashed with argon2id like a password and is shown only once, in the answer to
the create call. Authenticating with one lives in ``auth.py``; a token it issued carries only the
credential's roles and stops working once the credential is deleted.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest, Conflict, NotFound
from pocketstack.core.identity.access_rules import AccessRuleSpec, attach_rules, rules_of_credential
from pocketstack.core.identity.assignments import effective_roles, implied_closure
from pocketstack.core.identity.common import get_or_404, naive_utc, new_id, utcnow
from pocketstack.core.identity.passwords import PasswordVerifier
from pocketstack.store.db import Database
from pocketstack.store.models import ApplicationCredential, Role


@dataclass(frozen=True)
class RoleRequest:
    """A role asked for by id or by name (a global role)."""

    id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class AppCredInfo:
    """A credential with its roles; ``secret`` is set only right after creation."""

    cred: ApplicationCredential
    roles: list[Role]
    secret: str | None = None
    access_rules: list[dict[str, str]] | None = None


def generate_secret() -> str:
    """COMPAT: Keystone's shape: 64 random bytes, URL-safe base64 without padding."""
    return secrets.token_urlsafe(64)


def _duplicate(name: str) -> Conflict:
    return Conflict(
        f"Conflict occurred attempting to store application_credential - Duplicate name, {name}.",
        code="identity.application_credential.conflict",
    )


def _unassigned() -> BadRequest:
    return BadRequest(
        "Invalid application credential: Cannot create an application credential with unassigned role.",
        code="identity.application_credential.invalid_roles",
    )


def _roles_by_id(s: Session, role_ids: Iterable[str]) -> dict[str, Role]:
    ids = list(role_ids)
    if not ids:
        return {}
    return {r.id: r for r in s.scalars(select(Role).where(Role.id.in_(ids)))}


def _info(s: Session, cred: ApplicationCredential, secret: str | None = None) -> AppCredInfo:
    found = _roles_by_id(s, cred.role_ids)
    # A role deleted since is simply gone (and the tokens no longer carry it).
    roles = [found[i] for i in cred.role_ids if i in found]
    return AppCredInfo(cred, roles, secret, rules_of_credential(s, cred.id))


class ApplicationCredentialService:
    """Create, read and delete application credentials."""

    def __init__(self, db: Database, verifier: PasswordVerifier, max_secret_length: int) -> None:
        self.db = db
        self.verifier = verifier
        self.max_secret_length = max_secret_length

    # -- reading -------------------------------------------------------------------------
    def find(self, cred_id: str) -> ApplicationCredential | None:
        """The credential or None (handlers check policy on its owner before saying which)."""
        with self.db.read() as s:
            return s.get(ApplicationCredential, cred_id) if cred_id else None

    def get(self, cred_id: str) -> AppCredInfo:
        """Raises NotFound."""
        with self.db.read() as s:
            return _info(s, get_or_404(s, ApplicationCredential, cred_id, "application credential"))

    def list(self, user_id: str, name: str | None = None) -> list[AppCredInfo]:
        stmt = select(ApplicationCredential).where(ApplicationCredential.user_id == user_id)
        if name is not None:
            stmt = stmt.where(ApplicationCredential.name == name)
        with self.db.read() as s:
            creds = s.scalars(stmt.order_by(ApplicationCredential.name)).all()
            return [_info(s, c) for c in creds]

    def is_unrestricted(self, cred_id: str) -> bool:
        """Whether the credential may manage other credentials (False when it is gone)."""
        cred = self.find(cred_id)
        return bool(cred and cred.unrestricted)

    # -- writing -------------------------------------------------------------------------
    def _check_secret(self, secret: str | None) -> str:
        secret = secret or generate_secret()
        if len(secret) > self.max_secret_length:
            raise BadRequest(f"The secret is longer than the maximum of {self.max_secret_length} characters.")
        return secret

    @staticmethod
    def _check_expiry(expires_at: datetime | None) -> datetime | None:
        if expires_at is None:
            return None
        when = naive_utc(expires_at)
        if when <= utcnow():
            raise BadRequest(
                "The 'expires_at' must not be before now.",
                code="identity.application_credential.expired",
            )
        return when

    @staticmethod
    def _resolve_roles(
        s: Session,
        user_id: str,
        project_id: str,
        token_roles: Iterable[str],
        requested: Sequence[RoleRequest],
    ) -> list[str]:
        """The role ids the credential gets: those asked for with the roles they imply, or all
        the token's roles. Each must be in the token and held by the user on the project."""
        names = sorted(set(token_roles))
        stmt = select(Role.id).where(Role.name.in_(names), Role.domain_id.is_(None))
        token_ids = set(s.scalars(stmt)) if names else set()
        if not requested:
            chosen = token_ids
        else:
            asked: set[str] = set()
            for ref in requested:
                if ref.id:
                    asked.add(ref.id)
                    continue
                role_id = s.scalar(select(Role.id).where(Role.name == ref.name, Role.domain_id.is_(None)))
                if role_id is None:
                    raise NotFound("role", ref.name or "", code="identity.role.not_found")
                asked.add(role_id)
            # COMPAT: as Keystone does since its fix for implied roles, a role brings the
            # roles it implies.
            chosen = implied_closure(s, asked)
        held = {r.id for r in effective_roles(s, user_id, "project", project_id)}
        if not chosen or not chosen <= token_ids or not chosen <= held:
            raise _unassigned()
        found = _roles_by_id(s, chosen)
        return sorted(chosen, key=lambda i: (found[i].name, i))

    def create(
        self,
        *,
        user_id: str,
        project_id: str,
        name: str,
        token_roles: Iterable[str],
        requested_roles: Sequence[RoleRequest] = (),
        secret: str | None = None,
        description: str = "",
        expires_at: datetime | None = None,
        unrestricted: bool = False,
        access_rules: Sequence[AccessRuleSpec] = (),
    ) -> AppCredInfo:
        """Create a credential for ``user_id`` on ``project_id``. ``token_roles`` are the names
        of the roles of the caller's token, which the credential may not exceed.

        Raises BadRequest (a role outside the token, a past expiry, a too long secret),
        NotFound (a role named that does not exist), Conflict (the user has that name already).
        """
        secret = self._check_secret(secret)
        expires = self._check_expiry(expires_at)
        secret_hash = self.verifier.hash(secret)  # slow on purpose: before the transaction opens
        try:
            with self.db.transaction() as s:
                taken = select(ApplicationCredential.id).where(
                    ApplicationCredential.user_id == user_id, ApplicationCredential.name == name
                )
                if s.scalar(taken) is not None:
                    raise _duplicate(name)
                cred = ApplicationCredential(
                    id=new_id(),
                    name=name,
                    user_id=user_id,
                    project_id=project_id,
                    secret_hash=secret_hash,
                    description=description,
                    unrestricted=unrestricted,
                    role_ids=self._resolve_roles(s, user_id, project_id, token_roles, requested_roles),
                    expires_at=expires,
                    created_at=utcnow(),
                )
                s.add(cred)
                s.flush()
                attach_rules(s, user_id, cred.id, access_rules)
                return _info(s, cred, secret)
        except IntegrityError:
            raise _duplicate(name) from None  # a concurrent create took the name

    def delete(self, cred_id: str) -> None:
        """Delete the credential; the tokens it issued stop working at once. Raises NotFound."""
        with self.db.transaction() as s:
            s.delete(get_or_404(s, ApplicationCredential, cred_id, "application credential"))


def drop_unbacked_credentials(session: Session, user_ids: Iterable[str]) -> None:
    """Delete the users' application credentials that carry a role the user no longer holds
    on the credential's project (after a grant, a group membership or a role went away). As in
    Keystone, a credential does not outlive the roles it delegates; its tokens stop working."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    creds = session.scalars(select(ApplicationCredential).where(ApplicationCredential.user_id.in_(ids))).all()
    held: dict[tuple[str, str], set[str]] = {}
    for cred in creds:
        key = (cred.user_id, cred.project_id)
        if key not in held:
            held[key] = {r.id for r in effective_roles(session, cred.user_id, "project", cred.project_id)}
        if not set(cred.role_ids) <= held[key]:
            session.delete(cred)
    session.flush()
