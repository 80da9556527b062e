"""Project request bodies (unknown fields are kept as extra attributes)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictBool, StrictStr

from pocketstack.api.common.validation import OpenWire, Wire

NAME_MAX = 64  # COMPAT: Keystone's project and domain names are at most 64 characters


class ProjectCreateIn(OpenWire):
    name: StrictStr
    domain_id: StrictStr | None = Field(None, max_length=64)
    parent_id: StrictStr | None = Field(None, max_length=64)
    description: StrictStr | None = None
    enabled: StrictBool = True
    is_domain: StrictBool | None = None
    tags: list[StrictStr] | None = None
    options: dict[str, Any] | None = None


class ProjectCreateBody(Wire):
    project: ProjectCreateIn


class ProjectUpdateIn(OpenWire):
    name: StrictStr | None = None
    description: StrictStr | None = None
    enabled: StrictBool | None = None
    tags: list[StrictStr] | None = None
    options: dict[str, Any] | None = None
    domain_id: StrictStr | None = None
    parent_id: StrictStr | None = None
    is_domain: StrictBool | None = None


class ProjectUpdateBody(Wire):
    project: ProjectUpdateIn


class TagsBody(Wire):
    tags: list[StrictStr]
