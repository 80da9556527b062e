"""Which roles a user holds on a scope, direct, inherited and implied."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, or_, select
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
    """The global roles the user holds on the scope. COMPAT: as in Keystone, domain-specific
    roles only lend the global roles they imply; they never appear in a token themselves."""
    ids = implied_closure(session, direct_role_ids(session, user_id, scope, scope_id))
    if not ids:
        return []
    stmt = select(Role).where(Role.id.in_(ids), Role.domain_id.is_(None)).order_by(Role.name)
    return list(session.scalars(stmt).all())


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


# -- listing role assignments (GET /v3/role_assignments) --------------------------------------
SCOPE_OF_KIND = {USER_PROJECT: "project", USER_DOMAIN: "domain", USER_SYSTEM: "system"}


@dataclass(frozen=True)
class GrantRow:
    """One stored assignment, as the grant APIs name it."""

    kind: str
    actor_id: str
    target_id: str
    role_id: str
    inherited: bool = False


@dataclass(frozen=True)
class AssignmentRef:
    """One row of a role assignment listing.

    ``scope``/``scope_id`` say where the role applies (an inherited grant expanded in effective mode
    applies to a project below its ``source``); ``source`` is the stored grant it comes from and
    ``prior_role_id`` the role that implied this one, if it was implied.
    """

    role_id: str
    user_id: str
    scope: str
    scope_id: str
    inherited: bool
    source: GrantRow
    prior_role_id: str | None = None


@dataclass(frozen=True)
class AssignmentQuery:
    """Filters of GET /v3/role_assignments. ``inherited`` None means both kinds;
    ``visible_domain_id`` keeps only what lies in that domain (for domain-scoped callers)."""

    user_id: str | None = None
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
    return AssignmentRef(g.role_id, g.actor_id, SCOPE_OF_KIND[g.kind], g.target_id, g.inherited, g)


def _grants(session: Session, user_id: str | None, *where: ColumnElement[bool]) -> list[GrantRow]:
    stmt = select(Assignment).where(Assignment.kind.in_(list(SCOPE_OF_KIND)), *where)
    if user_id is not None:
        stmt = stmt.where(Assignment.actor_id == user_id)
    stmt = stmt.order_by(Assignment.kind, Assignment.target_id, Assignment.actor_id, Assignment.role_id)
    return [_row(a) for a in session.scalars(stmt)]


def subtree_ids(session: Session, project_id: str) -> set[str]:
    """Every project below ``project_id`` (not the project itself)."""
    return _descendants(session, {project_id})


def projects_reached(session: Session, grant: GrantRow) -> set[str]:
    """The projects an inherited grant applies to: every project of the domain, or every project
    below the project (Keystone's OS-INHERIT semantics)."""
    if grant.kind == USER_DOMAIN:
        return set(session.scalars(select(Project.id).where(Project.domain_id == grant.target_id)))
    return subtree_ids(session, grant.target_id)


def _direct_listing(session: Session, q: AssignmentQuery, interest: set[str] | None) -> list[AssignmentRef]:
    where: list[ColumnElement[bool]] = []
    if q.role_id:
        where.append(Assignment.role_id == q.role_id)
    if q.inherited is not None:
        where.append(Assignment.inherited.is_(q.inherited))
    if q.system:
        where.append(Assignment.kind == USER_SYSTEM)
    elif interest is not None:
        where += [Assignment.kind == USER_PROJECT, Assignment.target_id.in_(interest)]
    elif q.domain_id:
        where += [Assignment.kind == USER_DOMAIN, Assignment.target_id == q.domain_id]
    return [_as_ref(g) for g in _grants(session, q.user_id, *where)]


def _inherited_sources(session: Session, q: AssignmentQuery, project: Project | None) -> list[GrantRow]:
    """Inherited grants that can reach the projects of interest (all of them without a project)."""
    inherited = Assignment.inherited.is_(True)
    if project is None:
        return _grants(session, q.user_id, inherited)
    parents = [p.id for p in project_ancestors(session, project)]
    if q.include_subtree:
        parents += [project.id, *subtree_ids(session, project.id)]
    clauses = [(Assignment.kind == USER_DOMAIN) & (Assignment.target_id == project.domain_id)]
    if parents:
        clauses.append((Assignment.kind == USER_PROJECT) & Assignment.target_id.in_(parents))
    return _grants(session, q.user_id, inherited, or_(*clauses))


def _effective_listing(
    session: Session, q: AssignmentQuery, project: Project | None, interest: set[str] | None
) -> list[AssignmentRef]:
    """Direct grants plus inherited grants expanded onto every project they reach, before
    implied roles are added."""
    if q.system:
        return [_as_ref(g) for g in _grants(session, q.user_id, Assignment.kind == USER_SYSTEM)]
    if q.domain_id:
        if q.inherited:
            return []
        where = [Assignment.kind == USER_DOMAIN, Assignment.target_id == q.domain_id]
        return [_as_ref(g) for g in _grants(session, q.user_id, Assignment.inherited.is_(False), *where)]
    refs: list[AssignmentRef] = []
    if q.inherited is not True:
        where: list[ColumnElement[bool]] = [Assignment.inherited.is_(False)]
        if interest is not None:
            where += [Assignment.kind == USER_PROJECT, Assignment.target_id.in_(interest)]
        refs += [_as_ref(g) for g in _grants(session, q.user_id, *where)]
    if q.inherited is not False:
        for grant in _inherited_sources(session, q, project):
            reached = projects_reached(session, grant)
            if interest is not None:
                reached &= interest
            refs += [
                AssignmentRef(grant.role_id, grant.actor_id, "project", pid, True, grant)
                for pid in sorted(reached)
            ]
    return refs


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
    there is no project filter). Effective mode expands inheritance and implied roles and, like
    Keystone, leaves out domain-specific roles (they only serve to imply others)."""
    interest: set[str] | None = None
    if q.project_id:
        interest = {q.project_id}
        if q.include_subtree and project is not None:
            interest |= subtree_ids(session, project.id)
    if not q.effective:
        refs = _direct_listing(session, q, interest)
    else:
        refs = add_implied(session, _effective_listing(session, q, project, interest))
        global_ids = set(session.scalars(select(Role.id).where(Role.domain_id.is_(None))))
        refs = [r for r in refs if r.role_id in global_ids]
        if q.role_id:
            refs = [r for r in refs if r.role_id == q.role_id]
    if q.visible_domain_id is not None:
        refs = _within_domain(session, refs, q.visible_domain_id)
    return refs
