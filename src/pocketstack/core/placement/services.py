"""The services os-services lists: the compute service of each host (``Host.service_id``) and
the control services (scheduler, conductor); enabling, disabling, forcing down and deleting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest, Conflict, NotFound
from pocketstack.core.identity.common import utcnow
from pocketstack.core.placement import zones
from pocketstack.core.placement.aggregates import forget_host
from pocketstack.core.placement.hosts import short_prefix
from pocketstack.core.placement.scheduler import hosts_changed
from pocketstack.store.compute_models import ControlService, Host, Migration, Server
from pocketstack.store.db import Database

COMPUTE_BINARY = "nova-compute"
# Migration statuses after which a migration holds nothing on its hosts (as Nova counts them).
FINISHED_MIGRATION = ("confirmed", "reverted", "error", "failed", "completed", "cancelled", "done")


@dataclass(frozen=True)
class ServiceRecord:
    """A service as os-services lists it. ``host_id`` is set for compute services only."""

    id: str
    binary: str
    host: str
    zone: str
    disabled: bool
    disabled_reason: str | None
    forced_down: bool
    updated_at: datetime | None
    host_id: str | None = None

    @property
    def up(self) -> bool:
        return not self.forced_down


class ServiceRegistry:
    def __init__(self, db: Database) -> None:
        self.db = db

    def services(self, *, binary: str | None = None, host: str | None = None) -> list[ServiceRecord]:
        """The control services, then one compute service per host (by host name)."""
        found: list[ServiceRecord] = []
        with self.db.read() as s:
            control = select(ControlService).order_by(ControlService.created_at, ControlService.host)
            hosts = select(Host).order_by(Host.name)
            if host:
                control, hosts = control.where(ControlService.host == host), hosts.where(Host.name == host)
            if binary:
                control = control.where(ControlService.binary == binary)
            for svc in s.scalars(control):
                found.append(self._control(svc))
            if not binary or binary == COMPUTE_BINARY:
                rows = list(s.scalars(hosts))
                zone_by_host = zones.zones_of(s)
                found += [self._compute(h, zone_by_host.get(h.id, zones.DEFAULT_ZONE)) for h in rows]
        return found

    @staticmethod
    def _control(svc: ControlService) -> ServiceRecord:
        return ServiceRecord(
            svc.id, svc.binary, svc.host, zones.INTERNAL_ZONE, False, None, False, svc.created_at
        )

    @staticmethod
    def _compute(host: Host, zone: str) -> ServiceRecord:
        return ServiceRecord(
            host.service_id,
            COMPUTE_BINARY,
            host.name,
            zone,
            not host.enabled,
            host.disabled_reason,
            host.forced_down,
            host.updated_at,
            host.id,
        )

    def get_service(self, ident: str | int) -> ServiceRecord:
        """A service by id (or ``short_id``); NotFound otherwise."""
        with self.db.read() as s:
            if isinstance(ident, str):
                host = s.scalar(select(Host).where(Host.service_id == ident))
                control = None if host else s.get(ControlService, ident)
            else:
                prefix = short_prefix(ident) or "-"
                host = s.scalar(select(Host).where(Host.service_id.startswith(prefix)).limit(1))
                control = (
                    None
                    if host
                    else s.scalar(select(ControlService).where(ControlService.id.startswith(prefix)))
                )
            if host is not None:
                return self._compute(host, zones.zone_of(s, host.id))
            if control is not None:
                return self._control(control)
        raise NotFound("service", str(ident), message=f"Service {ident} could not be found.")

    def find_compute_service(self, host_name: str) -> ServiceRecord:
        """The compute service of the host named ``host_name``; NotFound otherwise."""
        with self.db.read() as s:
            host = s.scalar(select(Host).where(Host.name == host_name))
            if host is None:
                raise NotFound(
                    "service",
                    host_name,
                    message=f"Could not find binary {COMPUTE_BINARY} on host {host_name}.",
                )
            return self._compute(host, zones.zone_of(s, host.id))

    def set_service_status(
        self, service_id: str, disabled: bool | None, reason: str | None, forced_down: bool | None
    ) -> ServiceRecord:
        """Enable or disable a compute service (``reason`` is kept only while disabled) and/or
        force it down or up. None leaves that part as it is. NotFound for an unknown service;
        BadRequest for a control service, or for forcing up a host that still has evacuations
        marked ``done`` (its compute service has not restarted since)."""
        with self.db.transaction() as s:
            host = s.scalar(select(Host).where(Host.service_id == service_id))
            if host is None:
                control = s.get(ControlService, service_id)
                if control is None:
                    raise NotFound("service", service_id, message=f"Service {service_id} could not be found.")
                raise BadRequest(
                    f"Updating a {control.binary} service is not supported. "
                    f"Only {COMPUTE_BINARY} services can be updated."
                )
            if disabled is not None:
                host.enabled = not disabled
                host.disabled_reason = reason if disabled else None
            if forced_down is not None:
                if not forced_down:
                    self._check_no_done_evacuations(s, host.name)
                host.forced_down = forced_down
            host.updated_at = utcnow()
            s.flush()
            hosts_changed(s)
            return self._compute(host, zones.zone_of(s, host.id))

    @staticmethod
    def _check_no_done_evacuations(s: Session, host_name: str) -> None:
        done = s.scalar(
            select(Migration.id)
            .where(
                Migration.source_host == host_name,
                Migration.status == "done",
                Migration.migration_type == "evacuation",
            )
            .limit(1)
        )
        if done is not None:
            raise BadRequest(
                f"Unable to force up host {host_name} as `done` evacuation migration records remain "
                "associated with the host. Ensure the compute service has been restarted, allowing "
                "these records to move to `completed` before retrying this request."
            )

    def delete_service(self, service_id: str) -> None:
        """Delete a service. For a compute service this deletes its host too (inventory,
        placement memberships and aggregate memberships); Conflict while servers are on the host
        or a migration to or from it is under way. A host whose driver still runs comes back
        when pocketstack next starts, as a restarted nova-compute re-registers."""
        with self.db.transaction() as s:
            host = s.scalar(select(Host).where(Host.service_id == service_id))
            if host is None:
                control = s.get(ControlService, service_id)
                if control is None:
                    raise NotFound("service", service_id, message=f"Service {service_id} not found.")
                s.delete(control)
                return
            on_host = select(Server.id).where(Server.host == host.name, Server.deleted == false()).limit(1)
            if s.scalar(on_host) is not None:
                raise Conflict(
                    "Unable to delete compute service that is hosting instances. "
                    "Migrate or delete the instances first."
                )
            moving = select(Migration.id).where(
                or_(Migration.source_host == host.name, Migration.dest_host == host.name),
                Migration.status.not_in(FINISHED_MIGRATION),
            )
            if s.scalar(moving.limit(1)) is not None:
                raise Conflict(
                    "Unable to delete compute service that has in-progress migrations. "
                    "Complete the migrations or delete the instances first."
                )
            forget_host(s, host.name)
            hosts_changed(s)
            s.delete(host)  # the database cascades to its allocations and placement memberships
