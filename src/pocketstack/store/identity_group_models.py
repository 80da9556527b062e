"""Stored tables added by revision 0007 (see docs/storage-format.md): identity groups.

A group's role grants are rows of ``assignments`` with the kinds GroupProject, GroupDomain and
GroupSystem (``actor_id`` is then the group's id).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pocketstack.store.models import Base


class Group(Base):
    """A set of users of one domain; names are unique within the domain."""

    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("domain_id", "name", name="uq_groups_domain_name"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    domain_id: Mapped[str] = mapped_column(ForeignKey("domains.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class GroupMembership(Base):
    """A user in a group (any domain's user may join any group, as in Keystone's SQL backend)."""

    __tablename__ = "group_memberships"
    group_id: Mapped[str] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
