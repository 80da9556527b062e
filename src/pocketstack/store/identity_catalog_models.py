"""Stored tables added by revision 0007 for the identity catalog extras (see
docs/storage-format.md): endpoint groups and project endpoint filters (OS-EP-FILTER), policy
blobs (/v3/policies), domain-specific configuration, unified limits and OAuth1 consumers.

Rows that hang off a project, a domain, an endpoint or a service go with it (ON DELETE CASCADE),
so no delete elsewhere needs to know about them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pocketstack.store.models import Base


class EndpointGroup(Base):
    """``filters`` maps endpoint attributes (service_id, region_id, interface) to the value an
    endpoint must have to be in the group."""

    __tablename__ = "endpoint_groups"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ProjectEndpoint(Base):
    """An endpoint associated directly with a project (it filters the project's catalog)."""

    __tablename__ = "project_endpoints"
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    endpoint_id: Mapped[str] = mapped_column(
        ForeignKey("endpoints.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ProjectEndpointGroup(Base):
    """An endpoint group associated with a project: its endpoints are in the project's catalog."""

    __tablename__ = "project_endpoint_groups"
    endpoint_group_id: Mapped[str] = mapped_column(
        ForeignKey("endpoint_groups.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class PolicyBlob(Base):
    """A /v3/policies entry: an opaque blob of a given type, stored and served as given."""

    __tablename__ = "policies"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(255))
    blob: Mapped[str] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class DomainConfigOption(Base):
    """One option of a domain's configuration. ``value`` is the JSON text of the option's value
    (any JSON value: a JSON column would let SQLite turn the text ``5`` into a number); a
    ``sensitive`` option (ldap password) is stored but never shown."""

    __tablename__ = "domain_config_options"
    domain_id: Mapped[str] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"), primary_key=True)
    group: Mapped[str] = mapped_column(String(255), primary_key=True)
    option: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)


class RegisteredLimit(Base):
    """The default limit of a resource of a service (optionally in one region)."""

    __tablename__ = "registered_limits"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[str | None] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    resource_name: Mapped[str] = mapped_column(String(255))
    default_limit: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)


class Limit(Base):
    """A project's (or a domain's) own limit for a registered limit's resource."""

    __tablename__ = "limits"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    registered_limit_id: Mapped[str] = mapped_column(
        ForeignKey("registered_limits.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    domain_id: Mapped[str | None] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"), index=True)
    resource_limit: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)


class OAuthConsumer(Base):
    """An OS-OAUTH1 consumer. Only a hash of its secret is kept (the secret is shown once, at
    creation); the OAuth1 token flow itself is not served."""

    __tablename__ = "oauth_consumers"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    description: Mapped[str | None] = mapped_column(Text)
    secret_hash: Mapped[str] = mapped_column(String(64))
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
