"""Roles, implied roles, grants and role assignment listings (Keystone's assignment API).

A grant is a row of ``assignments``: a role held by a user on a project, a domain or the system,
possibly inherited by the projects below. Removing a grant records revocation events so that the
user's tokens for the scopes that lose the role stop working at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest, Conflict, Forbidden, NotFound
from pocketstack.core.identity.assignments import (
    USER_DOMAIN,
    USER_PROJECT,
    USER_SYSTEM,
    AssignmentQuery,
    AssignmentRef,
    GrantRow,
    list_assignments,
    projects_reached,
)
from pocketstack.core.identity.common import get_or_404, new_id
from pocketstack.core.identity.revocation import revoke
from pocketstack.store.db import Database
from pocketstack.store.models import Assignment, Domain, ImpliedRole, Project, Role, User

IMMUTABLE = "immutable"
# COMPAT: Keystone's [assignment] prohibited_implied_role defaults to ["admin"].
PROHIBITED_IMPLIED = ("admin",)


@dataclass
class AssignmentListing:
    """Assignment rows plus what their references name (names are filled only on request)."""

    refs: list[AssignmentRef]
    roles: dict[str, Role] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    domains: dict[str, Domain] = field(default_factory=dict)


def _role_404(role_id: str) -> NotFound:
    return NotFound("role", role_id, code="identity.role.not_found")


def _grant_404(grant: GrantRow) -> NotFound:
    target = "system" if grant.kind == USER_SYSTEM else grant.target_id
    return NotFound(
        "role assignment",
        grant.role_id,
        code="identity.assignment.not_found",
        message=(
            f"Could not find role assignment with role: {grant.role_id}, user or group: "
            f"{grant.actor_id}, project, domain, or system: {target}."
        ),
    )


def _key(grant: GrantRow) -> dict[str, Any]:
    return {
        "kind": grant.kind,
        "actor_id": grant.actor_id,
        "target_id": grant.target_id,
        "role_id": grant.role_id,
        "inherited": grant.inherited,
    }


class RoleService:
    """Roles and their implications, grants, and role assignment listings."""

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
            holders = set(s.scalars(select(Assignment.actor_id).where(Assignment.role_id == role_id)))
            s.execute(delete(Assignment).where(Assignment.role_id == role_id))
            s.execute(
                delete(ImpliedRole).where(
                    (ImpliedRole.prior_role_id == role_id) | (ImpliedRole.implied_role_id == role_id)
                )
            )
            s.delete(role)
            for user_id in sorted(holders):
                revoke(s, user_id=user_id)

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

    # -- grants --------------------------------------------------------------------------
    def target_domain(self, kind: str, target_id: str) -> str | None:
        """The domain a grant's target belongs to, for policy; None for the system or an
        unknown target (the call then fails after enforcement, so nothing leaks)."""
        with self.db.read() as s:
            if kind == USER_PROJECT:
                project = s.get(Project, target_id) if target_id else None
                return project.domain_id if project else None
            if kind == USER_DOMAIN:
                return target_id
            return None

    def _check_target(self, s: Session, grant: GrantRow) -> Role:
        role = s.get(Role, grant.role_id)
        if role is None:
            raise _role_404(grant.role_id)
        if grant.kind == USER_PROJECT:
            get_or_404(s, Project, grant.target_id, "project")
        elif grant.kind == USER_DOMAIN:
            get_or_404(s, Domain, grant.target_id, "domain")
        return role

    def create_grant(self, grant: GrantRow) -> None:
        """Grant a role; granting it again is a no-op. Raises NotFound (role, user, target),
        Forbidden (a domain-specific role on another domain's project), BadRequest (a
        domain-specific role on the system)."""
        try:
            with self.db.transaction() as s:
                role = self._check_target(s, grant)
                get_or_404(s, User, grant.actor_id, "user")
                _check_role_fits(s, role, grant)
                if s.get(Assignment, _key(grant)) is None:
                    s.add(Assignment(**_key(grant)))
        except IntegrityError:
            # A concurrent identical grant won the race: the grant exists, which is what was asked.
            with self.db.read() as s:
                if s.get(Assignment, _key(grant)) is None:
                    raise

    def check_grant(self, grant: GrantRow) -> Role:
        """The granted role. Raises NotFound when the role, user, target or grant is missing."""
        with self.db.read() as s:
            role = self._check_target(s, grant)
            get_or_404(s, User, grant.actor_id, "user")
            if s.get(Assignment, _key(grant)) is None:
                raise _grant_404(grant)
            return role

    def delete_grant(self, grant: GrantRow) -> None:
        """Remove a grant (the user may be gone already) and revoke the user's tokens on every
        project that loses the role through it. Raises NotFound."""
        with self.db.transaction() as s:
            self._check_target(s, grant)
            row = s.get(Assignment, _key(grant))
            if row is None:
                raise _grant_404(grant)
            s.delete(row)
            _revoke_for(s, grant)

    def list_grants(self, kind: str, user_id: str, target_id: str, inherited: bool = False) -> list[Role]:
        """Roles granted to the user on the target. Raises NotFound (user, target)."""
        with self.db.read() as s:
            if kind == USER_PROJECT:
                get_or_404(s, Project, target_id, "project")
            elif kind == USER_DOMAIN:
                get_or_404(s, Domain, target_id, "domain")
            get_or_404(s, User, user_id, "user")
            stmt = (
                select(Role)
                .join(Assignment, Assignment.role_id == Role.id)
                .where(
                    Assignment.kind == kind,
                    Assignment.actor_id == user_id,
                    Assignment.target_id == target_id,
                    Assignment.inherited.is_(inherited),
                )
                .order_by(Role.name, Role.id)
            )
            return list(s.scalars(stmt))

    # -- role assignments ----------------------------------------------------------------
    def project_domain(self, project_id: str) -> str | None:
        with self.db.read() as s:
            project = s.get(Project, project_id) if project_id else None
            return project.domain_id if project else None

    def list_assignments(self, q: AssignmentQuery, include_names: bool = False) -> AssignmentListing:
        """Assignments matching ``q`` (see ``assignments.list_assignments``). Raises NotFound for
        an unknown project when the listing needs its tree (effective mode or a subtree)."""
        with self.db.read() as s:
            project = s.get(Project, q.project_id) if q.project_id else None
            if q.project_id and project is None and (q.effective or q.include_subtree):
                get_or_404(s, Project, q.project_id, "project")
            listing = AssignmentListing(list_assignments(s, q, project))
            if include_names:
                _fill_names(s, listing)
            return listing


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


def _check_role_fits(s: Session, role: Role, grant: GrantRow) -> None:
    if role.domain_id is None:
        return
    if grant.kind == USER_SYSTEM:
        raise BadRequest(
            f"Role {role.id} is a domain-specific role. Unable to use a domain-specific role in a "
            "system assignment."
        )
    if grant.kind == USER_PROJECT:
        project = s.get(Project, grant.target_id)
        if project is not None and project.domain_id != role.domain_id:
            raise Forbidden(
                f"Project {grant.target_id} must be in the same domain as the role {role.id} being assigned.",
                code="identity.role.domain_mismatch",
            )


def _revoke_for(s: Session, grant: GrantRow) -> None:
    """Revocation events for the tokens that lose a role with ``grant``.

    Project-scoped tokens are matched by (user, project). Domain- and system-scoped tokens have
    no event field of their own (an event's domain_id matches the user's domain); they lose the
    role anyway because token validation recomputes roles from the grants.
    """
    if grant.kind == USER_PROJECT and not grant.inherited:
        revoke(s, user_id=grant.actor_id, project_id=grant.target_id)
    elif grant.inherited:
        for project_id in sorted(projects_reached(s, grant)):
            revoke(s, user_id=grant.actor_id, project_id=project_id)


def _fill_names(s: Session, listing: AssignmentListing) -> None:
    refs = listing.refs
    role_ids = {r.role_id for r in refs}
    user_ids = {r.user_id for r in refs}
    project_ids = {r.scope_id for r in refs if r.scope == "project"}
    listing.roles = {r.id: r for r in s.scalars(select(Role).where(Role.id.in_(role_ids)))}
    listing.users = {u.id: u for u in s.scalars(select(User).where(User.id.in_(user_ids)))}
    listing.projects = {p.id: p for p in s.scalars(select(Project).where(Project.id.in_(project_ids)))}
    domain_ids = {r.scope_id for r in refs if r.scope == "domain"}
    domain_ids |= {p.domain_id for p in listing.projects.values()}
    domain_ids |= {u.domain_id for u in listing.users.values()}
    domain_ids |= {r.domain_id for r in listing.roles.values() if r.domain_id}
    listing.domains = {d.id: d for d in s.scalars(select(Domain).where(Domain.id.in_(domain_ids)))}
