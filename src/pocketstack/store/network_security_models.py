"""The persisted security groups, their rules and RBAC policies (storage format revision 0005;
see docs/storage-format.md).

A project's ``default`` group is named by its row in ``default_security_groups``, whose primary
key (the project) is what keeps two concurrent first requests from making two default groups.
RBAC policies of every object type share one table; a network's ``shared`` column mirrors its
``*`` ``access_as_shared`` policy (both are written in one transaction).
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, exists, select
from sqlalchemy.orm import Mapped, column_property, mapped_column

from pocketstack.store.models import Base
from pocketstack.store.network_models import StandardAttributes


class SecurityGroup(StandardAttributes, Base):
    __tablename__ = "security_groups"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255), default="", index=True)
    stateful: Mapped[bool] = mapped_column(Boolean, default=True)


class DefaultSecurityGroup(Base):
    """The ``default`` group of a project: at most one, made on first need."""

    __tablename__ = "default_security_groups"
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    security_group_id: Mapped[str] = mapped_column(
        ForeignKey("security_groups.id", ondelete="CASCADE"), unique=True
    )


class SecurityGroupRule(StandardAttributes, Base):
    """A rule: ``protocol`` NULL is any protocol, ports NULL any port (for ICMP they are the
    type and code); ``remote_ip_prefix`` keeps the address given with its prefix length
    (``10.0.0.5/24``), ``normalized_cidr`` the network it names (``10.0.0.0/24``). A rule goes
    with its group and with the group it names as remote."""

    __tablename__ = "security_group_rules"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    security_group_id: Mapped[str] = mapped_column(
        ForeignKey("security_groups.id", ondelete="CASCADE"), index=True
    )
    remote_group_id: Mapped[str | None] = mapped_column(
        ForeignKey("security_groups.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(16))
    ethertype: Mapped[str] = mapped_column(String(8))
    protocol: Mapped[str | None] = mapped_column(String(40))
    port_range_min: Mapped[int | None] = mapped_column(Integer)
    port_range_max: Mapped[int | None] = mapped_column(Integer)
    remote_ip_prefix: Mapped[str | None] = mapped_column(String(64))
    normalized_cidr: Mapped[str | None] = mapped_column(String(64))

    # Read with every rule (SQL expressions, not columns): the owner of the rule's group, which
    # the rule's policy checks, and whether that group is its project's default group.
    group_project_id: Mapped[str] = column_property(
        select(SecurityGroup.project_id)
        .where(SecurityGroup.id == security_group_id)
        .correlate_except(SecurityGroup)
        .scalar_subquery()
    )
    belongs_to_default_sg: Mapped[bool] = column_property(
        exists()
        .where(DefaultSecurityGroup.security_group_id == security_group_id)
        .correlate_except(DefaultSecurityGroup)
    )


class RbacPolicy(Base):
    """``target_project`` is a project id or ``*`` (every project). ``object_id`` has no
    foreign key (one table serves every object type); rows are deleted with their object."""

    __tablename__ = "rbac_policies"
    __table_args__ = (UniqueConstraint("object_type", "object_id", "action", "target_project"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(32))
    target_project: Mapped[str] = mapped_column(String(64), index=True)
