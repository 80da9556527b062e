"""Availability zones: Compute v2.1's view of the top-level placements.

A zone is a root placement (one with no parent) that holds hosts, directly or through its
descendants. A host reached from several roots is in the first of them by name; a host in no
placement is in the default zone, ``nova``. Control services (scheduler, conductor) are in the
``internal`` zone, which os-availability-zone shows only in its detail.

Aggregates with an ``availability_zone`` move their hosts between roots with ``join_zone`` and
``leave_zone``; a root these functions create is marked (``AUTO_DESCRIPTION``) and removed again
once it holds no host and no child, so an operator's own placements are never deleted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest
from pocketstack.core.identity.common import utcnow
from pocketstack.core.placement import dag
from pocketstack.store.compute_models import ControlService, Host, Placement, PlacementHost, PlacementParent
from pocketstack.store.db import Database

DEFAULT_ZONE = dag.DEFAULT_ZONE
INTERNAL_ZONE = "internal"
AUTO_DESCRIPTION = "Availability zone of host aggregates (removed when it holds no host)."


def _is_root():  # noqa: ANN202 - a SQL expression
    return ~exists().where(PlacementParent.child_id == Placement.id)


def zones_of(s: Session) -> dict[str, str]:
    """Host id -> zone name for every host in some placement; others are in DEFAULT_ZONE."""
    return dag.zones_of_hosts(s)


def zone_of(s: Session, host_id: str) -> str:
    return dag.zones_of_hosts(s).get(host_id, DEFAULT_ZONE)


def zone_root(s: Session, name: str, *, create: bool = False) -> Placement | None:
    """The root placement named ``name`` (made, marked as ours, when absent and ``create``).

    Raises BadRequest when a placement of that name exists but has a parent: it cannot be a zone.
    """
    placement = s.scalar(select(Placement).where(Placement.name == name))
    if placement is not None:
        if s.scalar(select(PlacementParent.parent_id).where(PlacementParent.child_id == placement.id)):
            raise BadRequest(
                f"The placement '{name}' is inside another placement, so it cannot be an availability "
                "zone: an availability zone is a top-level placement."
            )
        return placement
    if not create:
        return None
    placement = Placement(id=str(uuid.uuid4()), name=name, description=AUTO_DESCRIPTION, created_at=utcnow())
    s.add(placement)
    s.flush()
    return placement


def join_zone(s: Session, host_id: str, name: str) -> None:
    """Make ``name`` the host's zone: it becomes a direct member of that root and stops being a
    direct member of any other root (memberships below other roots are left alone)."""
    root = zone_root(s, name, create=True)
    assert root is not None
    others = list(
        s.scalars(
            select(Placement)
            .join(PlacementHost, PlacementHost.placement_id == Placement.id)
            .where(PlacementHost.host_id == host_id, Placement.id != root.id, _is_root())
        )
    )
    for other in others:
        s.execute(
            delete(PlacementHost).where(
                PlacementHost.host_id == host_id, PlacementHost.placement_id == other.id
            )
        )
    if s.get(PlacementHost, (root.id, host_id)) is None:
        s.add(PlacementHost(placement_id=root.id, host_id=host_id))
    s.flush()
    for other in others:
        prune(s, other)


def leave_zone(s: Session, host_id: str, name: str) -> None:
    """Undo ``join_zone``: the host leaves the root ``name``; a host left in no placement at all
    goes back to the default zone's root when that placement exists (so leaving ``nova`` itself
    keeps it there: the default zone is where a host without a zone is)."""
    root = s.scalar(select(Placement).where(Placement.name == name))
    if root is None:
        return
    s.execute(
        delete(PlacementHost).where(PlacementHost.host_id == host_id, PlacementHost.placement_id == root.id)
    )
    s.flush()
    if s.scalar(select(PlacementHost.placement_id).where(PlacementHost.host_id == host_id).limit(1)) is None:
        default = s.scalar(select(Placement).where(Placement.name == DEFAULT_ZONE, _is_root()))
        if default is not None:
            s.add(PlacementHost(placement_id=default.id, host_id=host_id))
            s.flush()
    prune(s, root)


def prune(s: Session, placement: Placement) -> None:
    """Remove a zone placement that ``join_zone`` created once nothing is in it any more."""
    if placement.description != AUTO_DESCRIPTION:
        return
    holds_host = s.scalar(
        select(PlacementHost.host_id).where(PlacementHost.placement_id == placement.id).limit(1)
    )
    has_child = s.scalar(
        select(PlacementParent.child_id).where(PlacementParent.parent_id == placement.id).limit(1)
    )
    if holds_host is None and has_child is None:
        s.delete(placement)
        s.flush()


@dataclass(frozen=True)
class ZoneMember:
    """One service in a zone: its binary, whether it is up (not forced down) and enabled."""

    binary: str
    up: bool
    enabled: bool
    updated_at: datetime | None


@dataclass
class Zone:
    """A zone and, per host, its services. ``available`` is False when every service is disabled."""

    name: str
    hosts: dict[str, list[ZoneMember]] = field(default_factory=dict)

    @property
    def available(self) -> bool:
        return any(svc.enabled for services in self.hosts.values() for svc in services)


class ZoneService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def zones(self) -> list[Zone]:
        """Every zone that holds a service, by name, the internal zone included."""
        with self.db.read() as s:
            zone_by_host = zones_of(s)
            found: dict[str, Zone] = {}
            for host in s.scalars(select(Host).order_by(Host.name)):
                name = zone_by_host.get(host.id, DEFAULT_ZONE)
                zone = found.setdefault(name, Zone(name))
                zone.hosts.setdefault(host.name, []).append(
                    ZoneMember("nova-compute", not host.forced_down, host.enabled, host.updated_at)
                )
            for svc in s.scalars(select(ControlService).order_by(ControlService.host, ControlService.binary)):
                zone = found.setdefault(INTERNAL_ZONE, Zone(INTERNAL_ZONE))
                zone.hosts.setdefault(svc.host, []).append(ZoneMember(svc.binary, True, True, svc.created_at))
        return [found[name] for name in sorted(found)]

    def available_zones(self) -> set[str]:
        """Names of the zones a server may ask for: those with an enabled compute service."""
        return {z.name for z in self.zones() if z.name != INTERNAL_ZONE and z.available}

    def zone_of_host(self, host_name: str) -> str:
        """The zone of the host named ``host_name`` (DEFAULT_ZONE for an unknown host)."""
        with self.db.read() as s:
            host_id = s.scalar(select(Host.id).where(Host.name == host_name))
            return DEFAULT_ZONE if host_id is None else zone_of(s, host_id)
