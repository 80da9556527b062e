"""Application credential request bodies.

COMPAT: as in Keystone, unknown fields are refused; ``id`` may be sent and is ignored (the
server assigns it). openstacksdk sends every attribute it was given, nulls and an empty
``access_rules`` list included, so those mean "not given".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import Field, StrictBool, StrictStr, model_validator

from pocketstack.api.common.validation import Wire
from pocketstack.core.errors import BadRequest

NAME_MAX = 255
_ROLE_ID = Field(None, min_length=1, max_length=64)


class RoleRefIn(Wire):
    """One role, by id or by name: exactly one of the two."""

    id: StrictStr | None = _ROLE_ID
    name: StrictStr | None = Field(None, min_length=1, max_length=NAME_MAX)

    @model_validator(mode="after")
    def _one_of(self) -> RoleRefIn:
        if (self.id is None) == (self.name is None):
            raise ValueError("a role is named by exactly one of 'id' or 'name'")
        return self


class AccessRuleIn(Wire):
    """A rule by ``id`` (an existing rule of the user) or by service, path and method."""

    id: StrictStr | None = Field(None, min_length=1, max_length=64)
    service: StrictStr | None = Field(None, min_length=1, max_length=64)
    path: StrictStr | None = Field(None, max_length=225, pattern=r"^/")
    method: Literal["DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"] | None = None

    @model_validator(mode="after")
    def _complete(self) -> AccessRuleIn:
        if self.id is None and None in (self.service, self.path, self.method):
            raise ValueError("an access rule needs 'service', 'path' and 'method' (or the 'id' of one)")
        return self


class AppCredCreateIn(Wire):
    name: StrictStr = Field(min_length=1, max_length=NAME_MAX, pattern=r"\S")
    id: StrictStr | None = None
    secret: StrictStr | None = None
    description: StrictStr | None = None
    expires_at: StrictStr | None = None
    roles: list[RoleRefIn] | None = None
    unrestricted: StrictBool | None = None
    access_rules: list[AccessRuleIn] | None = None
    system: StrictStr | None = None


class AppCredCreateBody(Wire):
    application_credential: AppCredCreateIn


def parse_expiry(value: str | None) -> datetime | None:
    """ISO 8601; a time without a zone is UTC (COMPAT: openstackclient sends it so)."""
    if value is None:
        return None
    text = value.strip()
    try:
        when = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except (ValueError, OverflowError):
        raise BadRequest(
            "Timestamp not in expected format. The server could not comply with the request since "
            "it is either malformed or otherwise incorrect. The client is assumed to be in error."
        ) from None
