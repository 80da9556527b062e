"""Grants (Keystone's assignment API): roles of users and groups on projects, domains and the
system, possibly inherited by the projects below; and the role assignment listing.

Removing a grant records revocation events so that the tokens of the users who lose the role
(the user, or each member of the group) stop working for the scopes concerned at once, and
deletes the application credentials that delegated the role.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest, Forbidden, NotFound
from pocketstack.core.identity.application_credentials import drop_unbacked_credentials
from pocketstack.core.identity.assignment_listing import AssignmentQuery, AssignmentRef, list_assignments
from pocketstack.core.identity.assignments import (
    DOMAIN_KINDS,
    PROJECT_KINDS,
    SYSTEM_KINDS,
    GrantRow,
    projects_reached,
)
from pocketstack.core.identity.common import get_or_404
from pocketstack.core.identity.revocation import revoke
from pocketstack.store.db import Database
from pocketstack.store.identity_group_models import Group, GroupMembership
from pocketstack.store.models import Assignment, Domain, Project, Role, User


@dataclass
class AssignmentListing:
    """Assignment rows plus what their references name (names are filled only on request)."""

    refs: list[AssignmentRef]
    roles: dict[str, Role] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    domains: dict[str, Domain] = field(default_factory=dict)


def role_404(role_id: str) -> NotFound:
    return NotFound("role", role_id, code="identity.role.not_found")


def _grant_404(grant: GrantRow) -> NotFound:
    target = "system" if grant.kind in SYSTEM_KINDS else grant.target_id
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


def _check_actor(s: Session, grant: GrantRow) -> None:
    if grant.is_group:
        get_or_404(s, Group, grant.actor_id, "group")
    else:
        get_or_404(s, User, grant.actor_id, "user")


class GrantOperations:
    """The grant half of RoleService."""

    db: Database

    def target_domain(self, kind: str, target_id: str) -> str | None:
        """The domain a grant's target belongs to, for policy; None for the system or an
        unknown target (the call then fails after enforcement, so nothing leaks)."""
        with self.db.read() as s:
            if kind in PROJECT_KINDS:
                project = s.get(Project, target_id) if target_id else None
                return project.domain_id if project else None
            if kind in DOMAIN_KINDS:
                return target_id
            return None

    def _check_target(self, s: Session, grant: GrantRow) -> Role:
        role = s.get(Role, grant.role_id)
        if role is None:
            raise role_404(grant.role_id)
        if grant.kind in PROJECT_KINDS:
            get_or_404(s, Project, grant.target_id, "project")
        elif grant.kind in DOMAIN_KINDS:
            get_or_404(s, Domain, grant.target_id, "domain")
        return role

    def create_grant(self, grant: GrantRow) -> None:
        """Grant a role; granting it again is a no-op. Raises NotFound (role, user or group,
        target), Forbidden (a domain-specific role on another domain's project), BadRequest (a
        domain-specific role on the system)."""
        try:
            with self.db.transaction() as s:
                role = self._check_target(s, grant)
                _check_actor(s, grant)
                _check_role_fits(s, role, grant)
                if s.get(Assignment, _key(grant)) is None:
                    s.add(Assignment(**_key(grant)))
        except IntegrityError:
            # A concurrent identical grant won the race: the grant exists, which is what was asked.
            with self.db.read() as s:
                if s.get(Assignment, _key(grant)) is None:
                    raise

    def check_grant(self, grant: GrantRow) -> Role:
        """The granted role. Raises NotFound when the role, actor, target or grant is missing."""
        with self.db.read() as s:
            role = self._check_target(s, grant)
            _check_actor(s, grant)
            if s.get(Assignment, _key(grant)) is None:
                raise _grant_404(grant)
            return role

    def delete_grant(self, grant: GrantRow) -> None:
        """Remove a grant (the user or group may be gone already), revoke the tokens that lose
        the role through it and delete the application credentials that delegated it. Raises
        NotFound."""
        with self.db.transaction() as s:
            self._check_target(s, grant)
            row = s.get(Assignment, _key(grant))
            if row is None:
                raise _grant_404(grant)
            s.delete(row)
            s.flush()
            users = _users_of(s, grant)
            _revoke_for(s, grant, users)
            drop_unbacked_credentials(s, users)

    def list_grants(self, kind: str, actor_id: str, target_id: str, inherited: bool = False) -> list[Role]:
        """Roles granted to the user or group on the target. Raises NotFound (actor, target)."""
        with self.db.read() as s:
            if kind in PROJECT_KINDS:
                get_or_404(s, Project, target_id, "project")
            elif kind in DOMAIN_KINDS:
                get_or_404(s, Domain, target_id, "domain")
            _check_actor(s, GrantRow(kind, actor_id, target_id, ""))
            stmt = (
                select(Role)
                .join(Assignment, Assignment.role_id == Role.id)
                .where(
                    Assignment.kind == kind,
                    Assignment.actor_id == actor_id,
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
        """Assignments matching ``q`` (see ``assignment_listing``). Raises NotFound for an
        unknown project when the listing needs its tree (effective mode or a subtree)."""
        with self.db.read() as s:
            project = s.get(Project, q.project_id) if q.project_id else None
            if q.project_id and project is None and (q.effective or q.include_subtree):
                get_or_404(s, Project, q.project_id, "project")
            listing = AssignmentListing(list_assignments(s, q, project))
            if include_names:
                _fill_names(s, listing)
            return listing


def _check_role_fits(s: Session, role: Role, grant: GrantRow) -> None:
    if role.domain_id is None:
        return
    if grant.kind in SYSTEM_KINDS:
        raise BadRequest(
            f"Role {role.id} is a domain-specific role. Unable to use a domain-specific role in a "
            "system assignment."
        )
    if grant.kind in PROJECT_KINDS:
        project = s.get(Project, grant.target_id)
        if project is not None and project.domain_id != role.domain_id:
            raise Forbidden(
                f"Project {grant.target_id} must be in the same domain as the role {role.id} being assigned.",
                code="identity.role.domain_mismatch",
            )


def _users_of(s: Session, grant: GrantRow) -> list[str]:
    if not grant.is_group:
        return [grant.actor_id]
    stmt = select(GroupMembership.user_id).where(GroupMembership.group_id == grant.actor_id)
    return sorted(s.scalars(stmt))


def _revoke_for(s: Session, grant: GrantRow, user_ids: list[str]) -> None:
    """Revocation events for the tokens that lose a role with ``grant``.

    Project-scoped tokens are matched by (user, project). Domain- and system-scoped tokens have
    no event field of their own (an event's domain_id matches the user's domain); they lose the
    role anyway because token validation recomputes roles from the grants.
    """
    for project_id in sorted(projects_reached(s, grant)):
        for user_id in user_ids:
            revoke(s, user_id=user_id, project_id=project_id)


def _fill_names(s: Session, listing: AssignmentListing) -> None:
    refs = listing.refs
    role_ids = {r.role_id for r in refs}
    user_ids = {r.actor_id for r in refs if not r.group}
    group_ids = {r.actor_id for r in refs if r.group}
    project_ids = {r.scope_id for r in refs if r.scope == "project"}
    listing.roles = {r.id: r for r in s.scalars(select(Role).where(Role.id.in_(role_ids)))}
    listing.users = {u.id: u for u in s.scalars(select(User).where(User.id.in_(user_ids)))}
    listing.groups = {g.id: g for g in s.scalars(select(Group).where(Group.id.in_(group_ids)))}
    listing.projects = {p.id: p for p in s.scalars(select(Project).where(Project.id.in_(project_ids)))}
    domain_ids = {r.scope_id for r in refs if r.scope == "domain"}
    domain_ids |= {p.domain_id for p in listing.projects.values()}
    domain_ids |= {u.domain_id for u in listing.users.values()}
    domain_ids |= {g.domain_id for g in listing.groups.values()}
    domain_ids |= {r.domain_id for r in listing.roles.values() if r.domain_id}
    listing.domains = {d.id: d for d in s.scalars(select(Domain).where(Domain.id.in_(domain_ids)))}
