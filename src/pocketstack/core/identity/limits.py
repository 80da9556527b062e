"""Unified limits (Keystone's /v3/registered_limits and /v3/limits), with the flat model.

A registered limit is a service's default for one resource (in one region or all); a limit
overrides it for one project or one domain and must name a registered limit's service, region
and resource. pocketstack stores them for services that read them (oslo.limit); of its own
quotas, object storage's account quotas consult them (core/objects/project_limits.py: the
``object-store`` service's ``object_megabytes`` and ``object_count``); the others do not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest, Conflict, Forbidden
from pocketstack.core.identity.common import get_or_404, new_id
from pocketstack.store.db import Database
from pocketstack.store.identity_catalog_models import Limit, RegisteredLimit
from pocketstack.store.models import Domain, Project, Region, Service

MODEL = {
    "name": "flat",
    "description": "Limit enforcement and validation does not take project hierarchy into consideration.",
}


@dataclass(frozen=True)
class ScopedLimit:
    """A limit with the registered limit it overrides (where service, region and resource live)."""

    limit: Limit
    registered: RegisteredLimit


def _missing(attribute: str, target: str) -> BadRequest:
    # COMPAT: Keystone's ValidationError wording for a reference that does not exist.
    return BadRequest(
        f"Expecting to find {attribute} in {target}. The server could not comply with the request "
        "since it is either malformed or otherwise incorrect. The client is assumed to be in error.",
        code=f"identity.{target}.invalid_reference",
    )


def _duplicate(kind: str) -> Conflict:
    return Conflict(
        f"Conflict occurred attempting to store {kind} - Duplicate entry.", code=f"identity.{kind}.duplicate"
    )


def _in_use(registered_limit_id: str) -> Forbidden:
    return Forbidden(
        f"Unable to update or delete registered limit {registered_limit_id} because there are "
        "project limits associated with it.",
        code="identity.registered_limit.in_use",
    )


def _check_service_and_region(s: Session, item: Mapping[str, Any], target: str) -> None:
    if item.get("service_id") is not None and s.get(Service, item["service_id"]) is None:
        raise _missing("service_id", target)
    if item.get("region_id") is not None and s.get(Region, item["region_id"]) is None:
        raise _missing("region_id", target)


def _find_registered(
    s: Session, service_id: str, region_id: str | None, resource_name: str
) -> RegisteredLimit | None:
    stmt = select(RegisteredLimit).where(
        RegisteredLimit.service_id == service_id,
        RegisteredLimit.resource_name == resource_name,
        RegisteredLimit.region_id.is_(None) if region_id is None else RegisteredLimit.region_id == region_id,
    )
    return s.scalars(stmt.limit(1)).first()


def _get_registered(s: Session, registered_limit_id: str) -> RegisteredLimit:
    message = f"Could not find registered limit for {registered_limit_id}."
    return get_or_404(s, RegisteredLimit, registered_limit_id, "registered limit", message)


def _get_limit(s: Session, limit_id: str) -> Limit:
    return get_or_404(s, Limit, limit_id, "limit", f"Could not find limit for {limit_id}.")


def _owner(s: Session, item: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(project_id, domain_id) of a new limit. COMPAT: as in Keystone, a ``project_id`` that
    names a domain makes a domain limit."""
    project_id, domain_id = item.get("project_id"), item.get("domain_id")
    if project_id is not None:
        if s.get(Project, project_id) is not None:
            return project_id, None
        if s.get(Domain, project_id) is not None:
            return None, project_id
        raise _missing("project_id", "limit")
    if domain_id is None or s.get(Domain, domain_id) is None:
        raise _missing("domain_id", "limit")
    return None, domain_id


class LimitService:
    """Registered limits and limits. Every method opens its own transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- registered limits ---------------------------------------------------------------
    def list_registered(
        self, service_id: str | None = None, region_id: str | None = None, resource_name: str | None = None
    ) -> list[RegisteredLimit]:
        stmt = select(RegisteredLimit)
        for column, value in (
            (RegisteredLimit.service_id, service_id),
            (RegisteredLimit.region_id, region_id),
            (RegisteredLimit.resource_name, resource_name),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        with self.db.read() as s:
            return list(s.scalars(stmt.order_by(RegisteredLimit.resource_name, RegisteredLimit.id)))

    def get_registered(self, registered_limit_id: str) -> RegisteredLimit:
        """Raises NotFound."""
        with self.db.read() as s:
            return _get_registered(s, registered_limit_id)

    def create_registered(self, items: Sequence[Mapping[str, Any]]) -> list[RegisteredLimit]:
        """All or none. ``items`` keys: service_id, region_id, resource_name, default_limit,
        description. Raises BadRequest (unknown service or region), Conflict (duplicate)."""
        with self.db.transaction() as s:
            made = []
            for item in items:
                _check_service_and_region(s, item, "registered_limit")
                if _find_registered(s, item["service_id"], item.get("region_id"), item["resource_name"]):
                    raise _duplicate("registered_limit")
                row = RegisteredLimit(
                    id=new_id(),
                    service_id=item["service_id"],
                    region_id=item.get("region_id"),
                    resource_name=item["resource_name"],
                    default_limit=item["default_limit"],
                    description=item.get("description"),
                )
                s.add(row)
                s.flush()
                made.append(row)
            return made

    def update_registered(self, registered_limit_id: str, changes: Mapping[str, Any]) -> RegisteredLimit:
        """Raises NotFound, Forbidden (limits refer to it), BadRequest, Conflict."""
        with self.db.transaction() as s:
            row = _get_registered(s, registered_limit_id)
            if s.scalar(select(Limit.id).where(Limit.registered_limit_id == row.id).limit(1)):
                raise _in_use(row.id)
            _check_service_and_region(s, changes, "registered_limit")
            if {"service_id", "region_id", "resource_name"} & set(changes):
                service_id = changes.get("service_id", row.service_id)
                region_id = changes.get("region_id", row.region_id)
                resource_name = changes.get("resource_name", row.resource_name)
                other = _find_registered(s, service_id, region_id, resource_name)
                if other is not None and other.id != row.id:
                    raise _duplicate("registered_limit")
            for key in ("service_id", "region_id", "resource_name", "default_limit", "description"):
                if key in changes:
                    setattr(row, key, changes[key])
            s.flush()
            return row

    def delete_registered(self, registered_limit_id: str) -> None:
        """Raises NotFound, Forbidden (limits refer to it)."""
        with self.db.transaction() as s:
            row = _get_registered(s, registered_limit_id)
            if s.scalar(select(Limit.id).where(Limit.registered_limit_id == row.id).limit(1)):
                raise _in_use(row.id)
            s.delete(row)

    # -- limits --------------------------------------------------------------------------
    def list_limits(
        self, filters: Mapping[str, str | None], within_domain: str | None = None
    ) -> list[ScopedLimit]:
        """``filters`` keys: service_id, region_id, resource_name, project_id, domain_id.
        ``within_domain`` keeps only the limits of that domain and of its projects."""
        stmt = select(Limit, RegisteredLimit).join(
            RegisteredLimit, RegisteredLimit.id == Limit.registered_limit_id
        )
        for key, column in (
            ("service_id", RegisteredLimit.service_id),
            ("region_id", RegisteredLimit.region_id),
            ("resource_name", RegisteredLimit.resource_name),
            ("project_id", Limit.project_id),
            ("domain_id", Limit.domain_id),
        ):
            if filters.get(key) is not None:
                stmt = stmt.where(column == filters[key])
        if within_domain is not None:
            projects = select(Project.id).where(Project.domain_id == within_domain)
            stmt = stmt.where(Limit.project_id.in_(projects) | (Limit.domain_id == within_domain))
        with self.db.read() as s:
            rows = s.execute(stmt.order_by(RegisteredLimit.resource_name, Limit.id)).all()
            return [ScopedLimit(limit, registered) for limit, registered in rows]

    def find_limit(self, limit_id: str) -> ScopedLimit | None:
        with self.db.read() as s:
            limit = s.get(Limit, limit_id) if limit_id else None
            return ScopedLimit(limit, _get_registered(s, limit.registered_limit_id)) if limit else None

    def get_limit(self, limit_id: str) -> ScopedLimit:
        """Raises NotFound."""
        with self.db.read() as s:
            limit = _get_limit(s, limit_id)
            return ScopedLimit(limit, _get_registered(s, limit.registered_limit_id))

    def create_limits(self, items: Sequence[Mapping[str, Any]]) -> list[ScopedLimit]:
        """All or none. ``items`` keys: service_id, region_id, resource_name, resource_limit,
        project_id or domain_id, description. Raises BadRequest (unknown reference), Forbidden
        (no registered limit for it), Conflict (the project or domain has one already)."""
        with self.db.transaction() as s:
            made = []
            for item in items:
                _check_service_and_region(s, item, "limit")
                project_id, domain_id = _owner(s, item)
                registered = _find_registered(
                    s, item["service_id"], item.get("region_id"), item["resource_name"]
                )
                if registered is None:
                    raise Forbidden(
                        "Unable to create a limit that has no corresponding registered limit.",
                        code="identity.limit.no_registered_limit",
                    )
                if _has_limit(s, registered.id, project_id, domain_id):
                    raise _duplicate("limit")
                row = Limit(
                    id=new_id(),
                    registered_limit_id=registered.id,
                    project_id=project_id,
                    domain_id=domain_id,
                    resource_limit=item["resource_limit"],
                    description=item.get("description"),
                )
                s.add(row)
                s.flush()
                made.append(ScopedLimit(row, registered))
            return made

    def update_limit(self, limit_id: str, changes: Mapping[str, Any]) -> ScopedLimit:
        """``changes`` keys: resource_limit, description. Raises NotFound."""
        with self.db.transaction() as s:
            row = _get_limit(s, limit_id)
            for key in ("resource_limit", "description"):
                if key in changes:
                    setattr(row, key, changes[key])
            s.flush()
            return ScopedLimit(row, _get_registered(s, row.registered_limit_id))

    def delete_limit(self, limit_id: str) -> None:
        """Raises NotFound."""
        with self.db.transaction() as s:
            s.delete(_get_limit(s, limit_id))


def _has_limit(s: Session, registered_limit_id: str, project_id: str | None, domain_id: str | None) -> bool:
    stmt = select(Limit.id).where(Limit.registered_limit_id == registered_limit_id)
    if project_id is not None:
        stmt = stmt.where(Limit.project_id == project_id)
    else:
        stmt = stmt.where(Limit.domain_id == domain_id)
    return s.scalar(stmt.limit(1)) is not None
