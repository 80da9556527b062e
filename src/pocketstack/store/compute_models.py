"""The persisted compute model (storage format revision 0003; see docs/storage-format.md):
server types (flavors), keypairs, servers, server groups, quotas, placements, hosts with their
inventories and allocations, aggregates, migrations, and the tasks that change servers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from pocketstack.store.models import Base

# Type ids of flavors whose id is no UUID: version 5 UUIDs in this namespace, the same in every
# cloud (revision 0010 keeps its own copy for the backfill).
TYPE_NAMESPACE = uuid.UUID("5f0c1c5e-3b7e-4a53-9d0e-6f7a2c1d8e41")


def type_uuid(flavor_id: str) -> str:
    """The vNext type id of flavor ``flavor_id`` (``flavors.uuid``): the id itself when it is a
    UUID, else the UUID derived from it."""
    try:
        return str(uuid.UUID(flavor_id))
    except ValueError:
        return str(uuid.uuid5(TYPE_NAMESPACE, flavor_id))


def _uuid_of_row(context: Any) -> str:
    return type_uuid(str(context.get_current_parameters()["id"]))


class Flavor(Base):
    """A server type. ``id`` is the public flavor id (any string, often a small integer)."""

    __tablename__ = "flavors"
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    vcpus: Mapped[int] = mapped_column(Integer)
    memory_mb: Mapped[int] = mapped_column(Integer)
    root_gb: Mapped[int] = mapped_column(Integer)
    ephemeral_gb: Mapped[int] = mapped_column(Integer, default=0)
    swap_mb: Mapped[int] = mapped_column(Integer, default=0)
    rxtx_factor: Mapped[float] = mapped_column(Float, default=1.0)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text)
    extra_specs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Who made it (revision 0009): null for an operator's type, else the member's project and user.
    owner_project_id: Mapped[str | None] = mapped_column(String(64), index=True)
    owner_user_id: Mapped[str | None] = mapped_column(String(64))
    # Its vNext type id (revision 0010): ``id`` when that is a UUID, else the UUID derived from
    # it (``type_uuid``), written by any insert that does not give it. A database migrated to
    # 0010 on SQLite also has a server default of '' (SQLite adds a NOT NULL column only with
    # one), never used.
    uuid: Mapped[str] = mapped_column(String(36), unique=True, index=True, default=_uuid_of_row)


class FlavorAccess(Base):
    __tablename__ = "flavor_access"
    flavor_id: Mapped[str] = mapped_column(ForeignKey("flavors.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class FlavorUserAccess(Base):
    """A private server type shared with one user (revision 0009; project shares are
    ``flavor_access`` rows)."""

    __tablename__ = "flavor_user_access"
    flavor_id: Mapped[str] = mapped_column(ForeignKey("flavors.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class FlavorTag(Base):
    __tablename__ = "flavor_tags"
    flavor_id: Mapped[str] = mapped_column(ForeignKey("flavors.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class Keypair(Base):
    __tablename__ = "keypairs"
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(10), default="ssh")
    fingerprint: Mapped[str] = mapped_column(String(255))
    public_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Server(Base):
    """A server. ``flavor`` is a snapshot of the server type it was built (or resized) with, so
    a later change or deletion of the flavor never changes what the server is. Deleted servers
    keep their row (``deleted``) so their actions and usage stay readable."""

    __tablename__ = "servers"
    # A project's live servers in list order: its pages without sorting every row (and its
    # quota usage counted from the index).
    __table_args__ = (
        Index("ix_servers_project_deleted_created", "project_id", "deleted", "created_at", "id"),
        # Hostname lookups and vNext's uniqueness check (revision 0010); v2.1 may duplicate.
        Index("ix_servers_project_hostname", "project_id", "hostname"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    hostname: Mapped[str] = mapped_column(String(255))
    image_id: Mapped[str | None] = mapped_column(String(36), index=True)
    flavor_id: Mapped[str] = mapped_column(String(255), index=True)
    flavor: Mapped[dict[str, Any]] = mapped_column()
    old_flavor: Mapped[dict[str, Any] | None] = mapped_column()
    vm_state: Mapped[str] = mapped_column(String(32), index=True)
    task_state: Mapped[str | None] = mapped_column(String(64))
    power_state: Mapped[int] = mapped_column(Integer, default=0)
    host: Mapped[str | None] = mapped_column(String(255), index=True)
    requested_zone: Mapped[str | None] = mapped_column(String(255))
    # The placement the server asked for (revision 0010): a root, whose name is then
    # ``requested_zone`` too, or one inside another (vNext), which is not a zone.
    placement_id: Mapped[str | None] = mapped_column(String(36))
    key_name: Mapped[str | None] = mapped_column(String(255))
    key_data: Mapped[str | None] = mapped_column(Text)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    user_data: Mapped[str | None] = mapped_column(Text)
    access_ipv4: Mapped[str | None] = mapped_column(String(39))
    access_ipv6: Mapped[str | None] = mapped_column(String(39))
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    locked_by: Mapped[str | None] = mapped_column(String(16))
    locked_reason: Mapped[str | None] = mapped_column(Text)
    config_drive: Mapped[str] = mapped_column(String(16), default="")
    auto_disk_config: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    fault: Mapped[dict[str, Any] | None] = mapped_column()
    reservation_id: Mapped[str] = mapped_column(String(36), index=True)
    launch_index: Mapped[int] = mapped_column(Integer, default=0)
    scheduler_hints: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The image's properties at build or last rebuild, as strings (revision 0007; from 2.98).
    image_properties: Mapped[dict[str, Any] | None] = mapped_column()
    # What a client asked the fake driver to do to this server (fault injection).
    injected_faults: Mapped[dict[str, Any]] = mapped_column(default=dict)
    admin_password_set: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    launched_at: Mapped[datetime | None] = mapped_column(DateTime)
    terminated_at: Mapped[datetime | None] = mapped_column(DateTime)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)


class ServerTag(Base):
    __tablename__ = "server_tags"
    server_id: Mapped[str] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class ServerInterface(Base):
    """A port compute attached to a server (revision 0006). The port itself, its addresses and
    groups live in the network tables; this row keeps what only compute knows: the device
    ``tag`` and whether the port was the user's (kept, unbound, when the server goes) or made
    for the server (deleted with it)."""

    __tablename__ = "server_interfaces"
    port_id: Mapped[str] = mapped_column(ForeignKey("ports.id", ondelete="CASCADE"), primary_key=True)
    server_id: Mapped[str] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    tag: Mapped[str | None] = mapped_column(String(60))
    preserve_on_delete: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ServerGroup(Base):
    __tablename__ = "server_groups"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    policy: Mapped[str] = mapped_column(String(32))
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ServerGroupMember(Base):
    __tablename__ = "server_group_members"
    group_id: Mapped[str] = mapped_column(
        ForeignKey("server_groups.id", ondelete="CASCADE"), primary_key=True
    )
    server_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)


class QuotaLimit(Base):
    """A project's own limit for one resource; absent means the class default."""

    __tablename__ = "quota_limits"
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    hard_limit: Mapped[int] = mapped_column(Integer)


class QuotaUserLimit(Base):
    """A user's own limit for one resource within a project (Nova's per-user quotas); absent
    means the project's limit."""

    __tablename__ = "quota_user_limits"
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    hard_limit: Mapped[int] = mapped_column(Integer)


class QuotaClassLimit(Base):
    __tablename__ = "quota_class_limits"
    class_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    hard_limit: Mapped[int] = mapped_column(Integer)


class QuotaLock(Base):
    """One row per project, locked (or, on SQLite, written) by every create that checks quota,
    so two concurrent creates of one project cannot both pass the same check."""

    __tablename__ = "quota_locks"
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    serial: Mapped[int] = mapped_column(Integer, default=0)


class Placement(Base):
    """A node of the placement DAG. Roots are what Compute v2.1 shows as availability zones."""

    __tablename__ = "placements"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class PlacementParent(Base):
    __tablename__ = "placement_parents"
    child_id: Mapped[str] = mapped_column(ForeignKey("placements.id", ondelete="CASCADE"), primary_key=True)
    parent_id: Mapped[str] = mapped_column(
        ForeignKey("placements.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class PlacementTag(Base):
    __tablename__ = "placement_tags"
    placement_id: Mapped[str] = mapped_column(
        ForeignKey("placements.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(60), primary_key=True)


class PlacementHost(Base):
    __tablename__ = "placement_hosts"
    placement_id: Mapped[str] = mapped_column(
        ForeignKey("placements.id", ondelete="CASCADE"), primary_key=True
    )
    host_id: Mapped[str] = mapped_column(
        ForeignKey("hosts.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Host(Base):
    """A compute host: a resource provider with an inventory, and the compute service on it.
    ``generation`` rises with every change of its allocations; a claim names the generation it
    read, so two schedulers never over-commit one host."""

    __tablename__ = "hosts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    driver: Mapped[str] = mapped_column(String(32))
    host_ip: Mapped[str] = mapped_column(String(39))
    vcpus: Mapped[int] = mapped_column(Integer)
    memory_mb: Mapped[int] = mapped_column(Integer)
    disk_gb: Mapped[int] = mapped_column(Integer)
    cpu_allocation_ratio: Mapped[float] = mapped_column(Float, default=1.0)
    ram_allocation_ratio: Mapped[float] = mapped_column(Float, default=1.0)
    disk_allocation_ratio: Mapped[float] = mapped_column(Float, default=1.0)
    reserved_vcpus: Mapped[int] = mapped_column(Integer, default=0)
    reserved_memory_mb: Mapped[int] = mapped_column(Integer, default=0)
    reserved_disk_gb: Mapped[int] = mapped_column(Integer, default=0)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    service_id: Mapped[str] = mapped_column(String(36), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    forced_down: Mapped[bool] = mapped_column(Boolean, default=False)
    traits: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Allocation(Base):
    """What a consumer (a server, or a migration holding the source side of a resize) uses."""

    __tablename__ = "allocations"
    consumer_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    host_id: Mapped[str] = mapped_column(
        ForeignKey("hosts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    vcpus: Mapped[int] = mapped_column(Integer)
    memory_mb: Mapped[int] = mapped_column(Integer)
    disk_gb: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Aggregate(Base):
    __tablename__ = "aggregates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    availability_zone: Mapped[str | None] = mapped_column(String(255))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)


class AggregateHost(Base):
    __tablename__ = "aggregate_hosts"
    aggregate_id: Mapped[int] = mapped_column(
        ForeignKey("aggregates.id", ondelete="CASCADE"), primary_key=True
    )
    host: Mapped[str] = mapped_column(String(255), primary_key=True, index=True)


class ControlService(Base):
    """A non-compute service of this cloud (scheduler, conductor) as os-services lists them."""

    __tablename__ = "control_services"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    binary: Mapped[str] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("binary", "host"),)


class Migration(Base):
    __tablename__ = "migrations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    server_id: Mapped[str] = mapped_column(String(36), index=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    migration_type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), index=True)
    source_host: Mapped[str | None] = mapped_column(String(255))
    dest_host: Mapped[str | None] = mapped_column(String(255))
    old_flavor_id: Mapped[str] = mapped_column(String(255))
    new_flavor_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


TASK_SERVER, TASK_OPERATOR = "server", "operator"  # tasks.kind


class Task(Base):
    """A state-changing action on a server (seed 001): Nova's instance action, vNext's task;
    or, of ``kind`` operator (revision 0011), an operator's action on no server (a drain)."""

    __tablename__ = "tasks"
    # A server's tasks paged newest first (revision 0010).
    __table_args__ = (Index("ix_tasks_server_created", "server_id", "created_at", "id"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    server_id: Mapped[str | None] = mapped_column(String(36), index=True)
    project_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    message: Mapped[str | None] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(16), default=TASK_SERVER, server_default=TASK_SERVER)


class TaskItem(Base):
    """One step of a task (Nova's instance action event)."""

    __tablename__ = "task_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    host: Mapped[str | None] = mapped_column(String(255))
    details: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
