"""Identity v3 request bodies as pydantic wire models (auth only; resources add theirs)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from pocketstack.api.common.validation import OpenWire, Wire
from pocketstack.core.errors import BadRequest
from pocketstack.core.identity.auth import ScopeRequest


class DomainRefIn(Wire):
    id: str | None = Field(None, max_length=64)
    name: str | None = Field(None, max_length=255)


class UserRefIn(OpenWire):
    id: str | None = Field(None, max_length=64)
    name: str | None = Field(None, max_length=255)
    domain: DomainRefIn | None = None
    password: str | None = None


class PasswordIn(Wire):
    user: UserRefIn


class TokenIn(Wire):
    id: str = Field(max_length=1024)


class AppCredIn(OpenWire):
    id: str | None = Field(None, max_length=64)
    name: str | None = Field(None, max_length=255)
    secret: str
    user: UserRefIn | None = None


class IdentityIn(OpenWire):
    methods: list[str] = Field(min_length=1, max_length=8)
    password: PasswordIn | None = None
    token: TokenIn | None = None
    application_credential: AppCredIn | None = None


class ProjectScopeIn(Wire):
    id: str | None = Field(None, max_length=64)
    name: str | None = Field(None, max_length=255)
    domain: DomainRefIn | None = None


TRUST_SCOPE = "OS-TRUST:trust"


def trust_scope(value: Any) -> ScopeRequest:
    """``{"OS-TRUST:trust": {"id": ...}}`` as a scope."""
    if not isinstance(value, dict) or not isinstance(value.get("id"), str) or not value["id"]:
        raise BadRequest("Expecting to find trust_id in OS-TRUST:trust.")
    return ScopeRequest("trust", id=value["id"])


class ScopeIn(OpenWire):
    project: ProjectScopeIn | None = None
    domain: DomainRefIn | None = None
    system: dict[str, Any] | None = None


class AuthIn(Wire):
    identity: IdentityIn
    scope: ScopeIn | str | None = None


class AuthBodyIn(Wire):
    auth: AuthIn
