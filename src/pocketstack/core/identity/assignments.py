"""Which roles a user holds on a scope: direct, through groups, inherited and implied.

A grant is a row of ``assignments``. Its ``kind`` names the actor and the target: a user's grants
are UserProject, UserDomain, UserSystem; a group's are GroupProject, GroupDomain, GroupSystem (the
``actor_id`` is then the group's id, and every member of the group holds the role).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from pocketstack.store.identity_group_models import GroupMembership
from pocketstack.store.models import Assignment, ImpliedRole, Project, Role

USER_PROJECT = "UserProject"
USER_DOMAIN = "UserDomain"
USER_SYSTEM = "UserSystem"
GROUP_PROJECT = "GroupProject"
GROUP_DOMAIN = "GroupDomain"
GROUP_SYSTEM = "GroupSystem"
SYSTEM_TARGET = "all"

USER_KINDS = (USER_PROJECT, USER_DOMAIN, USER_SYSTEM)
GROUP_KINDS = (GROUP_PROJECT, GROUP_DOMAIN, GROUP_SYSTEM)
PROJECT_KINDS = (USER_PROJECT, GROUP_PROJECT)
DOMAIN_KINDS = (USER_DOMAIN, GROUP_DOMAIN)
SYSTEM_KINDS = (USER_SYSTEM, GROUP_SYSTEM)
SCOPE_OF_KIND = {
    USER_PROJECT: "project",
    USER_DOMAIN: "domain",
    USER_SYSTEM: "system",
    GROUP_PROJECT: "project",
    GROUP_DOMAIN: "domain",
    GROUP_SYSTEM: "system",
}


@dataclass(frozen=True)
class GrantRow:
    """One stored assignment, as the grant APIs name it."""

    kind: str
    actor_id: str
    target_id: str
    role_id: str
    inherited: bool = False

    @property
    def is_group(self) -> bool:
        return self.kind in GROUP_KINDS

    @property
    def scope(self) -> str:
        return SCOPE_OF_KIND[self.kind]


def group_ids_of(session: Session, user_id: str) -> list[str]:
    stmt = select(GroupMembership.group_id).where(GroupMembership.user_id == user_id)
    return sorted(session.scalars(stmt))


def held_by(session: Session, user_id: str) -> ColumnElement[bool]:
    """Grants whose roles the user holds: the user's own and those of the user's groups."""
    mine = Assignment.kind.in_(USER_KINDS) & (Assignment.actor_id == user_id)
    groups = group_ids_of(session, user_id)
    if not groups:
        return mine
    return or_(mine, Assignment.kind.in_(GROUP_KINDS) & Assignment.actor_id.in_(groups))


def project_ancestors(session: Session, project: Project) -> list[Project]:
    """Parents of ``project``, nearest first."""
    chain: list[Project] = []
    seen = {project.id}
    parent_id = project.parent_id
    while parent_id and parent_id not in seen:
        parent = session.get(Project, parent_id)
        if parent is None:
            break
        chain.append(parent)
        seen.add(parent.id)
        parent_id = parent.parent_id
    return chain


def implied_closure(session: Session, role_ids: Iterable[str]) -> set[str]:
    """The roles given plus every role they imply, transitively. The implication table is
    small, so it is read whole in one query and walked here."""
    result = set(role_ids)
    if not result:
        return result
    implies: dict[str, list[str]] = {}
    for prior, implied in session.execute(select(ImpliedRole.prior_role_id, ImpliedRole.implied_role_id)):
        implies.setdefault(prior, []).append(implied)
    frontier = list(result)
    while frontier:
        for implied in implies.get(frontier.pop(), ()):
            if implied not in result:
                result.add(implied)
                frontier.append(implied)
    return result


def reaching_project(session: Session, project: Project) -> ColumnElement[bool]:
    """Grants that apply to ``project``: on it, or inherited from its domain or a parent."""
    ancestors = [p.id for p in project_ancestors(session, project)]
    clauses = [
        Assignment.kind.in_(PROJECT_KINDS)
        & (Assignment.target_id == project.id)
        & (Assignment.inherited.is_(False)),
        Assignment.kind.in_(DOMAIN_KINDS)
        & (Assignment.target_id == project.domain_id)
        & (Assignment.inherited.is_(True)),
    ]
    if ancestors:
        clauses.append(
            Assignment.kind.in_(PROJECT_KINDS)
            & Assignment.target_id.in_(ancestors)
            & (Assignment.inherited.is_(True))
        )
    return or_(*clauses)


def direct_role_ids(session: Session, user_id: str, scope: str, scope_id: str | None) -> set[str]:
    """Roles granted to the user or the user's groups on the scope, with inheritance but
    before implication."""
    if scope == "project" and scope_id:
        project = session.get(Project, scope_id)
        if project is None:
            return set()
        where = reaching_project(session, project)
    elif scope == "domain" and scope_id:
        where = (
            Assignment.kind.in_(DOMAIN_KINDS)
            & (Assignment.target_id == scope_id)
            & (Assignment.inherited.is_(False))
        )
    elif scope == "system":
        where = Assignment.kind.in_(SYSTEM_KINDS) & (Assignment.target_id == SYSTEM_TARGET)
    else:
        return set()
    stmt = select(Assignment.role_id).where(held_by(session, user_id)).where(where)
    return set(session.scalars(stmt).all())


def effective_roles(session: Session, user_id: str, scope: str, scope_id: str | None) -> list[Role]:
    """The global roles the user holds on the scope. COMPAT: as in Keystone, domain-specific
    roles only lend the global roles they imply; they never appear in a token themselves."""
    ids = implied_closure(session, direct_role_ids(session, user_id, scope, scope_id))
    if not ids:
        return []
    stmt = select(Role).where(Role.id.in_(ids), Role.domain_id.is_(None)).order_by(Role.name)
    return list(session.scalars(stmt).all())


def descendants(session: Session, root_ids: set[str]) -> set[str]:
    """Every project below the given ones (not the roots themselves)."""
    found: set[str] = set()
    frontier = set(root_ids)
    while frontier:
        children = set(session.scalars(select(Project.id).where(Project.parent_id.in_(frontier))))
        frontier = children - found
        found |= frontier
    return found


def project_ids_with_roles(session: Session, user_id: str) -> set[str]:
    """Every project on which the user holds some role, directly, by group or by inheritance."""
    rows = session.execute(
        select(Assignment.kind, Assignment.target_id, Assignment.inherited).where(
            held_by(session, user_id), Assignment.kind.in_(PROJECT_KINDS + DOMAIN_KINDS)
        )
    ).all()
    direct = {t for k, t, inh in rows if k in PROJECT_KINDS and not inh}
    inherited_roots = {t for k, t, inh in rows if k in PROJECT_KINDS and inh}
    domains = {t for k, t, inh in rows if k in DOMAIN_KINDS and inh}
    ids = direct | descendants(session, inherited_roots)
    if domains:
        ids |= set(session.scalars(select(Project.id).where(Project.domain_id.in_(domains))))
    return ids


def domain_ids_with_roles(session: Session, user_id: str) -> set[str]:
    stmt = select(Assignment.target_id).where(
        held_by(session, user_id),
        Assignment.kind.in_(DOMAIN_KINDS),
        Assignment.inherited.is_(False),
    )
    return set(session.scalars(stmt))


def has_system_role(session: Session, user_id: str) -> bool:
    stmt = select(Assignment.role_id).where(held_by(session, user_id), Assignment.kind.in_(SYSTEM_KINDS))
    return session.scalar(stmt.limit(1)) is not None


def projects_reached(session: Session, grant: GrantRow) -> set[str]:
    """The projects a grant applies to: the project itself for a direct project grant; for an
    inherited one every project of the domain, or every project below the project (Keystone's
    OS-INHERIT semantics). Domain and system grants reach no project."""
    if grant.scope == "project" and not grant.inherited:
        return {grant.target_id}
    if not grant.inherited:
        return set()
    if grant.scope == "domain":
        return set(session.scalars(select(Project.id).where(Project.domain_id == grant.target_id)))
    return descendants(session, {grant.target_id})
