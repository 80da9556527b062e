"""User request bodies (unknown fields, such as ``email``, are kept as extra attributes)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictBool, StrictStr

from pocketstack.api.common.validation import OpenWire, Wire

NAME_MAX = 255
# Never stored as extra attributes: read-only or federation fields pocketstack lacks.
RESERVED_EXTRA = frozenset({"password_expires_at", "federated"})


class UserCreateIn(OpenWire):
    name: StrictStr
    domain_id: StrictStr | None = Field(None, max_length=64)
    enabled: StrictBool = True
    password: StrictStr | None = None
    default_project_id: StrictStr | None = Field(None, max_length=64)
    description: StrictStr | None = None
    options: dict[str, Any] | None = None


class UserCreateBody(Wire):
    user: UserCreateIn


class UserUpdateIn(OpenWire):
    name: StrictStr | None = None
    domain_id: StrictStr | None = None
    enabled: StrictBool | None = None
    password: StrictStr | None = None
    default_project_id: StrictStr | None = Field(None, max_length=64)
    description: StrictStr | None = None
    options: dict[str, Any] | None = None


class UserUpdateBody(Wire):
    user: UserUpdateIn


class PasswordChangeIn(Wire):
    original_password: StrictStr
    password: StrictStr


class PasswordChangeBody(Wire):
    user: PasswordChangeIn
