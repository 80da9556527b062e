"""Checks of single attribute values shared by the resource services (types come validated from
the front end; these are the rules about content)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pocketstack.core.network.errors import bad_request, invalid

_LABEL = re.compile(r"^[a-z0-9-]{1,63}$", re.IGNORECASE)
FQDN_MAX = 255


def dns_name(value: str, what: str = "dns_name") -> str:
    """A DNS name or domain (RFC 1123 labels; a trailing dot allowed), lower-cased; '' allowed."""
    if not value:
        return ""
    trimmed = value[:-1] if value.endswith(".") else value
    labels = trimmed.split(".")
    reason = None
    if len(trimmed) > FQDN_MAX:
        reason = f"'{trimmed}' exceeds the {FQDN_MAX} character FQDN limit"
    elif any(not label for label in labels):
        reason = "Encountered an empty component"
    elif any(label.startswith("-") or label.endswith("-") for label in labels):
        reason = "a name must not start or end with a hyphen"
    elif any(not _LABEL.match(label) for label in labels):
        reason = "each label must be 1-63 letters, digits or hyphens"
    elif len(labels) > 1 and labels[-1].isdigit():
        reason = f"TLD '{labels[-1]}' must not be all numeric"
    if reason:
        raise invalid(f"'{value}' not a valid PQDN or FQDN for {what}. Reason: {reason}")
    return value.lower()


def string_list(value: Any, what: str, max_length: int = 255) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and 0 < len(v) <= max_length for v in value):
        raise invalid(f"'{value}' is not a valid list of strings for {what}")
    if len(set(value)) != len(value):
        raise invalid(f"Duplicate items in the list: '{', '.join(value)}'")
    return list(value)


def required(attrs: Mapping[str, Any], name: str) -> Any:
    """The value of an attribute a create must carry (not null); BadRequest in Neutron's words."""
    if attrs.get(name) is None:
        raise bad_request(f"Failed to parse request. Required attribute '{name}' not specified")
    return attrs[name]


_UUID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.IGNORECASE)


def is_uuid(value: Any) -> bool:
    """A UUID, with or without dashes (Neutron's uuid-like: project ids here have none)."""
    return isinstance(value, str) and _UUID.match(value) is not None
