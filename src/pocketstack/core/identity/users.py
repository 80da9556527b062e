"""Users: create, read, update, delete, and a user changing their own password.

Passwords are hashed with argon2id on the way in; the hash never leaves the store. A disabled
user, a changed password and a deleted user each record a revocation event for the user, so
every token issued before stays invalid even if the user is enabled again later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest, Conflict, Unauthorized
from pocketstack.core.identity.assignments import project_ids_with_roles
from pocketstack.core.identity.common import get_or_404, new_id, utcnow
from pocketstack.core.identity.passwords import PasswordVerifier
from pocketstack.core.identity.revocation import revoke
from pocketstack.store.db import Database
from pocketstack.store.identity_group_models import GroupMembership
from pocketstack.store.models import ApplicationCredential, Assignment, Domain, Project, User

_BOOL_OPTIONS = frozenset(
    {
        "ignore_change_password_upon_first_use",
        "ignore_password_expiry",
        "ignore_lockout_failure_attempts",
        "lock_password",
        "ignore_user_inactivity",
        "multi_factor_auth_enabled",
    }
)
_MFA_RULES = "multi_factor_auth_rules"
# What a PATCH may change besides extra attributes.
UPDATABLE = frozenset(
    {"name", "enabled", "password", "default_project_id", "description", "options", "extra"}
)


@dataclass(frozen=True)
class UserFilter:
    domain_id: str | None = None
    enabled: bool | None = None
    name: str | None = None


def _check_mfa_rules(value: Any) -> None:
    ok = isinstance(value, list) and all(
        isinstance(rule, list)
        and rule
        and all(isinstance(m, str) for m in rule)
        and len(set(rule)) == len(rule)
        for rule in value
    )
    if not ok:
        raise BadRequest(
            f"Invalid input for option '{_MFA_RULES}': expected a list of lists of method names."
        )


def merge_user_options(current: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """Keystone's user options: known names only; a null value removes the option."""
    merged = dict(current)
    for name, value in given.items():
        if name not in _BOOL_OPTIONS and name != _MFA_RULES:
            raise BadRequest(f"Invalid input for field 'options': unknown user option '{name}'.")
        if value is None:
            merged.pop(name, None)
        elif name == _MFA_RULES:
            _check_mfa_rules(value)
            merged[name] = value
        elif isinstance(value, bool):
            merged[name] = value
        else:
            raise BadRequest(f"Invalid input for option '{name}': expected a boolean.")
    return merged


def purge_user(session: Session, user: User) -> None:
    """Delete a user with their role assignments and application credentials."""
    session.execute(delete(Assignment).where(Assignment.actor_id == user.id, Assignment.kind.like("User%")))
    session.execute(delete(GroupMembership).where(GroupMembership.user_id == user.id))
    session.execute(delete(ApplicationCredential).where(ApplicationCredential.user_id == user.id))
    revoke(session, user_id=user.id)
    session.delete(user)
    session.flush()


class UserService:
    """Local users with passwords. Every method raises NotFound for an unknown id."""

    def __init__(self, db: Database, verifier: PasswordVerifier, max_password_length: int) -> None:
        self.db = db
        self.verifier = verifier
        self.max_password_length = max_password_length

    # -- reading -------------------------------------------------------------------------
    def list(self, filters: UserFilter) -> list[User]:
        stmt = select(User).order_by(User.name, User.id)
        if filters.domain_id is not None:
            stmt = stmt.where(User.domain_id == filters.domain_id)
        if filters.enabled is not None:
            stmt = stmt.where(User.enabled.is_(filters.enabled))
        if filters.name is not None:
            stmt = stmt.where(User.name == filters.name)
        with self.db.read() as s:
            return list(s.scalars(stmt))

    def find(self, user_id: str) -> User | None:
        """The user, or None (handlers check policy before they reveal whether it exists)."""
        with self.db.read() as s:
            # PostgreSQL text cannot even be compared with a NUL character: no such user.
            return s.get(User, user_id) if user_id and "\x00" not in user_id else None

    def get(self, user_id: str) -> User:
        with self.db.read() as s:
            return get_or_404(s, User, user_id, "user")

    def project_ids(self, user_id: str) -> set[str]:
        """Ids of the projects on which the user holds a role (empty for an unknown user)."""
        with self.db.read() as s:
            return project_ids_with_roles(s, user_id)

    def projects(self, user_id: str) -> list[Project]:
        """Projects on which the user holds a role, directly or inherited."""
        with self.db.read() as s:
            get_or_404(s, User, user_id, "user")
            ids = project_ids_with_roles(s, user_id)
            if not ids:
                return []
            return list(s.scalars(select(Project).where(Project.id.in_(ids)).order_by(Project.name)))

    # -- writing -------------------------------------------------------------------------
    def _hash(self, password: str) -> str:
        if len(password) > self.max_password_length:
            raise BadRequest(
                f"The password is longer than the maximum of {self.max_password_length} characters."
            )
        if not password:
            raise BadRequest("The password must not be empty.")
        return self.verifier.hash(password)

    @staticmethod
    def _check_default_project(s: Session, project_id: str | None) -> None:
        # COMPAT: Keystone accepts a default project that does not exist, but not a domain.
        if project_id and s.get(Domain, project_id) is not None:
            raise BadRequest(f"User's default project ID cannot be a domain ID: {project_id}.")

    @staticmethod
    def _check_name_free(s: Session, name: str, domain_id: str, user_id: str | None = None) -> None:
        other = s.scalar(select(User.id).where(User.name == name, User.domain_id == domain_id))
        if other is not None and other != user_id:
            raise Conflict(
                f"Conflict occurred attempting to store user - Duplicate entry found with name {name} "
                f"at domain ID {domain_id}.",
                code="identity.user.conflict",
            )

    @staticmethod
    def _flush(s: Session, name: str, domain_id: str) -> None:
        try:
            s.flush()
        except IntegrityError:
            raise Conflict(
                f"Conflict occurred attempting to store user - Duplicate entry found with name {name} "
                f"at domain ID {domain_id}.",
                code="identity.user.conflict",
            ) from None

    def create(
        self,
        *,
        name: str,
        domain_id: str,
        enabled: bool = True,
        password: str | None = None,
        default_project_id: str | None = None,
        description: str = "",
        options: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> User:
        """Raises NotFound for an unknown domain, Conflict when the name is taken in it,
        BadRequest for an empty or too long password or a domain as default project."""
        password_hash = self._hash(password) if password is not None else None
        with self.db.transaction() as s:
            get_or_404(s, Domain, domain_id, "domain")
            self._check_default_project(s, default_project_id)
            self._check_name_free(s, name, domain_id)
            now = utcnow()
            user = User(
                id=new_id(),
                name=name,
                domain_id=domain_id,
                enabled=enabled,
                default_project_id=default_project_id,
                password_hash=password_hash,
                password_created_at=now if password_hash else None,
                description=description,
                options=merge_user_options({}, options or {}),
                extra=dict(extra or {}),
                created_at=now,
            )
            s.add(user)
            self._flush(s, name, domain_id)
            return user

    def update(self, user_id: str, changes: Mapping[str, Any]) -> User:
        """Apply ``changes`` (keys from UPDATABLE; ``extra`` is merged). Disabling the user or
        setting a password revokes every token the user holds."""
        unknown = set(changes) - UPDATABLE
        if unknown:
            raise BadRequest(f"Cannot update user attribute(s): {', '.join(sorted(unknown))}.")
        password = changes.get("password")
        password_hash = self._hash(password) if password is not None else None
        with self.db.transaction() as s:
            user = get_or_404(s, User, user_id, "user")
            if "name" in changes:
                self._check_name_free(s, changes["name"], user.domain_id, user.id)
                user.name = changes["name"]
            if "default_project_id" in changes:
                self._check_default_project(s, changes["default_project_id"])
                user.default_project_id = changes["default_project_id"]
            if "description" in changes:
                user.description = changes["description"]
            if "options" in changes:
                user.options = merge_user_options(user.options or {}, changes["options"])
            if "extra" in changes:
                user.extra = {**(user.extra or {}), **changes["extra"]}
            disabling = changes.get("enabled") is False and user.enabled
            if "enabled" in changes:
                user.enabled = changes["enabled"]
            if password_hash is not None:
                user.password_hash = password_hash
                user.password_created_at = utcnow()
            if disabling or password_hash is not None:
                revoke(s, user_id=user.id)
            if disabling:
                # COMPAT: Keystone deletes a user's application credentials when it disables the user.
                s.execute(delete(ApplicationCredential).where(ApplicationCredential.user_id == user.id))
            self._flush(s, user.name, user.domain_id)
            return user

    def delete(self, user_id: str) -> None:
        """Delete the user, their role assignments and application credentials."""
        with self.db.transaction() as s:
            purge_user(s, get_or_404(s, User, user_id, "user"))

    def change_password(self, user_id: str, original: str, new: str) -> None:
        """A user changing their own password. Unauthorized when ``original`` is wrong or the
        user cannot log in; every earlier token of the user is revoked."""
        new_hash = self._hash(new)
        with self.db.read() as s:
            user = get_or_404(s, User, user_id, "user")
            domain = s.get(Domain, user.domain_id)
            stored = user.password_hash
            usable = user.enabled and domain is not None and domain.enabled
        too_long = len(original) > self.max_password_length
        ok = not too_long and self.verifier.verify(user_id, original, stored)
        if not ok or not usable:
            raise Unauthorized("Error when changing user password: the original password is not valid.")
        with self.db.transaction() as s:
            user = get_or_404(s, User, user_id, "user")
            user.password_hash = new_hash
            user.password_created_at = utcnow()
            revoke(s, user_id=user.id)
