"""Object storage's tables (storage revision 0012; docs/storage-format.md has the columns).

Names of containers and objects compare in the byte order of their UTF-8 encoding on every
backend: SQLite's default collation already does, PostgreSQL is given collation ``C``. Listings
and their markers rely on it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Double, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from pocketstack.store.models import Base


def byte_ordered(length: int | None = None) -> TypeEngine[str]:
    """A name column that sorts and compares as its UTF-8 bytes, as Swift's listings do."""
    plain = String(length) if length else Text()
    collated = String(length, collation="C") if length else Text(collation="C")
    return plain.with_variant(collated, "postgresql")


class ObjectAccount(Base):
    """A project's account: made by its first container or account POST (an account with no
    row reads as empty). Usage is summed from its containers, not kept here."""

    __tablename__ = "object_accounts"
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    quota_bytes: Mapped[int | None] = mapped_column(BigInteger)
    quota_count: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[float] = mapped_column(Double)


class ObjectContainer(Base):
    """A container; ``object_count`` and ``bytes_used`` move in the transaction of each change
    to its objects."""

    __tablename__ = "object_containers"
    __table_args__ = (Index("ix_object_containers_project_name", "project_id", "name", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("object_accounts.project_id"))
    name: Mapped[str] = mapped_column(byte_ordered(256))
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    read_acl: Mapped[str | None] = mapped_column(Text)
    write_acl: Mapped[str | None] = mapped_column(Text)
    versions_location: Mapped[str | None] = mapped_column(String(256))
    versions_mode: Mapped[str | None] = mapped_column(String(16))
    versions_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    quota_bytes: Mapped[int | None] = mapped_column(BigInteger)
    quota_count: Mapped[int | None] = mapped_column(BigInteger)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    object_count: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_used: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[float] = mapped_column(Double)
    put_timestamp: Mapped[float] = mapped_column(Double)


class StoredObject(Base):
    """One object; its data is the blob ``data_path`` (relative to the object data directory),
    which no other row names (a copy is a hard link under a name of its own)."""

    __tablename__ = "object_objects"
    __table_args__ = (
        Index("ix_object_objects_container_name", "container_id", "name", unique=True),
        Index("ix_object_objects_delete_at", "delete_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    container_id: Mapped[int] = mapped_column(ForeignKey("object_containers.id"))
    name: Mapped[str] = mapped_column(byte_ordered())
    size: Mapped[int] = mapped_column(BigInteger)
    etag: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_modified: Mapped[float] = mapped_column(Double)
    delete_at: Mapped[int | None] = mapped_column(BigInteger)
    data_path: Mapped[str | None] = mapped_column(String(255))
    slo_manifest: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    version_id: Mapped[str | None] = mapped_column(String(64))
