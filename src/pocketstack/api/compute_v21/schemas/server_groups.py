"""Body of POST /os-server-groups, per microversion (nova/api/openstack/compute/schemas/
server_groups.py): below 2.64 a one-item ``policies`` list (the soft policies from 2.15); from
2.64 one ``policy`` and optional ``rules``."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.common.validation import Wire
from pocketstack.api.compute_v21.request import at_least

HardPolicy = Literal["anti-affinity", "affinity"]
AnyPolicy = Literal["anti-affinity", "affinity", "soft-anti-affinity", "soft-affinity"]
_DIGITS = re.compile(r"[0-9]+")


def _printable(char: str) -> bool:
    category = unicodedata.category(char)
    return not category.startswith("C") and category not in ("Zl", "Zp")


def _name(value: str) -> str:
    """Nova's ``name`` format: 1-255 printable characters, no whitespace at either end."""
    if not all(_printable(c) for c in value):
        raise ValueError("a name may hold printable characters only")
    if value[0].isspace() or value[-1].isspace():
        raise ValueError("a name can not start or end with whitespace")
    return value


def _positive(value: Any) -> int:
    """COMPAT: Nova's ``positive_integer`` is an integer or a string of digits."""
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{value!r} is not an integer of at least 1")
    return value


Name = Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_name)]


class Rules(Wire):
    max_server_per_host: Annotated[Any, AfterValidator(_positive)] = None


class _GroupV21(Wire):
    name: Name
    policies: Annotated[list[HardPolicy], Field(min_length=1, max_length=1)]


class _GroupV215(Wire):
    name: Name
    policies: Annotated[list[AnyPolicy], Field(min_length=1, max_length=1)]


class _GroupV264(Wire):
    name: Name
    policy: AnyPolicy
    rules: Rules | None = None


class CreateV21(Wire):
    server_group: _GroupV21


class CreateV215(Wire):
    server_group: _GroupV215


class CreateV264(Wire):
    server_group: _GroupV264


def create_model(req: ApiRequest) -> type[CreateV21] | type[CreateV215] | type[CreateV264]:
    if at_least(req, 2, 64):
        return CreateV264
    return CreateV215 if at_least(req, 2, 15) else CreateV21


def policy_and_rules(parsed: CreateV21 | CreateV215 | CreateV264) -> tuple[str, str, dict[str, Any]]:
    """(name, policy, rules) of a validated body."""
    group = parsed.server_group
    if isinstance(group, _GroupV264):
        rules = group.rules.model_dump(exclude_unset=True) if group.rules is not None else {}
        return group.name, group.policy, rules
    return group.name, group.policies[0], {}
