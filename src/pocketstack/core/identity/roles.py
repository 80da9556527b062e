"""Roles and implied roles (Keystone's role API); the grant calls of the same service are in
grants.py."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest, Conflict, Forbidden, NotFound
from pocketstack.core.identity.application_credentials import drop_unbacked_credentials
from pocketstack.core.identity.assignments import GROUP_KINDS
from pocketstack.core.identity.common import get_or_404, new_id
from pocketstack.core.identity.grants import AssignmentListing, GrantOperations, role_404
from pocketstack.core.identity.revocation import revoke
from pocketstack.store.db import Database
from pocketstack.store.identity_group_models import GroupMembership
from pocketstack.store.models import Assignment, Domain, ImpliedRole, Role

__all__ = ["AssignmentListing", "RoleService"]

IMMUTABLE = "immutable"
# COMPAT: Keystone's [assignment] prohibited_implied_role defaults to ["admin"].
PROHIBITED_IMPLIED = ("admin",)


def _role_404(role_id: str) -> NotFound:
    return role_404(role_id)


class RoleService(GrantOperations):
    """Roles and their implications; grants and role assignment listings (grants.py)."""

    def __init__(self, db: Database, prohibited_implied: Iterable[str] = PROHIBITED_IMPLIED) -> None:
        self.db = db
        self.prohibited_implied = frozenset(prohibited_implied)

    # -- roles ---------------------------------------------------------------------------
    def list_roles(self, name: str | None = None, domain_id: str | None = None) -> list[Role]:
        """Global roles, or with ``domain_id`` the roles of that domain; ``name`` filters exactly."""
        stmt = select(Role).where(Role.domain_id == domain_id if domain_id else Role.domain_id.is_(None))
        if name is not None:
            stmt = stmt.where(Role.name == name)
        with self.db.read() as s:
            return list(s.scalars(stmt.order_by(Role.name, Role.id)))

    def get_role(self, role_id: str) -> Role:
        """Raises NotFound."""
        with self.db.read() as s:
            return get_or_404(s, Role, role_id, "role")

    def role_domain(self, role_id: str) -> str | None:
        """The domain of a domain-specific role; None for a global or unknown role (for policy)."""
        with self.db.read() as s:
            role = s.get(Role, role_id) if role_id else None
            return role.domain_id if role else None

    def _check_name_free(self, s: Session, name: str, domain_id: str | None, role_id: str | None) -> None:
        stmt = select(Role.id).where(Role.name == name)
        stmt = stmt.where(Role.domain_id == domain_id if domain_id else Role.domain_id.is_(None))
        if role_id is not None:
            stmt = stmt.where(Role.id != role_id)
        if s.scalar(stmt.limit(1)) is not None:
            raise Conflict(f"Conflict occurred attempting to store role - Duplicate entry for role {name!r}.")

    def create_role(
        self,
        name: str,
        domain_id: str | None = None,
        description: str = "",
        options: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Role:
        """Raises Conflict when the name is taken in the same domain (or among global roles),
        NotFound for an unknown domain."""
        with self.db.transaction() as s:
            if domain_id is not None:
                get_or_404(s, Domain, domain_id, "domain")
            self._check_name_free(s, name, domain_id, None)
            role = Role(
                id=new_id(),
                name=name,
                domain_id=domain_id,
                description=description,
                options=_merge_options({}, options or {}),
                extra=dict(extra or {}),
            )
            s.add(role)
            s.flush()
            return role

    def update_role(self, role_id: str, changes: Mapping[str, Any]) -> Role:
        """``changes`` keys: name, description, domain_id, options, extra. Raises NotFound,
        BadRequest (domain_id changed), Forbidden (immutable role), Conflict (name taken)."""
        with self.db.transaction() as s:
            role = get_or_404(s, Role, role_id, "role")
            _check_mutable_update(role, changes)
            if "domain_id" in changes and changes["domain_id"] != role.domain_id:
                raise BadRequest("Update of `domain_id` is not allowed.")
            if "name" in changes and changes["name"] != role.name:
                self._check_name_free(s, changes["name"], role.domain_id, role.id)
                role.name = changes["name"]
            if "description" in changes:
                role.description = changes["description"]
            if "options" in changes:
                role.options = _merge_options(role.options, changes["options"])
            if changes.get("extra"):
                role.extra = {**role.extra, **changes["extra"]}
            s.flush()
            return role

    def delete_role(self, role_id: str) -> None:
        """Delete a role, its grants and implications; every user who held it has their tokens
        revoked. Raises NotFound, Forbidden for an immutable role."""
        with self.db.transaction() as s:
            role = get_or_404(s, Role, role_id, "role")
            if role.options.get(IMMUTABLE):
                raise Forbidden(
                    f"Unable to delete immutable role resource: `{role_id}`. "
                    'Set resource option "immutable" to false first.',
                    code="identity.role.immutable",
                )
            holders = set(
                s.scalars(
                    select(Assignment.actor_id).where(
                        Assignment.role_id == role_id, Assignment.kind.not_in(GROUP_KINDS)
                    )
                )
            )
            holders |= set(
                s.scalars(
                    select(GroupMembership.user_id)
                    .join(Assignment, Assignment.actor_id == GroupMembership.group_id)
                    .where(Assignment.role_id == role_id, Assignment.kind.in_(GROUP_KINDS))
                )
            )
            s.execute(delete(Assignment).where(Assignment.role_id == role_id))
            s.execute(
                delete(ImpliedRole).where(
                    (ImpliedRole.prior_role_id == role_id) | (ImpliedRole.implied_role_id == role_id)
                )
            )
            s.delete(role)
            for user_id in sorted(holders):
                revoke(s, user_id=user_id)
            drop_unbacked_credentials(s, holders)

    # -- implied roles -------------------------------------------------------------------
    def create_implied(self, prior_id: str, implied_id: str) -> tuple[Role, Role]:
        """Make ``prior`` imply ``implied``. Raises NotFound, Conflict (exists already),
        Forbidden (a prohibited or domain-specific target for a global role, or a cycle)."""
        with self.db.transaction() as s:
            prior = get_or_404(s, Role, prior_id, "role")
            implied = get_or_404(s, Role, implied_id, "role")
            if implied.name in self.prohibited_implied:
                raise Forbidden(
                    f"{implied_id} cannot be an implied roles.", code="identity.role.invalid_implied"
                )
            if prior.domain_id is None and implied.domain_id is not None:
                raise Forbidden(
                    f"Global role cannot imply a domain-specific role ({implied_id}).",
                    code="identity.role.invalid_implied",
                )
            if s.get(ImpliedRole, (prior_id, implied_id)) is not None:
                raise Conflict("Conflict occurred attempting to store implied_role - Duplicate entry.")
            # COMPAT: Keystone accepts a cycle and only avoids walking it; we refuse it up front
            # with Keystone's status for an invalid implication (403), since a cycle makes
            # every role in it equivalent, which is never what an operator means.
            if prior_id == implied_id or prior_id in _implied_by(s, implied_id):
                raise Forbidden(
                    f"{implied_id} cannot be an implied roles: role {implied.name!r} already implies "
                    f"{prior.name!r}, so this implication would create a cycle.",
                    code="identity.role.implication_cycle",
                )
            s.add(ImpliedRole(prior_role_id=prior_id, implied_role_id=implied_id))
            return prior, implied

    def get_implied(self, prior_id: str, implied_id: str) -> tuple[Role, Role]:
        """Raises NotFound for an unknown role or when ``prior`` does not imply ``implied``."""
        with self.db.read() as s:
            prior = get_or_404(s, Role, prior_id, "role")
            implied = get_or_404(s, Role, implied_id, "role")
            if s.get(ImpliedRole, (prior_id, implied_id)) is None:
                raise NotFound(
                    "implied role",
                    implied_id,
                    code="identity.implied_role.not_found",
                    message=f"{prior_id} does not imply {implied_id}.",
                )
            return prior, implied

    def delete_implied(self, prior_id: str, implied_id: str) -> None:
        """Raises NotFound."""
        self.get_implied(prior_id, implied_id)
        with self.db.transaction() as s:
            s.execute(
                delete(ImpliedRole).where(
                    ImpliedRole.prior_role_id == prior_id, ImpliedRole.implied_role_id == implied_id
                )
            )

    def list_implied(self, prior_id: str) -> tuple[Role, list[Role]]:
        """The role and the roles it implies directly. Raises NotFound."""
        with self.db.read() as s:
            prior = get_or_404(s, Role, prior_id, "role")
            stmt = (
                select(Role)
                .join(ImpliedRole, ImpliedRole.implied_role_id == Role.id)
                .where(ImpliedRole.prior_role_id == prior_id)
                .order_by(Role.name, Role.id)
            )
            return prior, list(s.scalars(stmt))

    def list_inferences(self) -> list[tuple[Role, list[Role]]]:
        """Every prior role with the roles it implies directly."""
        with self.db.read() as s:
            roles = {r.id: r for r in s.scalars(select(Role))}
            rules: dict[str, list[Role]] = {}
            for link in s.scalars(select(ImpliedRole)):
                rules.setdefault(link.prior_role_id, []).append(roles[link.implied_role_id])
            ordered = sorted(rules.items(), key=lambda kv: (roles[kv[0]].name, kv[0]))
            return [(roles[pid], sorted(imps, key=lambda r: (r.name, r.id))) for pid, imps in ordered]


def _merge_options(current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Keystone's resource options: a None value removes the option."""
    merged = dict(current)
    for name, value in changes.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


def _check_mutable_update(role: Role, changes: Mapping[str, Any]) -> None:
    """An immutable role accepts only the update that makes it mutable again."""
    if not role.options.get(IMMUTABLE):
        return
    options = changes.get("options") or {}
    unlocking = set(changes) == {"options"} and set(options) == {IMMUTABLE} and not options[IMMUTABLE]
    if not unlocking:
        raise Forbidden(
            f"Unable to update immutable role resource: `{role.id}`. "
            'Set resource option "immutable" to false first.',
            code="identity.role.immutable",
        )


def _implied_by(s: Session, role_id: str) -> set[str]:
    """Every role ``role_id`` implies, transitively."""
    found: set[str] = set()
    frontier = {role_id}
    while frontier:
        rows = set(
            s.scalars(select(ImpliedRole.implied_role_id).where(ImpliedRole.prior_role_id.in_(frontier)))
        )
        frontier = rows - found
        found |= frontier
    return found
