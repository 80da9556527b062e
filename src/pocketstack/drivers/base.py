"""The driver interface. A driver names the capabilities it has; an action needing one it
lacks is refused with 501 before any state changes (seed 000)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class FixedAddress:
    address: str
    cidr: str  # the subnet's, for the prefix length
    gateway: str | None


@dataclass(frozen=True)
class FilterRule:
    """One security group rule as a driver applies it: remote groups are resolved to the
    addresses of their members' ports at the time of plugging."""

    direction: str  # ingress | egress
    ethertype: str  # IPv4 | IPv6
    protocol: str | None
    port_range_min: int | None
    port_range_max: int | None
    remote_prefixes: tuple[str, ...]  # empty: anywhere


@dataclass(frozen=True)
class VifSpec:
    """One port bound to the guest's host: all a driver needs to plug the guest in (see
    docs/port-binding.md). ``bridge`` and ``device`` are the names a Linux driver creates
    and joins; ``rules`` are empty when port security is off."""

    port_id: str
    mac: str
    mtu: int
    network_id: str
    network_type: str  # vxlan, vlan, flat, ...
    physical_network: str | None
    segmentation_id: int | None
    vif_type: str
    bridge: str
    device: str
    addresses: tuple[FixedAddress, ...]
    port_security: bool
    rules: tuple[FilterRule, ...]


@dataclass(frozen=True)
class GuestSpec:
    """What a driver is asked to run: identity, size, the disk it boots from and the ports to
    plug (filled in for spawn, rebuild and diagnostics; empty where a call does not need them)."""

    server_id: str
    name: str
    host: str
    vcpus: int
    memory_mb: int
    disk_gb: int
    image_id: str | None
    injected: dict[str, Any]
    vifs: tuple[VifSpec, ...] = ()


@dataclass(frozen=True)
class HostSpec:
    name: str
    host_ip: str
    vcpus: int
    memory_mb: int
    disk_gb: int


class DriverError(Exception):
    """The driver could not do what it was asked; the message is safe to show as a fault."""


class Driver(Protocol):
    name: str
    capabilities: frozenset[str]
    # Whether spawn and rebuild need ``GuestSpec.vifs`` (the ports to plug, with their filter
    # rules); a driver that plugs nothing spares the lookups (remote groups resolve to every
    # member's addresses). Other calls that show ports (diagnostics, interfaces) always get them.
    plugs_vifs: bool

    def hosts(self) -> list[HostSpec]: ...
    def spawn(self, guest: GuestSpec) -> None: ...
    def destroy(self, guest: GuestSpec) -> None: ...
    def reboot(self, guest: GuestSpec, hard: bool) -> None: ...
    def power_off(self, guest: GuestSpec) -> None: ...
    def power_on(self, guest: GuestSpec) -> None: ...
    def pause(self, guest: GuestSpec) -> None: ...
    def unpause(self, guest: GuestSpec) -> None: ...
    def suspend(self, guest: GuestSpec) -> None: ...
    def resume(self, guest: GuestSpec) -> None: ...
    def rescue(self, guest: GuestSpec) -> None: ...
    def unrescue(self, guest: GuestSpec) -> None: ...
    def snapshot(self, guest: GuestSpec) -> None: ...
    def set_admin_password(self, guest: GuestSpec, password: str) -> None: ...
    def trigger_crash_dump(self, guest: GuestSpec) -> None: ...
    def live_migrate(self, guest: GuestSpec, dest: str) -> None: ...
    def console_output(self, guest: GuestSpec, length: int | None) -> str: ...
    def diagnostics(self, guest: GuestSpec) -> dict[str, Any]: ...
    def plug_vif(self, guest: GuestSpec, vif: VifSpec) -> None: ...
    def unplug_vif(self, guest: GuestSpec, vif: VifSpec) -> None: ...
