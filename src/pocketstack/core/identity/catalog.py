"""The service catalog: services, their endpoints, and the regions endpoints live in.

``build_catalog`` is what tokens carry: enabled services with their enabled endpoints, read
fresh on every call, so a change is visible in the next token and the next ``/auth/catalog``.
``CatalogService`` is Keystone's catalog administration (/v3/services, /v3/endpoints,
/v3/regions).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest, Conflict, Forbidden, NotFound
from pocketstack.core.identity.common import get_or_404, new_id
from pocketstack.store.db import Database
from pocketstack.store.models import Endpoint, Region, Service

INTERFACES = ("admin", "internal", "public")
# COMPAT: the only substitutions Keystone accepts in an endpoint URL, as $(name)s or %(name)s.
URL_SUBSTITUTIONS = ("tenant_id", "project_id", "user_id", "compute_host", "public_endpoint")


@dataclass(frozen=True)
class CatalogEntry:
    service: Service
    endpoints: list[Endpoint]


def build_catalog(session: Session) -> list[CatalogEntry]:
    services = session.scalars(select(Service).where(Service.enabled.is_(True))).all()
    endpoints = session.scalars(select(Endpoint).where(Endpoint.enabled.is_(True))).all()
    by_service: dict[str, list[Endpoint]] = {}
    for e in endpoints:
        by_service.setdefault(e.service_id, []).append(e)
    return [CatalogEntry(s, by_service.get(s.id, [])) for s in services]


def check_endpoint_url(url: str) -> None:
    """COMPAT: Keystone refuses a URL whose substitutions it could not fill in (an unknown
    name, or a stray ``%``), so that every catalog it writes can be formatted."""
    values = dict.fromkeys(URL_SUBSTITUTIONS, "")
    try:
        url.replace("$(", "%(") % values
    except (KeyError, TypeError, ValueError):
        raise BadRequest(f"Cannot create an endpoint with an invalid URL: {url}.") from None


def _region_404(region_id: str) -> NotFound:
    return NotFound("region", region_id, code="identity.region.not_found")


def _missing_reference(attribute: str, table: str) -> BadRequest:
    # COMPAT: Keystone's wording for an endpoint naming a service or region that does not exist.
    return BadRequest(
        f"Expecting to find {attribute} in {table}. The server could not comply with the request "
        "since it is either malformed or otherwise incorrect. The client is assumed to be in error.",
        code="identity.endpoint.invalid_reference",
    )


class CatalogService:
    """Services, endpoints and regions. Every method opens its own transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- services ------------------------------------------------------------------------
    def list_services(self, type: str | None = None, name: str | None = None) -> list[Service]:
        stmt = select(Service)
        if type is not None:
            stmt = stmt.where(Service.type == type)
        if name is not None:
            stmt = stmt.where(Service.name == name)
        with self.db.read() as s:
            return list(s.scalars(stmt.order_by(Service.type, Service.id)))

    def get_service(self, service_id: str) -> Service:
        """Raises NotFound."""
        with self.db.read() as s:
            return get_or_404(s, Service, service_id, "service")

    def create_service(
        self,
        type: str,
        name: str = "",
        description: str = "",
        enabled: bool = True,
        extra: Mapping[str, Any] | None = None,
    ) -> Service:
        with self.db.transaction() as s:
            service = Service(
                id=new_id(),
                type=type,
                name=name,
                description=description,
                enabled=enabled,
                extra=dict(extra or {}),
            )
            s.add(service)
            s.flush()
            return service

    def update_service(self, service_id: str, changes: Mapping[str, Any]) -> Service:
        """``changes`` keys: type, name, description, enabled, extra (merged). Raises NotFound."""
        with self.db.transaction() as s:
            service = get_or_404(s, Service, service_id, "service")
            for key in ("type", "name", "description", "enabled"):
                if key in changes:
                    setattr(service, key, changes[key])
            if changes.get("extra"):
                service.extra = {**service.extra, **changes["extra"]}
            s.flush()
            return service

    def delete_service(self, service_id: str) -> None:
        """Delete a service and, as Keystone does, every endpoint of it. Raises NotFound."""
        with self.db.transaction() as s:
            service = get_or_404(s, Service, service_id, "service")
            s.execute(delete(Endpoint).where(Endpoint.service_id == service_id))
            s.delete(service)

    # -- endpoints -----------------------------------------------------------------------
    def list_endpoints(
        self,
        interface: str | None = None,
        service_id: str | None = None,
        region_id: str | None = None,
    ) -> list[Endpoint]:
        stmt = select(Endpoint)
        if interface is not None:
            stmt = stmt.where(Endpoint.interface == interface)
        if service_id is not None:
            stmt = stmt.where(Endpoint.service_id == service_id)
        if region_id is not None:
            stmt = stmt.where(Endpoint.region_id == region_id)
        with self.db.read() as s:
            return list(s.scalars(stmt.order_by(Endpoint.service_id, Endpoint.interface, Endpoint.id)))

    def get_endpoint(self, endpoint_id: str) -> Endpoint:
        """Raises NotFound."""
        with self.db.read() as s:
            return get_or_404(s, Endpoint, endpoint_id, "endpoint")

    def _legacy_region(self, s: Session, region_id: str) -> None:
        """COMPAT: an endpoint naming its region with the v2-style ``region`` creates it."""
        if s.get(Region, region_id) is None:
            s.add(Region(id=region_id, description="", parent_region_id=None, extra={}))
            s.flush()

    def _check_references(self, s: Session, service_id: str | None, region_id: str | None) -> None:
        if region_id is not None and s.get(Region, region_id) is None:
            raise _missing_reference("endpoint region_id", "region table")
        if service_id is not None and s.get(Service, service_id) is None:
            raise _missing_reference("endpoint service_id", "service table")

    def create_endpoint(
        self,
        service_id: str,
        interface: str,
        url: str,
        region_id: str | None = None,
        enabled: bool = True,
        extra: Mapping[str, Any] | None = None,
        legacy_region: str | None = None,
    ) -> Endpoint:
        """``legacy_region`` (used only without ``region_id``) is created when missing.
        Raises BadRequest for a bad interface or URL, or a service or region that is missing."""
        _check_interface(interface)
        check_endpoint_url(url)
        with self.db.transaction() as s:
            if region_id is None and legacy_region is not None:
                self._legacy_region(s, legacy_region)
                region_id = legacy_region
            self._check_references(s, service_id, region_id)
            endpoint = Endpoint(
                id=new_id(),
                service_id=service_id,
                interface=interface,
                region_id=region_id,
                url=url,
                enabled=enabled,
                extra=dict(extra or {}),
            )
            s.add(endpoint)
            s.flush()
            return endpoint

    def update_endpoint(self, endpoint_id: str, changes: Mapping[str, Any]) -> Endpoint:
        """``changes`` keys: service_id, interface, url, region_id, legacy_region, enabled,
        extra (merged). Raises NotFound, BadRequest as ``create_endpoint``."""
        if "interface" in changes:
            _check_interface(changes["interface"])
        if "url" in changes:
            check_endpoint_url(changes["url"])
        with self.db.transaction() as s:
            endpoint = get_or_404(s, Endpoint, endpoint_id, "endpoint")
            region_id = changes.get("region_id")
            if region_id is None and changes.get("legacy_region") is not None:
                self._legacy_region(s, changes["legacy_region"])
                region_id = changes["legacy_region"]
            self._check_references(s, changes.get("service_id"), region_id)
            if region_id is not None or "region_id" in changes:
                endpoint.region_id = region_id
            for key in ("service_id", "interface", "url", "enabled"):
                if key in changes:
                    setattr(endpoint, key, changes[key])
            if changes.get("extra"):
                endpoint.extra = {**endpoint.extra, **changes["extra"]}
            s.flush()
            return endpoint

    def delete_endpoint(self, endpoint_id: str) -> None:
        """Raises NotFound."""
        with self.db.transaction() as s:
            s.delete(get_or_404(s, Endpoint, endpoint_id, "endpoint"))

    # -- regions -------------------------------------------------------------------------
    def list_regions(self, parent_region_id: str | None = None) -> list[Region]:
        stmt = select(Region)
        if parent_region_id is not None:
            stmt = stmt.where(Region.parent_region_id == parent_region_id)
        with self.db.read() as s:
            return list(s.scalars(stmt.order_by(Region.id)))

    def get_region(self, region_id: str) -> Region:
        """Raises NotFound."""
        with self.db.read() as s:
            region = s.get(Region, region_id) if region_id else None
            if region is None:
                raise _region_404(region_id)
            return region

    def create_region(
        self,
        region_id: str | None = None,
        description: str = "",
        parent_region_id: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Region:
        """A new region, with the id given or a generated one. Raises Conflict when the id is
        taken, NotFound when the parent region does not exist."""
        region_id = region_id or new_id()
        try:
            with self.db.transaction() as s:
                if s.get(Region, region_id) is not None:
                    raise Conflict(
                        f"Conflict occurred attempting to store region - Duplicate ID, {region_id}."
                    )
                if parent_region_id is not None and s.get(Region, parent_region_id) is None:
                    raise _region_404(parent_region_id)
                region = Region(
                    id=region_id,
                    description=description,
                    parent_region_id=parent_region_id,
                    extra=dict(extra or {}),
                )
                s.add(region)
                s.flush()
                return region
        except IntegrityError:
            # Two creates of one id at the same moment: the loser sees what a later one would.
            raise Conflict(
                f"Conflict occurred attempting to store region - Duplicate ID, {region_id}."
            ) from None

    def update_region(self, region_id: str, changes: Mapping[str, Any]) -> Region:
        """``changes`` keys: description, parent_region_id, extra (merged). Raises NotFound (the
        region or the new parent), BadRequest when the new parent would make a cycle."""
        with self.db.transaction() as s:
            if "parent_region_id" in changes and changes["parent_region_id"] is not None:
                parent_id = changes["parent_region_id"]
                if s.get(Region, parent_id) is None:
                    raise _region_404(parent_id)
            region = s.get(Region, region_id) if region_id else None
            if region is None:
                raise _region_404(region_id)
            if "parent_region_id" in changes:
                _check_no_cycle(s, region_id, changes["parent_region_id"])
                region.parent_region_id = changes["parent_region_id"]
            if "description" in changes:
                region.description = changes["description"]
            if changes.get("extra"):
                region.extra = {**region.extra, **changes["extra"]}
            s.flush()
            return region

    def delete_region(self, region_id: str) -> None:
        """Delete a region and, as Keystone does, all the regions below it. Raises NotFound, and
        Forbidden when it or a region below it still has endpoints."""
        with self.db.transaction() as s:
            region = s.get(Region, region_id) if region_id else None
            if region is None:
                raise _region_404(region_id)
            doomed = _subtree(s, region_id)
            used = s.scalar(select(Endpoint.id).where(Endpoint.region_id.in_(doomed)).limit(1))
            if used is not None:
                raise Forbidden(
                    f"Unable to delete region {region_id} because it or its child regions have "
                    "associated endpoints.",
                    code="identity.region.in_use",
                )
            # Children first: each row's parent must exist until the row itself is gone.
            for ident in reversed(doomed):
                s.execute(delete(Region).where(Region.id == ident))


def _check_interface(interface: str) -> None:
    if interface not in INTERFACES:
        raise BadRequest(
            f"Invalid input for field 'interface': {interface!r} is not one of {', '.join(INTERFACES)}."
        )


def _subtree(s: Session, root_id: str) -> list[str]:
    """``root_id`` and every region below it, parents before children."""
    order = [root_id]
    seen = {root_id}
    frontier = [root_id]
    while frontier:
        children = s.scalars(select(Region.id).where(Region.parent_region_id.in_(frontier))).all()
        frontier = [c for c in children if c not in seen]
        seen.update(frontier)
        order.extend(frontier)
    return order


def _check_no_cycle(s: Session, region_id: str, parent_id: str | None) -> None:
    """Refuse a parent that is the region itself or lies below it."""
    seen: set[str] = set()
    current = parent_id
    while current is not None and current not in seen:
        if current == region_id:
            raise BadRequest(
                f"The specified parent region {parent_id} would create a circular region hierarchy.",
                code="identity.region.circular",
            )
        seen.add(current)
        parent = s.get(Region, current)
        current = parent.parent_region_id if parent else None
