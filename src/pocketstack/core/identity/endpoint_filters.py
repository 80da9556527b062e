"""Project endpoint filtering (Keystone's OS-EP-FILTER): endpoint groups, and endpoints or
endpoint groups associated with projects.

COMPAT: as in Keystone, a project with any association sees in its token catalog only the
endpoints associated with it (directly or through a group) and services that keep an endpoint;
a project without associations sees the whole catalog.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest, Conflict, NotFound
from pocketstack.core.identity.catalog import INTERFACES, CatalogEntry
from pocketstack.core.identity.common import get_or_404, new_id
from pocketstack.store.db import Database
from pocketstack.store.identity_catalog_models import EndpointGroup, ProjectEndpoint, ProjectEndpointGroup
from pocketstack.store.models import Endpoint, Project

FILTER_KEYS = ("service_id", "region_id", "interface")


def check_filters(filters: Mapping[str, Any]) -> None:
    if not filters:
        raise BadRequest("filters field is required and cannot be empty")
    unknown = sorted(set(filters) - set(FILTER_KEYS))
    if unknown:
        raise BadRequest(
            f"Invalid input for field 'filters': {unknown[0]!r} is not one of {' or '.join(FILTER_KEYS)}."
        )
    for key, value in filters.items():
        if not isinstance(value, str) and not (key == "region_id" and value is None):
            raise BadRequest(f"Invalid input for field 'filters.{key}': {value!r} is not a string.")
    if "interface" in filters and filters["interface"] not in INTERFACES:
        raise BadRequest(
            f"Invalid input for field 'filters.interface': {filters['interface']!r} is not one of "
            f"{', '.join(INTERFACES)}."
        )


def _matches(endpoint: Endpoint, filters: Mapping[str, Any]) -> bool:
    return all(getattr(endpoint, key) == value for key, value in filters.items())


def _get_group(s: Session, group_id: str) -> EndpointGroup:
    message = f"Could not find Endpoint Group: {group_id}."
    return get_or_404(s, EndpointGroup, group_id, "endpoint group", message)


def _endpoints_of_groups(s: Session, groups: list[EndpointGroup]) -> list[Endpoint]:
    if not groups:
        return []
    endpoints = s.scalars(select(Endpoint).order_by(Endpoint.id)).all()
    return [e for e in endpoints if any(_matches(e, g.filters) for g in groups)]


def project_endpoint_ids(s: Session, project_id: str) -> set[str]:
    """The endpoints associated with a project, directly or through its endpoint groups."""
    ids = set(s.scalars(select(ProjectEndpoint.endpoint_id).where(ProjectEndpoint.project_id == project_id)))
    groups = list(
        s.scalars(
            select(EndpointGroup)
            .join(ProjectEndpointGroup, ProjectEndpointGroup.endpoint_group_id == EndpointGroup.id)
            .where(ProjectEndpointGroup.project_id == project_id)
        )
    )
    ids.update(e.id for e in _endpoints_of_groups(s, groups))
    return ids


def restrict_catalog(s: Session, project_id: str | None, entries: list[CatalogEntry]) -> list[CatalogEntry]:
    """The catalog a token scoped to ``project_id`` carries (see the module's docstring)."""
    if project_id is None:
        return entries
    allowed = project_endpoint_ids(s, project_id)
    if not allowed:
        return entries
    kept = [replace(entry, endpoints=[e for e in entry.endpoints if e.id in allowed]) for entry in entries]
    return [entry for entry in kept if entry.endpoints]


class EndpointFilterService:
    """Endpoint groups and project associations. Every method opens its own transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- endpoint groups -----------------------------------------------------------------
    def list_groups(self, name: str | None = None) -> list[EndpointGroup]:
        stmt = select(EndpointGroup)
        if name is not None:
            stmt = stmt.where(EndpointGroup.name == name)
        with self.db.read() as s:
            return list(s.scalars(stmt.order_by(EndpointGroup.name, EndpointGroup.id)))

    def get_group(self, group_id: str) -> EndpointGroup:
        """Raises NotFound."""
        with self.db.read() as s:
            return _get_group(s, group_id)

    def create_group(
        self, name: str, filters: Mapping[str, Any], description: str | None = None
    ) -> EndpointGroup:
        """Raises BadRequest for empty or unknown filters."""
        check_filters(filters)
        with self.db.transaction() as s:
            group = EndpointGroup(id=new_id(), name=name, description=description, filters=dict(filters))
            s.add(group)
            s.flush()
            return group

    def update_group(self, group_id: str, changes: Mapping[str, Any]) -> EndpointGroup:
        """``changes`` keys: name, description, filters (replaced). Raises NotFound, BadRequest."""
        if "filters" in changes:
            check_filters(changes["filters"])
        with self.db.transaction() as s:
            group = _get_group(s, group_id)
            for key in ("name", "description"):
                if key in changes:
                    setattr(group, key, changes[key])
            if "filters" in changes:
                group.filters = dict(changes["filters"])
            s.flush()
            return group

    def delete_group(self, group_id: str) -> None:
        """Raises NotFound. The group's project associations go with it."""
        with self.db.transaction() as s:
            s.delete(_get_group(s, group_id))

    def endpoints_in_group(self, group_id: str) -> list[Endpoint]:
        """Raises NotFound."""
        with self.db.read() as s:
            return _endpoints_of_groups(s, [_get_group(s, group_id)])

    # -- endpoint groups and projects ----------------------------------------------------
    def _group_and_project(self, s: Session, group_id: str, project_id: str) -> None:
        get_or_404(s, Project, project_id, "project")
        _get_group(s, group_id)

    def add_group_to_project(self, group_id: str, project_id: str) -> None:
        """Raises NotFound (group or project), Conflict when already associated."""
        with self.db.transaction() as s:
            self._group_and_project(s, group_id, project_id)
            if s.get(ProjectEndpointGroup, (group_id, project_id)) is not None:
                raise _duplicate("project_endpoint_group")
            s.add(ProjectEndpointGroup(endpoint_group_id=group_id, project_id=project_id))

    def check_group_in_project(self, group_id: str, project_id: str) -> None:
        """Raises NotFound (group, project, or the association)."""
        with self.db.read() as s:
            self._group_and_project(s, group_id, project_id)
            if s.get(ProjectEndpointGroup, (group_id, project_id)) is None:
                raise _association_404("Endpoint Group Project Association not found")

    def remove_group_from_project(self, group_id: str, project_id: str) -> None:
        """Raises NotFound (group, project, or the association)."""
        with self.db.transaction() as s:
            self._group_and_project(s, group_id, project_id)
            row = s.get(ProjectEndpointGroup, (group_id, project_id))
            if row is None:
                raise _association_404("Endpoint Group Project Association not found")
            s.delete(row)

    def projects_for_group(self, group_id: str) -> list[Project]:
        """Raises NotFound."""
        with self.db.read() as s:
            _get_group(s, group_id)
            stmt = (
                select(Project)
                .join(ProjectEndpointGroup, ProjectEndpointGroup.project_id == Project.id)
                .where(ProjectEndpointGroup.endpoint_group_id == group_id)
            )
            return list(s.scalars(stmt.order_by(Project.name)))

    def groups_for_project(self, project_id: str) -> list[EndpointGroup]:
        """Raises NotFound when the project does not exist."""
        with self.db.read() as s:
            get_or_404(s, Project, project_id, "project")
            stmt = (
                select(EndpointGroup)
                .join(ProjectEndpointGroup, ProjectEndpointGroup.endpoint_group_id == EndpointGroup.id)
                .where(ProjectEndpointGroup.project_id == project_id)
            )
            return list(s.scalars(stmt.order_by(EndpointGroup.name)))

    # -- endpoints and projects ----------------------------------------------------------
    def _endpoint_and_project(self, s: Session, endpoint_id: str, project_id: str) -> None:
        get_or_404(s, Endpoint, endpoint_id, "endpoint")
        get_or_404(s, Project, project_id, "project")

    def add_endpoint_to_project(self, endpoint_id: str, project_id: str) -> None:
        """Raises NotFound (endpoint or project), Conflict when already associated."""
        with self.db.transaction() as s:
            self._endpoint_and_project(s, endpoint_id, project_id)
            if s.get(ProjectEndpoint, (project_id, endpoint_id)) is not None:
                raise _duplicate("project_endpoint")
            s.add(ProjectEndpoint(project_id=project_id, endpoint_id=endpoint_id))

    def check_endpoint_in_project(self, endpoint_id: str, project_id: str) -> None:
        """Raises NotFound (endpoint, project, or the association)."""
        with self.db.read() as s:
            self._endpoint_and_project(s, endpoint_id, project_id)
            if s.get(ProjectEndpoint, (project_id, endpoint_id)) is None:
                raise _association_404(f"Endpoint {endpoint_id} not found in project {project_id}")

    def remove_endpoint_from_project(self, endpoint_id: str, project_id: str) -> None:
        """Raises NotFound when the endpoint is not associated with the project."""
        with self.db.transaction() as s:
            row = s.get(ProjectEndpoint, (project_id, endpoint_id))
            if row is None:
                raise _association_404(f"Endpoint {endpoint_id} not found in project {project_id}")
            s.delete(row)

    def endpoints_for_project(self, project_id: str) -> list[Endpoint]:
        """Every endpoint associated with the project, directly or through a group."""
        with self.db.read() as s:
            get_or_404(s, Project, project_id, "project")
            ids = project_endpoint_ids(s, project_id)
            if not ids:
                return []
            return list(s.scalars(select(Endpoint).where(Endpoint.id.in_(ids)).order_by(Endpoint.id)))

    def projects_for_endpoint(self, endpoint_id: str) -> list[Project]:
        """The projects the endpoint is directly associated with. Raises NotFound."""
        with self.db.read() as s:
            get_or_404(s, Endpoint, endpoint_id, "endpoint")
            stmt = (
                select(Project)
                .join(ProjectEndpoint, ProjectEndpoint.project_id == Project.id)
                .where(ProjectEndpoint.endpoint_id == endpoint_id)
            )
            return list(s.scalars(stmt.order_by(Project.name)))


def _association_404(message: str) -> NotFound:
    return NotFound("association", "", code="identity.endpoint_filter.not_found", message=message)


def _duplicate(kind: str) -> Conflict:
    # COMPAT: Keystone's wording for a duplicate association.
    return Conflict(
        f"Conflict occurred attempting to store {kind} - Duplicate entry.",
        code="identity.endpoint_filter.duplicate",
    )
