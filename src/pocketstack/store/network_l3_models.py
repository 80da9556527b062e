"""The persisted L3 model (storage format revision 0005; see docs/storage-format.md): routers,
the ports they are attached by, floating IPs and their port forwardings.

A router's gateway and interfaces are ordinary ports (``ports``) whose addresses are rows of
``ip_allocations``, so no address is held twice here either; ``router_ports`` says which ports
belong to which router and how. A floating IP holds its address through a port on the external
network (device owner ``network:floatingip``), deleted with it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pocketstack.store.models import Base
from pocketstack.store.network_models import StandardAttributes


class Router(StandardAttributes, Base):
    """``routes`` is the list of extra routes, ``{"destination", "nexthop"}``; the gateway is
    the router's ``router_ports`` row of type ``network:router_gateway``."""

    __tablename__ = "routers"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255), default="", index=True)
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    enable_snat: Mapped[bool] = mapped_column(Boolean, default=True)
    routes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    availability_zone_hints: Mapped[list[str]] = mapped_column(JSON, default=list)


class RouterPort(Base):
    """A port that attaches a router: ``port_type`` is the port's device owner when attached
    (``network:router_interface`` or ``network:router_gateway``)."""

    __tablename__ = "router_ports"
    port_id: Mapped[str] = mapped_column(ForeignKey("ports.id", ondelete="CASCADE"), primary_key=True)
    router_id: Mapped[str] = mapped_column(ForeignKey("routers.id", ondelete="CASCADE"), index=True)
    port_type: Mapped[str] = mapped_column(String(255))


class FloatingIP(StandardAttributes, Base):
    """A floating IP: its address is held by ``floating_port_id`` (deleted with it); when
    associated, ``fixed_port_id`` / ``fixed_ip_address`` name the internal address and
    ``router_id`` the router that connects it. The unique key keeps one fixed IP from having two
    floating IPs on one external network."""

    __tablename__ = "floatingips"
    __table_args__ = (UniqueConstraint("floating_network_id", "fixed_port_id", "fixed_ip_address"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    floating_network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"), index=True)
    floating_ip_address: Mapped[str] = mapped_column(String(64), index=True)
    floating_port_id: Mapped[str] = mapped_column(ForeignKey("ports.id", ondelete="CASCADE"), unique=True)
    fixed_port_id: Mapped[str | None] = mapped_column(ForeignKey("ports.id", ondelete="SET NULL"), index=True)
    fixed_ip_address: Mapped[str | None] = mapped_column(String(64))
    router_id: Mapped[str | None] = mapped_column(ForeignKey("routers.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="DOWN")


class PortForwarding(Base):
    """Traffic to ``external_port_start..end`` of a floating IP goes to the internal address's
    ``internal_port_start..end`` (a single port when start equals end). The unique keys refuse
    the same external port twice on a floating IP, and one internal socket forwarded twice."""

    __tablename__ = "port_forwardings"
    __table_args__ = (
        UniqueConstraint("floatingip_id", "protocol", "external_port_start"),
        UniqueConstraint("internal_port_id", "internal_ip_address", "protocol", "internal_port_start"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    floatingip_id: Mapped[str] = mapped_column(ForeignKey("floatingips.id", ondelete="CASCADE"))
    internal_port_id: Mapped[str] = mapped_column(ForeignKey("ports.id", ondelete="CASCADE"))
    internal_ip_address: Mapped[str] = mapped_column(String(64))
    internal_port_start: Mapped[int] = mapped_column(Integer)
    internal_port_end: Mapped[int] = mapped_column(Integer)
    external_port_start: Mapped[int] = mapped_column(Integer)
    external_port_end: Mapped[int] = mapped_column(Integer)
    protocol: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(255), default="")


class AutoAllocatedTopology(Base):
    """The network (and router) get-me-a-network made for a project (revision 0006); one per
    project, so two concurrent first boots end up on the same network."""

    __tablename__ = "auto_allocated_topologies"
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    router_id: Mapped[str | None] = mapped_column(ForeignKey("routers.id", ondelete="SET NULL"))
