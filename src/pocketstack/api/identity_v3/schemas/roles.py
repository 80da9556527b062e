"""Role request bodies. Unknown fields of a role are kept as extra attributes, as Keystone does."""

from __future__ import annotations

from pydantic import Field, StrictBool, StrictStr

from pocketstack.api.common.validation import OpenWire, Wire

NAME_MAX = 255
# Never stored as extra attributes: the id is ours to assign and links are always computed.
RESERVED_EXTRA = frozenset({"id", "links"})
# A role name must hold at least one non-blank character (Keystone's pattern "[\S]+").
_NAME = Field(min_length=1, max_length=NAME_MAX, pattern=r"\S")
_DOMAIN_ID = Field(None, max_length=64, pattern=r"^[a-zA-Z0-9_-]+$")


class RoleOptionsIn(Wire):
    """Keystone's role resource options: only ``immutable`` exists."""

    immutable: StrictBool | None = None


class RoleCreateIn(OpenWire):
    name: StrictStr = _NAME
    domain_id: StrictStr | None = _DOMAIN_ID
    description: StrictStr | None = None
    options: RoleOptionsIn | None = None


class RoleCreateBody(Wire):
    role: RoleCreateIn


class RoleUpdateIn(OpenWire):
    # Absent is fine; an explicit null is refused (None is no string).
    name: StrictStr = Field(None, min_length=1, max_length=NAME_MAX, pattern=r"\S")
    domain_id: StrictStr | None = _DOMAIN_ID
    description: StrictStr | None = None
    options: RoleOptionsIn | None = None


class RoleUpdateBody(Wire):
    role: RoleUpdateIn
