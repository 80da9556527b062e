"""Which roles a user holds on a scope, direct, inherited and implied."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pocketstack.store.models import Assignment, ImpliedRole, Project, Role

USER_PROJECT = "UserProject"
USER_DOMAIN = "UserDomain"
USER_SYSTEM = "UserSystem"
SYSTEM_TARGET = "all"


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
    """The roles given plus every role they imply, transitively."""
    result = set(role_ids)
    frontier = set(result)
    while frontier:
        rows = session.scalars(
            select(ImpliedRole.implied_role_id).where(ImpliedRole.prior_role_id.in_(frontier))
        ).all()
        frontier = set(rows) - result
        result |= frontier
    return result


def direct_role_ids(session: Session, user_id: str, scope: str, scope_id: str | None) -> set[str]:
    """Roles granted to the user on the scope, with inheritance but before implication."""
    if scope == "project" and scope_id:
        project = session.get(Project, scope_id)
        if project is None:
            return set()
        ancestors = [p.id for p in project_ancestors(session, project)]
        clauses = [
            (Assignment.kind == USER_PROJECT)
            & (Assignment.target_id == project.id)
            & (Assignment.inherited.is_(False)),
            (Assignment.kind == USER_DOMAIN)
            & (Assignment.target_id == project.domain_id)
            & (Assignment.inherited.is_(True)),
        ]
        if ancestors:
            clauses.append(
                (Assignment.kind == USER_PROJECT)
                & (Assignment.target_id.in_(ancestors))
                & (Assignment.inherited.is_(True))
            )
        where = or_(*clauses)
    elif scope == "domain" and scope_id:
        where = (
            (Assignment.kind == USER_DOMAIN)
            & (Assignment.target_id == scope_id)
            & (Assignment.inherited.is_(False))
        )
    elif scope == "system":
        where = (Assignment.kind == USER_SYSTEM) & (Assignment.target_id == SYSTEM_TARGET)
    else:
        return set()
    stmt = select(Assignment.role_id).where(Assignment.actor_id == user_id).where(where)
    return set(session.scalars(stmt).all())


def effective_roles(session: Session, user_id: str, scope: str, scope_id: str | None) -> list[Role]:
    ids = implied_closure(session, direct_role_ids(session, user_id, scope, scope_id))
    if not ids:
        return []
    return list(session.scalars(select(Role).where(Role.id.in_(ids)).order_by(Role.name)).all())


def _descendants(session: Session, root_ids: set[str]) -> set[str]:
    found: set[str] = set()
    frontier = set(root_ids)
    while frontier:
        children = set(session.scalars(select(Project.id).where(Project.parent_id.in_(frontier))))
        frontier = children - found
        found |= frontier
    return found


def project_ids_with_roles(session: Session, user_id: str) -> set[str]:
    """Every project on which the user holds some role, directly or by inheritance."""
    rows = session.execute(
        select(Assignment.kind, Assignment.target_id, Assignment.inherited).where(
            Assignment.actor_id == user_id, Assignment.kind.in_([USER_PROJECT, USER_DOMAIN])
        )
    ).all()
    direct = {t for k, t, inh in rows if k == USER_PROJECT and not inh}
    inherited_roots = {t for k, t, inh in rows if k == USER_PROJECT and inh}
    domains = {t for k, t, inh in rows if k == USER_DOMAIN and inh}
    ids = direct | _descendants(session, inherited_roots)
    if domains:
        ids |= set(session.scalars(select(Project.id).where(Project.domain_id.in_(domains))))
    return ids


def domain_ids_with_roles(session: Session, user_id: str) -> set[str]:
    stmt = select(Assignment.target_id).where(
        Assignment.actor_id == user_id,
        Assignment.kind == USER_DOMAIN,
        Assignment.inherited.is_(False),
    )
    return set(session.scalars(stmt))


def has_system_role(session: Session, user_id: str) -> bool:
    stmt = select(Assignment.role_id).where(Assignment.actor_id == user_id, Assignment.kind == USER_SYSTEM)
    return session.scalar(stmt.limit(1)) is not None
