"""The persisted network model (storage format revision 0004; see docs/storage-format.md):
address scopes, subnet pools, networks, subnets, ports, the IP addresses ports hold, tags of
every network resource, and network quotas.

Ids are uuid4 strings with dashes (36 characters), as Neutron writes them. IP addresses and
CIDRs are stored in their canonical text form (``ipaddress``'s ``str``), so equal addresses are
equal strings: the primary key of ``ip_allocations`` is what makes an address impossible to
hand out twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pocketstack.store.models import Base


class StandardAttributes:
    """Columns every network resource carries (Neutron's standard attributes; tags live in
    ``network_resource_tags``)."""

    description: Mapped[str] = mapped_column(String(255), default="")
    revision_number: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class AddressScope(StandardAttributes, Base):
    __tablename__ = "address_scopes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    ip_version: Mapped[int] = mapped_column(Integer)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)


class SubnetPool(StandardAttributes, Base):
    """``prefixes`` is the list of CIDRs subnets are carved from, merged and sorted."""

    __tablename__ = "subnetpools"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    ip_version: Mapped[int] = mapped_column(Integer)
    prefixes: Mapped[list[str]] = mapped_column(JSON, default=list)
    default_prefixlen: Mapped[int] = mapped_column(Integer)
    min_prefixlen: Mapped[int] = mapped_column(Integer)
    max_prefixlen: Mapped[int] = mapped_column(Integer)
    default_quota: Mapped[int | None] = mapped_column(Integer)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    address_scope_id: Mapped[str | None] = mapped_column(ForeignKey("address_scopes.id"), index=True)


class Network(StandardAttributes, Base):
    """``segment_key`` names the network's segment (``vxlan:1001``, ``vlan:physnet1:100``,
    ``flat:public``); its unique index is what keeps two networks off one segment."""

    __tablename__ = "networks"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255), default="", index=True)
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    external: Mapped[bool] = mapped_column(Boolean, default=False)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    mtu: Mapped[int] = mapped_column(Integer)
    port_security_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    network_type: Mapped[str] = mapped_column(String(32))
    physical_network: Mapped[str | None] = mapped_column(String(64))
    segmentation_id: Mapped[int | None] = mapped_column(Integer)
    segment_key: Mapped[str] = mapped_column(String(128), unique=True)
    availability_zone_hints: Mapped[list[str]] = mapped_column(JSON, default=list)
    dns_domain: Mapped[str] = mapped_column(String(255), default="")

    # Not a column: set per request (core.network.access.note_grants) when an RBAC policy shares
    # the network with the caller's own project, for which Neutron shows it as shared.
    shared_here = False


class Subnet(StandardAttributes, Base):
    """``allocation_pools`` is a list of ``{"start", "end"}``, ``host_routes`` of
    ``{"destination", "nexthop"}``; ``gateway_ip`` NULL means no gateway."""

    __tablename__ = "subnets"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    ip_version: Mapped[int] = mapped_column(Integer)
    cidr: Mapped[str] = mapped_column(String(64))
    gateway_ip: Mapped[str | None] = mapped_column(String(64))
    allocation_pools: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    dns_nameservers: Mapped[list[str]] = mapped_column(JSON, default=list)
    host_routes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    enable_dhcp: Mapped[bool] = mapped_column(Boolean, default=True)
    ipv6_ra_mode: Mapped[str | None] = mapped_column(String(16))
    ipv6_address_mode: Mapped[str | None] = mapped_column(String(16))
    subnetpool_id: Mapped[str | None] = mapped_column(ForeignKey("subnetpools.id"), index=True)
    service_types: Mapped[list[str]] = mapped_column(JSON, default=list)


class Port(StandardAttributes, Base):
    """A port. Its addresses are rows of ``ip_allocations``; ``allowed_address_pairs`` is a list
    of ``{"ip_address", "mac_address"}``, ``extra_dhcp_opts`` of ``{"opt_name", "opt_value",
    "ip_version"}``."""

    __tablename__ = "ports"
    __table_args__ = (UniqueConstraint("network_id", "mac_address"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="DOWN")
    mac_address: Mapped[str] = mapped_column(String(17))
    device_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    device_owner: Mapped[str] = mapped_column(String(255), default="", index=True)
    port_security_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    binding_host_id: Mapped[str] = mapped_column(String(255), default="")
    binding_vnic_type: Mapped[str] = mapped_column(String(64), default="normal")
    binding_vif_type: Mapped[str] = mapped_column(String(64), default="unbound")
    binding_vif_details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    binding_profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    allowed_address_pairs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    extra_dhcp_opts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    dns_name: Mapped[str] = mapped_column(String(255), default="")


class IpAllocation(Base):
    """One address held by one port. The primary key (subnet, address) guarantees that no
    address is ever held twice, whatever the concurrency."""

    __tablename__ = "ip_allocations"
    subnet_id: Mapped[str] = mapped_column(ForeignKey("subnets.id"), primary_key=True)
    ip_address: Mapped[str] = mapped_column(String(64), primary_key=True)
    port_id: Mapped[str] = mapped_column(ForeignKey("ports.id", ondelete="CASCADE"), index=True)
    network_id: Mapped[str] = mapped_column(String(36), index=True)


class PortSecurityGroup(Base):
    """The security groups a port is in. The foreign key to the group (revision 0005) has no
    cascade: a group a port uses cannot be deleted, even by a delete racing the port's create."""

    __tablename__ = "port_security_groups"
    port_id: Mapped[str] = mapped_column(ForeignKey("ports.id", ondelete="CASCADE"), primary_key=True)
    security_group_id: Mapped[str] = mapped_column(
        ForeignKey("security_groups.id"), primary_key=True, index=True
    )


class NetworkResourceTag(Base):
    """A tag on any network resource; ``resource_type`` is the collection (``networks``,
    ``subnets``, ``ports``, ``subnetpools``, ``address_scopes``). Rows go with their resource."""

    __tablename__ = "network_resource_tags"
    resource_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tag: Mapped[str] = mapped_column(String(255), primary_key=True, index=True)
    resource_type: Mapped[str] = mapped_column(String(32))


class NetworkQuotaLimit(Base):
    """A project's own limit of one network resource; -1 is unlimited."""

    __tablename__ = "network_quota_limits"
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    hard_limit: Mapped[int] = mapped_column(Integer)


class NetworkQuotaLock(Base):
    """One row per project, locked (or, on SQLite, written) by every quota-checked create of a
    network resource, so two creates cannot both pass the same count."""

    __tablename__ = "network_quota_locks"
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    serial: Mapped[int] = mapped_column(Integer, default=0)
