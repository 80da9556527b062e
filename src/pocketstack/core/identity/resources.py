"""Domains and projects: the containers that own users and carry role assignments.

Projects form trees inside one domain (``parent_id`` NULL for a top-level project; the API shows
the domain as its parent, as Keystone does). Disabling a project or a domain, or deleting one,
records a revocation event so tokens scoped to it stay invalid even if it comes back.
Resource options live in ``extra["options"]``: ``options`` is a reserved name on the wire, so
no extra attribute can collide with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest, Conflict, Forbidden, NotFound
from pocketstack.core.identity.assignments import project_ancestors
from pocketstack.core.identity.common import get_or_404, new_id, utcnow
from pocketstack.core.identity.groups import purge_groups
from pocketstack.core.identity.revocation import revoke
from pocketstack.core.identity.users import purge_user
from pocketstack.store.db import Database
from pocketstack.store.models import (
    ApplicationCredential,
    Assignment,
    Domain,
    ImpliedRole,
    Project,
    Role,
    User,
)

OPTIONS_KEY = "options"
MAX_PROJECT_TREE_DEPTH = 5  # COMPAT: Keystone's default max_project_tree_depth
MAX_TAGS = 80


def _plausible(ident: str) -> bool:
    """An id that could exist: PostgreSQL text cannot even be compared with a NUL character."""
    return bool(ident) and "\x00" not in ident


def options_of(obj: Domain | Project) -> dict[str, Any]:
    return dict((obj.extra or {}).get(OPTIONS_KEY) or {})


def extra_of(obj: Domain | Project) -> dict[str, Any]:
    """Extra attributes, without the resource options kept beside them."""
    return {k: v for k, v in (obj.extra or {}).items() if k != OPTIONS_KEY}


def merge_options(current: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """Domains and projects know one option, ``immutable``; null removes it."""
    merged = dict(current)
    for name, value in given.items():
        if name != "immutable":
            raise BadRequest(f"Invalid input for field 'options': unknown option '{name}'.")
        if value is None:
            merged.pop(name, None)
        elif isinstance(value, bool):
            merged[name] = value
        else:
            raise BadRequest("Invalid input for option 'immutable': expected a boolean.")
    return merged


def _apply_extra(obj: Domain | Project, changes: Mapping[str, Any]) -> None:
    extra = dict(obj.extra or {})
    if "extra" in changes:
        extra.update({k: v for k, v in changes["extra"].items() if k != OPTIONS_KEY})
    if "options" in changes:
        extra[OPTIONS_KEY] = merge_options(extra.get(OPTIONS_KEY) or {}, changes["options"])
    obj.extra = extra


def _check_mutable(kind: str, obj: Domain | Project, changes: Mapping[str, Any] | None) -> None:
    """An immutable resource may only have its ``immutable`` option turned off."""
    if not options_of(obj).get("immutable"):
        return
    if changes is None:
        raise Forbidden(
            f"Unable to delete immutable {kind} resource: `{obj.id}. "
            'Set resource option "immutable" to false first.'
        )
    unlocking = set(changes) == {"options"} and not changes["options"].get("immutable", True)
    if not unlocking:
        raise Forbidden(
            f"Unable to update immutable {kind} resource: `{obj.id}. "
            'Set resource option "immutable" to false first.'
        )


def validate_tags(tags: list[str]) -> list[str]:
    """Keystone's tag rules: at most 80, unique, 1-255 characters, no '/' or ','."""
    if len(tags) > MAX_TAGS:
        raise BadRequest(f"A project can have at most {MAX_TAGS} tags.")
    if len(set(tags)) != len(tags):
        raise BadRequest("Tags must be unique.")
    for tag in tags:
        if not tag.strip() or len(tag) > 255 or any(c in tag for c in "/,\x00"):
            raise BadRequest(f"Invalid tag {tag!r}: 1-255 characters without '/' or ','.")
    return [t.strip() for t in tags]


def _delete_project_rows(s: Session, project: Project) -> None:
    """Remove a project with its assignments and application credentials (children first)."""
    s.execute(delete(Assignment).where(Assignment.target_id == project.id, Assignment.kind.like("%Project")))
    s.execute(delete(ApplicationCredential).where(ApplicationCredential.project_id == project.id))
    revoke(s, project_id=project.id)
    s.delete(project)
    s.flush()


class DomainService:
    """Domains. An enabled domain cannot be deleted; deleting a disabled one removes its
    projects, users, domain-specific roles and every assignment on them."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def list(
        self, name: str | None = None, enabled: bool | None = None, only_id: str | None = None
    ) -> list[Domain]:
        stmt = select(Domain).order_by(Domain.name)
        if name is not None:
            stmt = stmt.where(Domain.name == name)
        if enabled is not None:
            stmt = stmt.where(Domain.enabled.is_(enabled))
        if only_id is not None:
            stmt = stmt.where(Domain.id == only_id)
        with self.db.read() as s:
            return list(s.scalars(stmt))

    def find(self, domain_id: str) -> Domain | None:
        with self.db.read() as s:
            return s.get(Domain, domain_id) if _plausible(domain_id) else None

    def get(self, domain_id: str) -> Domain:
        with self.db.read() as s:
            return get_or_404(s, Domain, domain_id, "domain")

    @staticmethod
    def _conflict(name: str) -> Conflict:
        return Conflict(
            f"Conflict occurred attempting to store domain - Duplicate entry found with name {name}.",
            code="identity.domain.conflict",
        )

    def _check_name_free(self, s: Session, name: str, domain_id: str | None = None) -> None:
        other = s.scalar(select(Domain.id).where(Domain.name == name))
        if other is not None and other != domain_id:
            raise self._conflict(name)

    def _flush(self, s: Session, name: str) -> None:
        try:
            s.flush()
        except IntegrityError:
            raise self._conflict(name) from None

    def create(
        self,
        *,
        name: str,
        description: str = "",
        enabled: bool = True,
        options: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
        domain_id: str | None = None,
    ) -> Domain:
        """Raises Conflict when the name (or the explicit id) is taken."""
        with self.db.transaction() as s:
            self._check_name_free(s, name)
            if domain_id is not None and s.get(Domain, domain_id) is not None:
                raise Conflict(
                    f"Conflict occurred attempting to store domain - Duplicate ID, {domain_id}.",
                    code="identity.domain.conflict",
                )
            ext = {k: v for k, v in (extra or {}).items() if k != OPTIONS_KEY}
            if options:
                ext[OPTIONS_KEY] = merge_options({}, options)
            domain = Domain(
                id=domain_id or new_id(),
                name=name,
                description=description,
                enabled=enabled,
                extra=ext,
                created_at=utcnow(),
            )
            s.add(domain)
            self._flush(s, name)
            return domain

    def update(self, domain_id: str, changes: Mapping[str, Any]) -> Domain:
        """``changes`` keys: name, description, enabled, options, extra. Disabling revokes
        the tokens of the domain's users and the tokens scoped to it."""
        with self.db.transaction() as s:
            domain = get_or_404(s, Domain, domain_id, "domain")
            _check_mutable("domain", domain, changes)
            if "name" in changes:
                self._check_name_free(s, changes["name"], domain.id)
                domain.name = changes["name"]
            if "description" in changes:
                domain.description = changes["description"]
            if changes.get("enabled") is False and domain.enabled:
                revoke(s, domain_id=domain.id)
            if "enabled" in changes:
                domain.enabled = changes["enabled"]
            _apply_extra(domain, changes)
            self._flush(s, domain.name)
            return domain

    def delete(self, domain_id: str) -> None:
        """Forbidden while the domain is enabled (or immutable)."""
        with self.db.transaction() as s:
            domain = get_or_404(s, Domain, domain_id, "domain")
            _check_mutable("domain", domain, None)
            if domain.enabled:
                raise Forbidden("Cannot delete a domain that is enabled, please disable it first.")
            projects = list(s.scalars(select(Project).where(Project.domain_id == domain.id)))
            depth = {p.id: len(project_ancestors(s, p)) for p in projects}
            for project in sorted(projects, key=lambda p: depth[p.id], reverse=True):
                _delete_project_rows(s, project)
            purge_groups(s, domain.id)
            for user in s.scalars(select(User).where(User.domain_id == domain.id)).all():
                purge_user(s, user)
            role_ids = list(s.scalars(select(Role.id).where(Role.domain_id == domain.id)))
            if role_ids:
                s.execute(delete(Assignment).where(Assignment.role_id.in_(role_ids)))
                s.execute(
                    delete(ImpliedRole).where(
                        ImpliedRole.prior_role_id.in_(role_ids) | ImpliedRole.implied_role_id.in_(role_ids)
                    )
                )
                s.execute(delete(Role).where(Role.id.in_(role_ids)))
            s.execute(
                delete(Assignment).where(Assignment.target_id == domain.id, Assignment.kind.like("%Domain"))
            )
            revoke(s, domain_id=domain.id)
            s.delete(domain)


@dataclass(frozen=True)
class ProjectFilter:
    domain_id: str | None = None
    enabled: bool | None = None
    name: str | None = None
    parent_id: str | None = None
    ids: frozenset[str] | None = None
    tags: list[str] = field(default_factory=list)
    tags_any: list[str] = field(default_factory=list)
    not_tags: list[str] = field(default_factory=list)
    not_tags_any: list[str] = field(default_factory=list)

    def keeps(self, project: Project) -> bool:
        """The tag filters, applied in Python (tags are a JSON list in the store)."""
        have = set(project.tags or [])
        if self.tags and not set(self.tags) <= have:
            return False
        if self.tags_any and not have & set(self.tags_any):
            return False
        if self.not_tags and set(self.not_tags) <= have:
            return False
        return not (self.not_tags_any and have & set(self.not_tags_any))


class ProjectService:
    """Projects in a domain, optionally nested; with tags."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reading -------------------------------------------------------------------------
    def list(self, f: ProjectFilter) -> list[Project]:
        stmt = select(Project).order_by(Project.name, Project.id)
        if f.domain_id is not None:
            stmt = stmt.where(Project.domain_id == f.domain_id)
        if f.enabled is not None:
            stmt = stmt.where(Project.enabled.is_(f.enabled))
        if f.name is not None:
            stmt = stmt.where(Project.name == f.name)
        if f.ids is not None:
            stmt = stmt.where(Project.id.in_(f.ids))
        if f.parent_id is not None:
            # COMPAT: a top-level project's parent is its domain.
            stmt = stmt.where(
                (Project.parent_id == f.parent_id)
                | (Project.parent_id.is_(None) & (Project.domain_id == f.parent_id))
            )
        with self.db.read() as s:
            return [p for p in s.scalars(stmt) if f.keeps(p)]

    def find(self, project_id: str) -> Project | None:
        with self.db.read() as s:
            return s.get(Project, project_id) if _plausible(project_id) else None

    def get(self, project_id: str) -> Project:
        with self.db.read() as s:
            return get_or_404(s, Project, project_id, "project")

    def parents(self, project_id: str) -> list[Project]:
        """Ancestors, nearest first (the domain not included)."""
        with self.db.read() as s:
            return project_ancestors(s, get_or_404(s, Project, project_id, "project"))

    def subtree(self, project_id: str) -> list[Project]:
        """Every descendant, breadth first."""
        with self.db.read() as s:
            get_or_404(s, Project, project_id, "project")
            return self._subtree(s, project_id)

    @staticmethod
    def _subtree(s: Session, project_id: str) -> list[Project]:
        found: list[Project] = []
        frontier = [project_id]
        while frontier:
            children = list(
                s.scalars(select(Project).where(Project.parent_id.in_(frontier)).order_by(Project.name))
            )
            found.extend(children)
            frontier = [c.id for c in children]
        return found

    # -- writing -------------------------------------------------------------------------
    @staticmethod
    def _conflict(name: str, project_id: str) -> Conflict:
        return Conflict(
            "Conflict occurred attempting to store project - it is not permitted to have two projects "
            f"with either the same name or same id in the same domain: name is {name}, "
            f"project id {project_id}.",
            code="identity.project.conflict",
        )

    def _check_name_free(self, s: Session, name: str, domain_id: str, project_id: str) -> None:
        other = s.scalar(select(Project.id).where(Project.name == name, Project.domain_id == domain_id))
        if other is not None and other != project_id:
            raise self._conflict(name, project_id)

    def _flush(self, s: Session, project: Project) -> None:
        try:
            s.flush()
        except IntegrityError:
            raise self._conflict(project.name, project.id) from None

    @staticmethod
    def _placement(s: Session, domain_id: str | None, parent_id: str | None) -> tuple[str, Project | None]:
        """The domain and the parent project of a new project; BadRequest when they disagree."""
        if parent_id and s.get(Domain, parent_id) is not None:
            # A parent that is a domain means a top-level project in that domain.
            if domain_id not in (None, parent_id):
                raise BadRequest(
                    f"Cannot create project, the parent ({parent_id}) is acting as a domain, but this "
                    f"project's domain id ({domain_id}) does not match the parent's id."
                )
            return parent_id, None
        parent = s.get(Project, parent_id) if parent_id else None
        if parent_id and parent is None:
            raise BadRequest(f"Could not find project: {parent_id}.")
        if parent is not None:
            if domain_id not in (None, parent.domain_id):
                raise BadRequest(
                    f"Cannot create project, since it specifies its domain_id {domain_id}, but "
                    f"specifies a parent in a different domain ({parent.domain_id})."
                )
            domain_id = parent.domain_id
        if domain_id is None or s.get(Domain, domain_id) is None:
            raise BadRequest(f"Could not find domain: {domain_id}.")
        return domain_id, parent

    @staticmethod
    def _check_branch(s: Session, parent: Project) -> None:
        branch = [parent, *project_ancestors(s, parent)]
        for p in branch:
            if not p.enabled:
                raise BadRequest(f"cannot create a project in a branch containing a disabled project: {p.id}")
        if len(branch) >= MAX_PROJECT_TREE_DEPTH:
            raise Forbidden(f"Max hierarchy depth reached for {parent.id} branch.")

    def create(
        self,
        *,
        name: str,
        domain_id: str | None,
        parent_id: str | None = None,
        description: str = "",
        enabled: bool = True,
        tags: list[str] | None = None,
        options: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Project:
        """``domain_id`` None takes the parent's domain. BadRequest for an unknown domain or
        parent, a parent in another domain or a disabled branch; Conflict for a taken name."""
        with self.db.transaction() as s:
            domain_id, parent = self._placement(s, domain_id, parent_id)
            if parent is not None:
                self._check_branch(s, parent)
            project = Project(
                id=new_id(),
                name=name,
                domain_id=domain_id,
                parent_id=parent.id if parent else None,
                description=description,
                enabled=enabled,
                tags=validate_tags(list(tags or [])),
                extra={},
                created_at=utcnow(),
            )
            _apply_extra(project, {"extra": dict(extra or {}), "options": dict(options or {})})
            self._check_name_free(s, name, domain_id, project.id)
            s.add(project)
            self._flush(s, project)
            return project

    def _check_enabled_change(self, s: Session, project: Project, enabled: bool) -> None:
        if enabled and not project.enabled and any(not p.enabled for p in project_ancestors(s, project)):
            raise Forbidden(f"Cannot enable project {project.id} since it has disabled parents")
        if not enabled and project.enabled:
            if any(c.enabled for c in self._subtree(s, project.id)):
                raise Forbidden(
                    f"Cannot disable project {project.id} since its subtree contains enabled projects."
                )
            revoke(s, project_id=project.id)

    @staticmethod
    def _check_fixed_fields(project: Project, changes: Mapping[str, Any]) -> None:
        """The domain, the parent and ``is_domain`` may be repeated unchanged, never changed."""
        if "domain_id" in changes and changes["domain_id"] != project.domain_id:
            raise BadRequest("Cannot change Domain ID")
        if "parent_id" in changes and changes["parent_id"] != (project.parent_id or project.domain_id):
            raise Forbidden("Update of `parent_id` is not allowed.")
        if changes.get("is_domain"):
            raise BadRequest("Update of `is_domain` is not allowed.")

    def update(self, project_id: str, changes: Mapping[str, Any]) -> Project:
        """``changes`` keys: name, description, enabled, tags, options, extra; domain_id,
        parent_id and is_domain only unchanged."""
        with self.db.transaction() as s:
            project = get_or_404(s, Project, project_id, "project")
            self._check_fixed_fields(project, changes)
            _check_mutable("project", project, changes)
            if "name" in changes:
                self._check_name_free(s, changes["name"], project.domain_id, project.id)
                project.name = changes["name"]
            if "description" in changes:
                project.description = changes["description"]
            if "enabled" in changes:
                self._check_enabled_change(s, project, changes["enabled"])
                project.enabled = changes["enabled"]
            if "tags" in changes:
                project.tags = validate_tags(list(changes["tags"]))
            _apply_extra(project, changes)
            self._flush(s, project)
            return project

    def delete(self, project_id: str) -> None:
        """Forbidden while the project has children (or is immutable)."""
        with self.db.transaction() as s:
            project = get_or_404(s, Project, project_id, "project")
            _check_mutable("project", project, None)
            if s.scalar(select(Project.id).where(Project.parent_id == project.id).limit(1)) is not None:
                raise Forbidden(
                    f"Cannot delete the project {project.id} since it is not a leaf in the hierarchy. "
                    "Use the cascade option if you want to delete a whole subtree."
                )
            _delete_project_rows(s, project)

    # -- tags ----------------------------------------------------------------------------
    def set_tags(self, project_id: str, tags: list[str]) -> list[str]:
        return list(self.update(project_id, {"tags": tags}).tags)

    def add_tag(self, project_id: str, tag: str) -> str:
        """Add one tag (adding a tag it has already is a no-op)."""
        with self.db.transaction() as s:
            project = get_or_404(s, Project, project_id, "project")
            _check_mutable("project", project, {"tags": None})
            if tag.strip() not in (project.tags or []):
                project.tags = validate_tags([*(project.tags or []), tag])
            return tag.strip()

    def check_tag(self, project_id: str, tag: str) -> None:
        """NotFound when the project lacks the tag."""
        if tag not in (self.get(project_id).tags or []):
            raise NotFound("project tag", tag, code="identity.project_tag.not_found")

    def remove_tag(self, project_id: str, tag: str) -> None:
        with self.db.transaction() as s:
            project = get_or_404(s, Project, project_id, "project")
            _check_mutable("project", project, {"tags": None})
            if tag not in (project.tags or []):
                raise NotFound("project tag", tag, code="identity.project_tag.not_found")
            project.tags = [t for t in project.tags if t != tag]
