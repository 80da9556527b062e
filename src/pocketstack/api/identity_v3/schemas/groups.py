"""Group request bodies (unknown fields are kept as extra attributes, as Keystone does)."""

from __future__ import annotations

from pydantic import Field, StrictStr

from pocketstack.api.common.validation import OpenWire, Wire

NAME_MAX = 64  # COMPAT: Keystone's group name column is 64 characters


class GroupCreateIn(OpenWire):
    name: StrictStr
    domain_id: StrictStr | None = Field(None, max_length=64)
    description: StrictStr | None = None


class GroupCreateBody(Wire):
    group: GroupCreateIn


class GroupUpdateIn(OpenWire):
    name: StrictStr | None = None
    domain_id: StrictStr | None = None
    description: StrictStr | None = None


class GroupUpdateBody(Wire):
    group: GroupUpdateIn
