"""Domain request bodies, and the small checks every identity resource body shares.

COMPAT: like Keystone, bodies keep unknown fields as extra attributes, names are stripped and
must hold a non-space character, and a PATCH names only what it changes.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, StrictBool, StrictStr

from pocketstack.api.common.validation import OpenWire, Wire
from pocketstack.core.errors import BadRequest

# Keys that are never stored as extra attributes: the id and links are the server's.
IGNORED_EXTRA = frozenset({"id", "links"})


def resource_name(value: str | None, kind: str, max_length: int) -> str:
    """A stripped name of 1..max_length characters; BadRequest otherwise."""
    name = (value or "").strip()
    if not name or len(name) > max_length:
        raise BadRequest(f"Invalid input for field 'name': a {kind} name needs 1 to {max_length} characters.")
    return name


def extra_attributes(model: BaseModel, reserved: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The unknown fields of an OpenWire body, which Keystone keeps as extra attributes."""
    extra = dict(model.model_extra or {})
    for key in IGNORED_EXTRA:
        extra.pop(key, None)
    refused = sorted(set(extra) & reserved)
    if refused:
        raise BadRequest(f"Invalid input for field '{refused[0]}': it cannot be set here.")
    return extra


def given(model: BaseModel, *, nullable: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The declared fields a PATCH body sets; null only where ``nullable`` allows it."""
    out: dict[str, Any] = {}
    for key in model.model_fields_set:
        if key not in type(model).model_fields:
            continue
        value = getattr(model, key)
        if value is None and key not in nullable:
            raise BadRequest(f"Invalid input for field '{key}': null is not allowed.")
        out[key] = value
    return out


def check_matching_id(model: BaseModel, ident: str, kind: str) -> None:
    """COMPAT: a PATCH body may repeat the resource's id, never change it."""
    body_id = (model.model_extra or {}).get("id")
    if body_id is not None and body_id != ident:
        raise BadRequest(f"Cannot change {kind} ID")


class DomainCreateIn(OpenWire):
    name: StrictStr
    description: StrictStr | None = None
    enabled: StrictBool = True
    options: dict[str, Any] | None = None
    explicit_domain_id: StrictStr | None = Field(
        None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$"
    )


class DomainCreateBody(Wire):
    domain: DomainCreateIn


class DomainUpdateIn(OpenWire):
    name: StrictStr | None = None
    description: StrictStr | None = None
    enabled: StrictBool | None = None
    options: dict[str, Any] | None = None


class DomainUpdateBody(Wire):
    domain: DomainUpdateIn
