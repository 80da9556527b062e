"""GET /v3/role_assignments: stored grants, or (effective) what each user ends up holding."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from pocketstack.core.identity.assignments import (
    DOMAIN_KINDS,
    GROUP_KINDS,
    PROJECT_KINDS,
    SYSTEM_KINDS,
    USER_KINDS,
    GrantRow,
    descendants,
    held_by,
    project_ancestors,
    projects_reached,
)
from pocketstack.store.identity_group_models import GroupMembership
from pocketstack.store.models import Assignment, ImpliedRole, Project, Role


@dataclass(frozen=True)
class AssignmentRef:
    """One row of a role assignment listing.

    ``actor_id`` is a user, or a group when ``group`` is set (direct listings only: an effective
    listing shows each member instead). ``scope``/``scope_id`` say where the role applies (an
    inherited grant expanded in effective mode applies to a project below its ``source``);
    ``source`` is the stored grant it comes from and ``prior_role_id`` the role that implied this
    one, if it was implied.
    """

    role_id: str
    actor_id: str
    scope: str
    scope_id: str
    inherited: bool
    source: GrantRow
    prior_role_id: str | None = None
    group: bool = False


@dataclass(frozen=True)
class AssignmentQuery:
    """Filters of GET /v3/role_assignments. ``inherited`` None means both kinds;
    ``visible_domain_id`` keeps only what lies in that domain (for domain-scoped callers)."""

    user_id: str | None = None
    group_id: str | None = None
    role_id: str | None = None
    project_id: str | None = None
    domain_id: str | None = None
    system: bool = False
    inherited: bool | None = None
    effective: bool = False
    include_subtree: bool = False
    visible_domain_id: str | None = None


def _row(a: Assignment) -> GrantRow:
    return GrantRow(a.kind, a.actor_id, a.target_id, a.role_id, a.inherited)


def _as_ref(g: GrantRow) -> AssignmentRef:
    return AssignmentRef(g.role_id, g.actor_id, g.scope, g.target_id, g.inherited, g, group=g.is_group)


def _actor(session: Session, q: AssignmentQuery) -> ColumnElement[bool] | None:
    """Whose grants to read: in effective mode a user's include the user's groups' grants."""
    if q.user_id is not None:
        if q.effective:
            return held_by(session, q.user_id)
        return Assignment.kind.in_(USER_KINDS) & (Assignment.actor_id == q.user_id)
    if q.group_id is not None:
        return Assignment.kind.in_(GROUP_KINDS) & (Assignment.actor_id == q.group_id)
    return None


def _grants(session: Session, q: AssignmentQuery, *where: ColumnElement[bool]) -> list[GrantRow]:
    stmt = select(Assignment).where(*where)
    actor = _actor(session, q)
    if actor is not None:
        stmt = stmt.where(actor)
    stmt = stmt.order_by(Assignment.kind, Assignment.target_id, Assignment.actor_id, Assignment.role_id)
    return [_row(a) for a in session.scalars(stmt)]


def subtree_ids(session: Session, project_id: str) -> set[str]:
    """Every project below ``project_id`` (not the project itself)."""
    return descendants(session, {project_id})


def _direct_listing(session: Session, q: AssignmentQuery, interest: set[str] | None) -> list[AssignmentRef]:
    where: list[ColumnElement[bool]] = []
    if q.role_id:
        where.append(Assignment.role_id == q.role_id)
    if q.inherited is not None:
        where.append(Assignment.inherited.is_(q.inherited))
    if q.system:
        where.append(Assignment.kind.in_(SYSTEM_KINDS))
    elif interest is not None:
        where += [Assignment.kind.in_(PROJECT_KINDS), Assignment.target_id.in_(interest)]
    elif q.domain_id:
        where += [Assignment.kind.in_(DOMAIN_KINDS), Assignment.target_id == q.domain_id]
    return [_as_ref(g) for g in _grants(session, q, *where)]


def _inherited_sources(session: Session, q: AssignmentQuery, project: Project | None) -> list[GrantRow]:
    """Inherited grants that can reach the projects of interest (all of them without a project)."""
    inherited = Assignment.inherited.is_(True)
    if project is None:
        return _grants(session, q, inherited)
    parents = [p.id for p in project_ancestors(session, project)]
    if q.include_subtree:
        parents += [project.id, *subtree_ids(session, project.id)]
    clauses = [Assignment.kind.in_(DOMAIN_KINDS) & (Assignment.target_id == project.domain_id)]
    if parents:
        clauses.append(Assignment.kind.in_(PROJECT_KINDS) & Assignment.target_id.in_(parents))
    return _grants(session, q, inherited, or_(*clauses))


def _effective_grants(
    session: Session, q: AssignmentQuery, project: Project | None, interest: set[str] | None
) -> list[AssignmentRef]:
    """Direct grants plus inherited grants expanded onto every project they reach, before
    group members and implied roles are added."""
    if q.system:
        return [_as_ref(g) for g in _grants(session, q, Assignment.kind.in_(SYSTEM_KINDS))]
    if q.domain_id:
        if q.inherited:
            return []
        where = [Assignment.kind.in_(DOMAIN_KINDS), Assignment.target_id == q.domain_id]
        return [_as_ref(g) for g in _grants(session, q, Assignment.inherited.is_(False), *where)]
    refs: list[AssignmentRef] = []
    if q.inherited is not True:
        where: list[ColumnElement[bool]] = [Assignment.inherited.is_(False)]
        if interest is not None:
            where += [Assignment.kind.in_(PROJECT_KINDS), Assignment.target_id.in_(interest)]
        refs += [_as_ref(g) for g in _grants(session, q, *where)]
    if q.inherited is not False:
        for grant in _inherited_sources(session, q, project):
            reached = projects_reached(session, grant)
            if interest is not None:
                reached &= interest
            base = _as_ref(grant)
            refs += [replace(base, scope="project", scope_id=pid) for pid in sorted(reached)]
    return refs


def _expand_groups(session: Session, refs: list[AssignmentRef], user_id: str | None) -> list[AssignmentRef]:
    """Each group's ref becomes one ref per member (only ``user_id`` when given); a group with
    no members gives none, as in Keystone."""
    group_ids = {r.actor_id for r in refs if r.group}
    members: dict[str, list[str]] = {}
    if group_ids:
        stmt = select(GroupMembership.group_id, GroupMembership.user_id).where(
            GroupMembership.group_id.in_(group_ids)
        )
        if user_id is not None:
            stmt = stmt.where(GroupMembership.user_id == user_id)
        for gid, uid in sorted(session.execute(stmt).all()):
            members.setdefault(gid, []).append(uid)
    out: list[AssignmentRef] = []
    for ref in refs:
        if not ref.group:
            out.append(ref)
            continue
        out += [replace(ref, actor_id=uid, group=False) for uid in members.get(ref.actor_id, [])]
    return out


def _implied_graph(session: Session) -> dict[str, list[str]]:
    graph: dict[str, list[str]] = {}
    rows = session.execute(select(ImpliedRole.prior_role_id, ImpliedRole.implied_role_id)).all()
    for prior, implied in sorted(rows):
        graph.setdefault(prior, []).append(implied)
    return graph


def add_implied(session: Session, refs: list[AssignmentRef]) -> list[AssignmentRef]:
    """Each ref followed by one ref per role it implies, transitively; a cycle is walked once."""
    graph = _implied_graph(session)
    out: list[AssignmentRef] = []
    for ref in refs:
        out.append(ref)
        seen = {ref.role_id}
        stack = [ref]
        while stack:
            current = stack.pop()
            for implied in graph.get(current.role_id, []):
                if implied in seen:
                    continue
                seen.add(implied)
                derived = replace(current, role_id=implied, prior_role_id=current.role_id)
                out.append(derived)
                stack.append(derived)
    return out


def _within_domain(session: Session, refs: list[AssignmentRef], domain_id: str) -> list[AssignmentRef]:
    project_ids = {r.scope_id for r in refs if r.scope == "project"}
    in_domain = set(
        session.scalars(select(Project.id).where(Project.id.in_(project_ids), Project.domain_id == domain_id))
    )
    return [
        r
        for r in refs
        if (r.scope == "domain" and r.scope_id == domain_id)
        or (r.scope == "project" and r.scope_id in in_domain)
    ]


def list_assignments(session: Session, q: AssignmentQuery, project: Project | None) -> list[AssignmentRef]:
    """Role assignments matching ``q``; ``project`` is the one named by ``q.project_id`` (None when
    there is no project filter). Effective mode expands groups into their members, inheritance
    and implied roles and, like Keystone, leaves out domain-specific roles (they only serve to
    imply others)."""
    interest: set[str] | None = None
    if q.project_id:
        interest = {q.project_id}
        if q.include_subtree and project is not None:
            interest |= subtree_ids(session, project.id)
    if not q.effective:
        refs = _direct_listing(session, q, interest)
    else:
        refs = _expand_groups(session, _effective_grants(session, q, project, interest), q.user_id)
        refs = add_implied(session, refs)
        global_ids = set(session.scalars(select(Role.id).where(Role.domain_id.is_(None))))
        refs = [r for r in refs if r.role_id in global_ids]
        if q.role_id:
            refs = [r for r in refs if r.role_id == q.role_id]
    if q.visible_domain_id is not None:
        refs = _within_domain(session, refs, q.visible_domain_id)
    return refs
