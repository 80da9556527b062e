"""Stored tables added by revision 0007 for delegation: trusts, credentials, access rules
(see docs/storage-format.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pocketstack.store.models import Base


class Trust(Base):
    """OS-TRUST: the trustor lets the trustee act with ``role_ids`` on ``project_id``.

    ``redelegation_count`` is the remaining depth of the chain below this trust (0: the
    trustee may not redelegate); ``redelegated_trust_id`` names the trust this one was made
    from. A trust goes with its trustor, trustee or project.
    """

    __tablename__ = "trusts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    trustor_user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    trustee_user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    impersonation: Mapped[bool] = mapped_column(Boolean, default=False)
    role_ids: Mapped[list[str]] = mapped_column(default=list)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    remaining_uses: Mapped[int | None] = mapped_column(Integer)
    redelegated_trust_id: Mapped[str | None] = mapped_column(String(64), index=True)
    redelegation_count: Mapped[int] = mapped_column(Integer, default=0)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Credential(Base):
    """A user's secret of some ``type`` (ec2, cert, totp, ...). ``encrypted_blob`` is the
    blob sealed with the credential key repository; ``key_hash`` names the key that sealed
    it, so rotation knows what to re-encrypt. An ec2 credential's id is sha256(access)."""

    __tablename__ = "credentials"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(255), index=True)
    encrypted_blob: Mapped[str] = mapped_column(Text)
    key_hash: Mapped[str] = mapped_column(String(64))
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class AccessRule(Base):
    """What a token from an application credential may call: one service, path, method.
    A user's rules are shared by their credentials and outlive them until deleted."""

    __tablename__ = "access_rules"
    __table_args__ = (UniqueConstraint("user_id", "service", "path", "method"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    service: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(16))


class ApplicationCredentialAccessRule(Base):
    __tablename__ = "application_credential_access_rules"
    application_credential_id: Mapped[str] = mapped_column(
        ForeignKey("application_credentials.id", ondelete="CASCADE"), primary_key=True
    )
    access_rule_id: Mapped[str] = mapped_column(
        ForeignKey("access_rules.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
