"""What a Keystone v3 token says: :class:`AuthState` and the parsing of the token body
(:func:`auth_state`) and of its ISO 8601 times (:func:`parse_time`). No I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pocketstack.sdk.catalog import Catalog
from pocketstack.sdk.exceptions import SDKError


@dataclass(frozen=True)
class AuthState:
    """A token and what Keystone said about it. ``issued_at`` (when known) lets
    :meth:`Authenticator.state` tell a short-lived token from one about to expire."""

    token: str = field(repr=False)
    expires_at: datetime
    catalog: Catalog = field(repr=False)
    user_id: str
    project_id: str | None
    domain_id: str | None
    system: bool
    roles: list[str]
    body: dict[str, Any] = field(repr=False)
    issued_at: datetime | None = None

    def seconds_left(self, now: datetime | None = None) -> float:
        """Seconds until the token expires (negative once it has)."""
        return (self.expires_at - (now or datetime.now(UTC))).total_seconds()

    def lifetime(self) -> float | None:
        """The token's whole lifetime in seconds, when its issue time is known."""
        if self.issued_at is None:
            return None
        return (self.expires_at - self.issued_at).total_seconds()


def parse_time(value: Any) -> datetime:
    """An aware UTC datetime for an ISO 8601 time (``Z``, an offset, or none meaning UTC; any
    number of fraction digits).

    Raises SDKError for a value that is not such a time."""
    if not isinstance(value, str) or not value.strip():
        raise SDKError(f"expected an ISO 8601 time, got {value!r}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise SDKError(f"expected an ISO 8601 time, got {value!r}") from None
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def auth_state(token: str, body: Mapping[str, Any]) -> AuthState:
    """The AuthState for a token and the body Keystone returned with it (``{"token": ...}``).

    Raises SDKError for a body without a token, user or expiry."""
    data = body.get("token") if isinstance(body, Mapping) else None
    if not isinstance(data, Mapping):
        raise SDKError("the identity service answered without a token body")
    user = data.get("user")
    if not isinstance(user, Mapping) or not user.get("id"):
        raise SDKError("the identity service's token body names no user")
    project = data.get("project")
    domain = data.get("domain")
    system = data.get("system")
    issued: datetime | None
    try:
        issued = parse_time(data.get("issued_at")) if data.get("issued_at") else None
    except SDKError:
        issued = None
    catalog = data.get("catalog")
    return AuthState(
        token=token,
        expires_at=parse_time(data.get("expires_at")),
        catalog=Catalog(catalog if isinstance(catalog, list) else None),
        user_id=str(user["id"]),
        project_id=str(project["id"]) if isinstance(project, Mapping) and project.get("id") else None,
        domain_id=str(domain["id"]) if isinstance(domain, Mapping) and domain.get("id") else None,
        system=isinstance(system, Mapping) and bool(system.get("all")),
        roles=[str(r["name"]) for r in data.get("roles") or () if isinstance(r, Mapping) and "name" in r],
        body=dict(body),
        issued_at=issued,
    )
