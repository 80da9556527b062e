"""What changes with the microversion, declared as data instead of checks spread over handlers.

Two shapes:

- ``Ranged``: one value per microversion range (a schema, an answer, a view), rows of
  (since, until, value). Every ``Ranged`` covers 2.0 up to ``MAX_VERSION`` with no gap and no
  overlap; tests/unit/test_version_ranges.py checks each one ever made (``Ranged.ALL``).
- ``GATES``: named behaviours that exist in one range (``"flavor.description": since 2.55``),
  asked with ``gated(req, name)``; the same test checks each lies within the versions served.

A handler asks ``table.at(version(req))`` or ``gated(req, name)`` and never compares versions
itself, so each microversion's effects can be read in one place per resource.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar, Generic, NamedTuple, TypeVar

from pocketstack.api.compute_v21.microversions import LEGACY_VERSION, MAX_VERSION, Version
from pocketstack.api.compute_v21.request import version

if TYPE_CHECKING:
    from pocketstack.api.common.routing import ApiRequest

T = TypeVar("T")


def v(text: str) -> Version:
    """``"2.55"`` -> Version(2, 55); for writing the tables."""
    major, minor = text.split(".")
    return Version(int(major), int(minor))


def next_version(version: Version) -> Version:
    return Version(version.major, version.minor + 1)


class Row(NamedTuple, Generic[T]):
    since: Version
    until: Version | None  # None: up to the newest
    value: T


class Ranged(Generic[T]):
    """A value per microversion range; ``at`` finds the row a version falls in."""

    ALL: ClassVar[list[Ranged[object]]] = []

    def __init__(self, name: str, *rows: tuple[str, str | None, T]) -> None:
        self.name = name
        self.rows = tuple(Row(v(since), v(until) if until else None, value) for since, until, value in rows)
        Ranged.ALL.append(self)  # type: ignore[arg-type]

    def at(self, version: Version) -> T:
        for row in self.rows:
            if row.since <= version and (row.until is None or version <= row.until):
                return row.value
        raise LookupError(f"{self.name} has no row for microversion {version}")

    def __iter__(self) -> Iterator[Row[T]]:
        return iter(self.rows)

    def gaps(self) -> list[str]:
        """What is wrong with the rows: a gap, an overlap, a start after 2.0, an end before the
        newest version (empty when they cover every version once)."""
        problems = []
        expected = LEGACY_VERSION
        for row in sorted(self.rows, key=lambda r: r.since):
            if row.since != expected:
                problems.append(f"{self.name}: expected a row from {expected}, found one from {row.since}")
            if row.until is None:
                expected = next_version(MAX_VERSION)
                continue
            if row.until < row.since:
                problems.append(f"{self.name}: the row from {row.since} ends before it starts ({row.until})")
            expected = next_version(row.until)
        if expected <= MAX_VERSION:
            problems.append(f"{self.name}: no row from {expected} on")
        return problems


class Gate(NamedTuple):
    since: Version
    until: Version | None = None

    def allows(self, version: Version) -> bool:
        return self.since <= version and (self.until is None or version <= self.until)


def since(text: str) -> Gate:
    return Gate(v(text))


def until(text: str) -> Gate:
    """Up to and including ``text`` (from the legacy 2.0 mode on)."""
    return Gate(LEGACY_VERSION, v(text))


# The behaviours of the action pipeline (server actions, instance actions) that one
# microversion turns on or off. Other resources' gates join this table as they move here.
GATES: dict[str, Gate] = {
    "action.evacuate.leaves_stopped": since("2.95"),
    "action.unshelve.null_zone_unpins": since("2.91"),
    "instance_actions.deleted_servers": since("2.21"),
    "instance_actions.updated_at": since("2.58"),
    "instance_actions.paging": since("2.58"),
    "instance_actions.event_host": since("2.62"),
    "instance_actions.event_details": since("2.84"),
    "instance_actions.events_for_all": since("2.51"),
    # query strings (every resource)
    "query.strict": since("2.75"),
    "query.strict_everywhere": since("2.102"),
    "query.changes_before": since("2.66"),
    # aggregates
    "aggregate.uuid": since("2.41"),
    "aggregate.cache_images": since("2.81"),
    # flavors, their access lists and extra specs
    "flavor.description": since("2.55"),
    "flavor.update": since("2.55"),
    "flavor.extra_specs": since("2.61"),
    "flavor.swap_as_int": since("2.75"),
    "flavor.rxtx_factor": until("2.101"),
    "flavor.disabled": until("2.101"),
    "flavor.list.name_filter": since("2.102"),
    "flavor_access.refuse_public": since("2.7"),
    "flavor_extra_specs.checked_values": since("2.86"),
    # os-hosts
    "host.api": until("2.42"),
    # os-hypervisors
    "hypervisor.cpu_info_object": since("2.28"),
    "hypervisor.paging": since("2.33"),
    "hypervisor.uuid_ids": since("2.53"),
    "hypervisor.strict_query": since("2.53"),
    "hypervisor.with_servers_query": since("2.53"),
    "hypervisor.hostname_pattern_query": since("2.53"),
    "hypervisor.search_routes": until("2.52"),
    "hypervisor.empty_servers_shown": since("2.75"),
    "hypervisor.uptime_in_detail": since("2.88"),
    "hypervisor.uptime_and_statistics_routes": until("2.87"),
    # image proxy (/images)
    "image_proxy.images": until("2.35"),
    "image_proxy.metadata": until("2.38"),
    # os-interface
    "interface.tag_shown": since("2.70"),
    # keypairs
    "keypair.type": since("2.2"),
    "keypair.other_users": since("2.10"),
    "keypair.paging": since("2.35"),
    # limits
    "limits.max_image_meta": until("2.38"),
    # os-migrations and a server's migrations
    "migration.type": since("2.23"),
    "migration.paging": since("2.59"),
    "migration.strict_query": since("2.59"),
    "migration.uuid": since("2.59"),
    "migration.owner_ids": since("2.80"),
    "server_migration.force_complete": since("2.22"),
    "server_migration.list": since("2.23"),
    "server_migration.abort": since("2.24"),
    "server_migration.abort_queued": since("2.65"),
    # network proxies (os-networks, os-floating-ips, ...) and the floating IP server actions
    "network_proxy.api": until("2.35"),
    "server.floating_ip_actions": until("2.43"),
    # quota classes
    "quota_class.server_groups": since("2.50"),
    # server groups
    "server_group.owner_ids": since("2.13"),
    "server_group.policy": since("2.64"),
    # os-services
    "service.forced_down": since("2.11"),
    "service.uuid_ids": since("2.53"),
    # servers: create, list, show and the sub-resources
    "server.extended_attributes": since("2.3"),
    "server.locked": since("2.9"),
    "server.host_status": since("2.16"),
    "server.description": since("2.19"),
    "server.tags": since("2.26"),
    "server.create.networks_required": since("2.37"),
    "server.list.unknown_status_refused": since("2.38"),
    "server.device_tags_again": since("2.42"),
    "server.flavor_embedded": since("2.47"),
    "server.diagnostics_standard": since("2.48"),
    "server.rebuild.key_name": since("2.54"),
    "server.rebuild.user_data": since("2.57"),
    "server.trusted_image_certificates": since("2.63"),
    "server.server_groups": since("2.71"),
    "server.locked_reason": since("2.73"),
    "server.full_change_answer": since("2.75"),
    "server.topology": since("2.78"),
    "server.hostname_for_all": since("2.90"),
    "server.pinned_availability_zone": since("2.96"),
    "server.shares": since("2.97"),
    "server.image_properties": since("2.98"),
    "server.scheduler_hints": since("2.100"),
    # usage (os-simple-tenant-usage)
    "usage.paging": since("2.40"),
}


def gated(req: ApiRequest, name: str) -> bool:
    """Whether the behaviour ``name`` (a key of GATES) is on at the request's microversion."""
    return GATES[name].allows(version(req))


def gated_at(at: Version, name: str) -> bool:
    """``gated`` for a microversion already read off the request (a view rendering many items)."""
    return GATES[name].allows(at)


def allows(req: ApiRequest, gate: Gate) -> bool:
    """Whether ``gate`` (a value of a per-field or per-name table of Gates) is open at the
    request's microversion."""
    return gate.allows(version(req))
