"""Hosts an operator registers, changes and removes (the Operator API). A registered host is a
row like those ``inventory.sync_hosts`` makes from the settings, which never deletes or disables
a host it does not list, so it survives restarts. Every change bumps the scheduler's hosts
version (``hosts_changed``) in its own transaction, so every process's host cache sees it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest, Conflict, NotFound
from pocketstack.core.identity.common import utcnow
from pocketstack.core.placement.aggregates import forget_host
from pocketstack.core.placement.dag import DEFAULT_ZONE, root_id
from pocketstack.core.placement.inventory import CPU_RATIO, DISK_RATIO, RAM_RATIO
from pocketstack.core.placement.scheduler import hosts_changed
from pocketstack.core.placement.services import FINISHED_MIGRATION
from pocketstack.store.compute_models import Allocation, Host, Migration, Placement, PlacementHost, Server
from pocketstack.store.db import Database

RESOURCES = ("vcpus", "memory_mb", "disk_gb")
RATIO_COLUMNS = {
    "vcpus": "cpu_allocation_ratio",
    "memory_mb": "ram_allocation_ratio",
    "disk_gb": "disk_allocation_ratio",
}
RESERVED_COLUMNS = {r: f"reserved_{r}" for r in RESOURCES}
DEFAULT_RATIOS = {"vcpus": CPU_RATIO, "memory_mb": RAM_RATIO, "disk_gb": DISK_RATIO}
DEFAULT_RESERVED = {"vcpus": 0, "memory_mb": 512, "disk_gb": 0}


@dataclass
class HostChanges:
    """What a PATCH changes; None (or an empty mapping) leaves that part as it is. ``traits``
    is merged (a None value removes that trait)."""

    enabled: bool | None = None
    disabled_reason: str | None = None
    inventory: Mapping[str, int] | None = None
    ratios: Mapping[str, float] | None = None
    reserved: Mapping[str, int] | None = None
    traits: Mapping[str, str | None] | None = None
    reason_given: bool = False


def host_not_found(host_id: str) -> NotFound:
    return NotFound(
        "host", host_id, code="operator.host.not_found", message=f"Host {host_id} could not be found."
    )


def name_taken(name: str) -> Conflict:
    return Conflict(f"A host named {name} exists.", code="operator.host.name_exists")


def _capacity(host: Host, resource: str) -> float:
    total = getattr(host, resource) * getattr(host, RATIO_COLUMNS[resource])
    return total - getattr(host, RESERVED_COLUMNS[resource])


class HostRegistry:
    def __init__(self, db: Database) -> None:
        self.db = db

    def register(
        self,
        name: str,
        driver: str,
        inventory: Mapping[str, int],
        *,
        host_ip: str,
        placement_id: str | None = None,
        ratios: Mapping[str, float] | None = None,
        reserved: Mapping[str, int] | None = None,
        traits: Mapping[str, str] | None = None,
    ) -> str:
        """A new enabled host in ``placement_id`` (default: the default zone's root, made when
        absent as ``sync_hosts`` does); its id. Conflict for a name taken, BadRequest for an
        unknown placement."""
        now = utcnow()
        new_id = str(uuid.uuid4())
        try:
            with self.db.transaction() as s:
                if s.scalar(select(Host.id).where(Host.name == name)) is not None:
                    raise name_taken(name)
                pid = self._placement(s, placement_id)
                values: dict[str, Any] = {r: inventory[r] for r in RESOURCES}
                values |= {RATIO_COLUMNS[r]: v for r, v in {**DEFAULT_RATIOS, **(ratios or {})}.items()}
                values |= {
                    RESERVED_COLUMNS[r]: v for r, v in {**DEFAULT_RESERVED, **(reserved or {})}.items()
                }
                s.add(
                    Host(
                        id=new_id,
                        name=name,
                        driver=driver,
                        host_ip=host_ip,
                        generation=0,
                        service_id=str(uuid.uuid4()),
                        enabled=True,
                        forced_down=False,
                        traits={"hypervisor_type": driver, "architecture": "x86_64", **(traits or {})},
                        created_at=now,
                        updated_at=now,
                        **values,
                    )
                )
                s.flush()
                s.add(PlacementHost(placement_id=pid, host_id=new_id))
                hosts_changed(s)
        except IntegrityError:
            raise name_taken(name) from None
        return new_id

    @staticmethod
    def _placement(s: Session, placement_id: str | None) -> str:
        if placement_id is not None:
            if s.get(Placement, placement_id) is None:
                raise BadRequest(f"There is no placement {placement_id}.")
            return placement_id
        found = root_id(s, DEFAULT_ZONE) or s.scalar(
            select(Placement.id).where(Placement.name == DEFAULT_ZONE)
        )
        if found is not None:
            return found
        zone = Placement(id=str(uuid.uuid4()), name=DEFAULT_ZONE, description="", created_at=utcnow())
        s.add(zone)
        s.flush()
        return zone.id

    def update(self, host_id: str, changes: HostChanges) -> None:
        """Apply ``changes`` at once or not at all. Conflict when a new inventory, ratio or
        reserved amount leaves less than the host's allocations use of a resource it lowers."""
        with self.db.transaction() as s:
            host = s.get(Host, host_id)
            if host is None:
                raise host_not_found(host_id)
            before = {r: _capacity(host, r) for r in RESOURCES}
            for resource, value in (changes.inventory or {}).items():
                setattr(host, resource, value)
            for resource, value in (changes.ratios or {}).items():
                setattr(host, RATIO_COLUMNS[resource], value)
            for resource, value in (changes.reserved or {}).items():
                setattr(host, RESERVED_COLUMNS[resource], value)
            lowered = [r for r in RESOURCES if _capacity(host, r) < before[r]]
            if lowered:
                used = s.execute(
                    select(*(func.coalesce(func.sum(getattr(Allocation, r)), 0) for r in RESOURCES)).where(
                        Allocation.host_id == host_id
                    )
                ).one()
                allocated = dict(zip(RESOURCES, used, strict=True))
                short = [r for r in lowered if _capacity(host, r) < allocated[r]]
                if short:
                    raise Conflict(
                        f"Host {host.name} has {', '.join(f'{allocated[r]} {r}' for r in short)} allocated: "
                        "its capacity cannot go below that.",
                        code="operator.host.inventory_in_use",
                    )
            if changes.traits:
                traits = dict(host.traits or {})
                for key, value in changes.traits.items():
                    if value is None:
                        traits.pop(key, None)
                    else:
                        traits[key] = value
                host.traits = traits
            if changes.enabled is not None:
                host.enabled = changes.enabled
            if host.enabled:
                host.disabled_reason = None
            elif changes.reason_given or changes.enabled is False:
                host.disabled_reason = changes.disabled_reason
            host.updated_at = utcnow()
            s.flush()
            hosts_changed(s)

    def delete(self, host_id: str) -> None:
        """Remove a host with no server, allocation or unfinished migration; Conflict otherwise.
        A host the settings name comes back at the next start."""
        with self.db.transaction() as s:
            host = s.get(Host, host_id)
            if host is None:
                raise host_not_found(host_id)
            on_host = select(Server.id).where(Server.host == host.name, Server.deleted == false())
            allocated = select(Allocation.consumer_id).where(Allocation.host_id == host_id)
            moving = select(Migration.id).where(
                or_(Migration.source_host == host.name, Migration.dest_host == host.name),
                Migration.status.not_in(FINISHED_MIGRATION),
            )
            for query, what in ((on_host, "servers"), (allocated, "allocations"), (moving, "migrations")):
                if s.scalar(query.limit(1)) is not None:
                    raise Conflict(
                        f"Host {host.name} still holds {what}: move or delete them first.",
                        code="operator.host.in_use",
                    )
            forget_host(s, host.name)
            s.execute(delete(PlacementHost).where(PlacementHost.host_id == host_id))
            hosts_changed(s)
            s.delete(host)
