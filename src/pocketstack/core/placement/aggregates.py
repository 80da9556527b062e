"""Host aggregates, after Nova's: named groups of hosts with metadata, of which the key
``availability_zone`` (kept in its own column) makes the group's hosts an availability zone.

Nova's rules hold: a host may not be in two aggregates with different zones, a zone may not be
emptied of its name, a host that has servers may not change zone by joining or leaving an
aggregate, and an aggregate must be empty before it is deleted. Zones are root placements, so
giving an aggregate's hosts a zone moves them into that root (see ``zones.join_zone``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import false, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest, Conflict, NotFound, PocketstackError
from pocketstack.core.identity.common import utcnow
from pocketstack.core.placement import zones
from pocketstack.store.compute_models import Aggregate, AggregateHost, Host, Server
from pocketstack.store.db import Database

ZONE_KEY = "availability_zone"


@dataclass(frozen=True)
class AggregateRecord:
    aggregate: Aggregate
    hosts: list[str]

    @property
    def metadata(self) -> dict[str, str]:
        """The metadata as Nova shows it: the zone is one of the keys."""
        meta = dict(self.aggregate.metadata_ or {})
        if self.aggregate.availability_zone:
            meta[ZONE_KEY] = self.aggregate.availability_zone
        return meta


def _hosts_of(s: Session, aggregate_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {i: [] for i in aggregate_ids}
    rows = s.execute(
        select(AggregateHost.aggregate_id, AggregateHost.host)
        .where(AggregateHost.aggregate_id.in_(aggregate_ids))
        .order_by(AggregateHost.host)
    )
    for aggregate_id, host in rows:
        found[aggregate_id].append(host)
    return found


def _record(s: Session, agg: Aggregate) -> AggregateRecord:
    return AggregateRecord(agg, _hosts_of(s, [agg.id])[agg.id])


def _host_ids(s: Session, names: list[str]) -> dict[str, str]:
    return {name: ident for name, ident in s.execute(select(Host.name, Host.id).where(Host.name.in_(names)))}


def _has_servers(s: Session, host_names: list[str]) -> bool:
    query = select(Server.id).where(Server.host.in_(host_names), Server.deleted == false()).limit(1)
    return bool(host_names) and s.scalar(query) is not None


def forget_host(s: Session, host_name: str) -> None:
    """Take a host that is going away out of every aggregate (and so out of their zones)."""
    memberships = s.execute(
        select(AggregateHost, Aggregate.availability_zone)
        .join(Aggregate, Aggregate.id == AggregateHost.aggregate_id)
        .where(AggregateHost.host == host_name)
    ).all()
    host_id = _host_ids(s, [host_name]).get(host_name)
    for membership, zone in memberships:
        s.delete(membership)
        if zone and host_id:
            zones.leave_zone(s, host_id, zone)
    s.flush()


class AggregateService:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- read ----------------------------------------------------------------------------------
    def list(self) -> list[AggregateRecord]:
        """Every aggregate, by id, with its hosts."""
        with self.db.read() as s:
            aggregates = list(s.scalars(select(Aggregate).order_by(Aggregate.id)))
            hosts = _hosts_of(s, [a.id for a in aggregates])
            return [AggregateRecord(a, hosts[a.id]) for a in aggregates]

    def get(self, aggregate_id: int) -> AggregateRecord:
        """NotFound for an unknown aggregate."""
        with self.db.read() as s:
            return _record(s, self._get(s, aggregate_id))

    @staticmethod
    def _get(s: Session, aggregate_id: int) -> Aggregate:
        agg = s.get(Aggregate, aggregate_id)
        if agg is None:
            raise NotFound(
                "aggregate", str(aggregate_id), message=f"Aggregate {aggregate_id} could not be found."
            )
        return agg

    # -- write ---------------------------------------------------------------------------------
    def create(self, name: str, zone: str | None) -> AggregateRecord:
        """A new aggregate, with no hosts. Conflict when the name is taken; BadRequest when
        ``zone`` names a placement that is not top-level."""
        with self.db.transaction() as s:
            self._check_name_free(s, name)
            if zone:
                zones.zone_root(s, zone)
            now = utcnow()
            agg = Aggregate(
                uuid=str(uuid.uuid4()),
                name=name,
                availability_zone=zone or None,
                metadata_={},
                created_at=now,
                updated_at=None,
            )
            s.add(agg)
            self._flush_name(s, name)
            return AggregateRecord(agg, [])

    def update(self, aggregate_id: int, changes: Mapping[str, str | None]) -> AggregateRecord:
        """Rename and/or re-zone (``name``, ``availability_zone`` keys). Conflict for a taken
        name; BadRequest for a zone change Nova refuses."""
        with self.db.transaction() as s:
            agg = self._get(s, aggregate_id)
            if "name" in changes and changes["name"] != agg.name:
                self._check_name_free(s, str(changes["name"]))
                agg.name = str(changes["name"])
                self._flush_name(s, agg.name)
            if ZONE_KEY in changes:
                self._set_zone(s, agg, changes[ZONE_KEY], "Cannot update aggregate")
            agg.updated_at = utcnow()
            return _record(s, agg)

    def set_metadata(self, aggregate_id: int, metadata: Mapping[str, str | None]) -> AggregateRecord:
        """Merge ``metadata`` into the aggregate's: a None value removes that key. The key
        ``availability_zone`` changes the zone, with ``update``'s checks."""
        with self.db.transaction() as s:
            agg = self._get(s, aggregate_id)
            if ZONE_KEY in metadata:
                self._set_zone(s, agg, metadata[ZONE_KEY], "Cannot update metadata of aggregate")
            merged = dict(agg.metadata_ or {})
            for key, value in metadata.items():
                if key == ZONE_KEY:
                    continue
                if value is None:
                    merged.pop(key, None)
                else:
                    merged[key] = value
            agg.metadata_ = merged
            agg.updated_at = utcnow()
            return _record(s, agg)

    def delete(self, aggregate_id: int) -> None:
        """BadRequest while the aggregate still has hosts, as in Nova."""
        with self.db.transaction() as s:
            agg = self._get(s, aggregate_id)
            if _hosts_of(s, [agg.id])[agg.id]:
                raise BadRequest(
                    f"Cannot remove host from aggregate {aggregate_id}. Reason: Host aggregate is not empty."
                )
            s.delete(agg)

    def add_host(self, aggregate_id: int, host_name: str) -> AggregateRecord:
        """NotFound for an unknown host or aggregate; Conflict when the host is already in it,
        is in another zone, or has servers that would change zone."""
        with self.db.transaction() as s:
            host_id = _host_ids(s, [host_name]).get(host_name)
            if host_id is None:
                raise NotFound("host", host_name, message=f"Compute host {host_name} could not be found.")
            agg = self._get(s, aggregate_id)
            reason = f"Cannot add host to aggregate {aggregate_id}. Reason:"
            if agg.availability_zone:
                self._check_zones(s, agg, agg.availability_zone, [host_name], Conflict, reason)
                old = self._zone_from_aggregates(s, host_name)
                if old != agg.availability_zone and _has_servers(s, [host_name]):
                    raise Conflict(
                        f"{reason} The host cannot be added to the aggregate as the availability zone "
                        f"of the host would change from '{old}' to '{agg.availability_zone}' but the "
                        "host already has instance(s). Move the instances away from this host then try again."
                    )
            if s.get(AggregateHost, (agg.id, host_name)) is not None:
                raise Conflict(f"Aggregate {aggregate_id} already has host {host_name}.")
            s.add(AggregateHost(aggregate_id=agg.id, host=host_name))
            if agg.availability_zone:
                zones.join_zone(s, host_id, agg.availability_zone)
            s.flush()
            return _record(s, agg)

    def remove_host(self, aggregate_id: int, host_name: str) -> AggregateRecord:
        """NotFound for an unknown host or aggregate or a host not in it; Conflict when the
        host has servers that would change zone."""
        with self.db.transaction() as s:
            host_id = _host_ids(s, [host_name]).get(host_name)
            agg = s.get(Aggregate, aggregate_id)
            if host_id is None or agg is None or s.get(AggregateHost, (aggregate_id, host_name)) is None:
                raise NotFound(
                    "host", host_name, message=f"Cannot remove host {host_name} in aggregate {aggregate_id}"
                )
            if agg.availability_zone:
                after = self._zone_from_aggregates(s, host_name, leaving=agg.id)
                if after != agg.availability_zone and _has_servers(s, [host_name]):
                    raise Conflict(
                        f"Cannot remove host from aggregate {aggregate_id}. Reason: The host cannot be "
                        "removed from the aggregate as the availability zone of the host would change "
                        f"from '{agg.availability_zone}' to '{after}' but the host already has instance(s). "
                        "Move the instances away from this host then try again."
                    )
            s.delete(s.get(AggregateHost, (aggregate_id, host_name)))
            s.flush()
            if agg.availability_zone and self._zone_from_aggregates(s, host_name) is None:
                zones.leave_zone(s, host_id, agg.availability_zone)
            return _record(s, agg)

    # -- helpers -------------------------------------------------------------------------------
    @staticmethod
    def _check_name_free(s: Session, name: str) -> None:
        if s.scalar(select(Aggregate.id).where(Aggregate.name == name)) is not None:
            raise Conflict(f"Aggregate {name} already exists.")

    @staticmethod
    def _flush_name(s: Session, name: str) -> None:
        """Flush, turning a lost race for the unique name into the same Conflict."""
        try:
            s.flush()
        except IntegrityError:
            raise Conflict(f"Aggregate {name} already exists.") from None

    @staticmethod
    def _zone_from_aggregates(s: Session, host_name: str, leaving: int | None = None) -> str | None:
        """The zone the host's aggregates give it (ignoring aggregate ``leaving``), or None."""
        query = (
            select(Aggregate.availability_zone)
            .join(AggregateHost, AggregateHost.aggregate_id == Aggregate.id)
            .where(AggregateHost.host == host_name, Aggregate.availability_zone.is_not(None))
        )
        if leaving is not None:
            query = query.where(Aggregate.id != leaving)
        return s.scalars(query.limit(1)).first()

    @staticmethod
    def _check_zones(
        s: Session,
        agg: Aggregate,
        zone: str,
        hosts: list[str],
        error: type[PocketstackError],
        reason: str,
    ) -> None:
        """Nova's rule: no host of ``hosts`` may be in an aggregate with a different zone."""
        if not hosts:
            return
        clashing = s.scalars(
            select(Aggregate.availability_zone)
            .join(AggregateHost, AggregateHost.aggregate_id == Aggregate.id)
            .where(
                AggregateHost.host.in_(hosts),
                Aggregate.id != agg.id,
                Aggregate.availability_zone.is_not(None),
                Aggregate.availability_zone != zone,
            )
        ).all()
        if clashing:
            raise error(
                f"{reason} One or more hosts already in availability zone(s) {sorted(set(clashing))}."
            )

    def _set_zone(self, s: Session, agg: Aggregate, zone: str | None, action: str) -> None:
        """Give the aggregate (and its hosts) the zone ``zone``; BadRequest as Nova answers."""
        reason = f"{action} {agg.id}. Reason:"
        if not zone:
            raise BadRequest(f"{reason} Aggregate {agg.name} does not support empty named availability zone.")
        if zone == agg.availability_zone:
            return
        zones.zone_root(s, zone)
        hosts = _hosts_of(s, [agg.id])[agg.id]
        self._check_zones(s, agg, zone, hosts, BadRequest, reason)
        if _has_servers(s, hosts):
            raise BadRequest(f"{reason} One or more hosts contain instances in this zone.")
        old, agg.availability_zone = agg.availability_zone, zone
        s.flush()
        for host_id in _host_ids(s, hosts).values():
            if old:
                zones.leave_zone(s, host_id, old)
            zones.join_zone(s, host_id, zone)
