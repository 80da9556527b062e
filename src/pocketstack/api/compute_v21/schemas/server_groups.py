"""Body of POST /os-server-groups, per microversion (nova/api/openstack/compute/schemas/
server_groups.py): below 2.64 a one-item ``policies`` list (the soft policies from 2.15); from
2.64 one ``policy`` and optional ``rules``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.common.validation import Wire
from pocketstack.api.compute_v21.request import version
from pocketstack.api.compute_v21.schemas.parameters import Name, PositiveInt
from pocketstack.api.compute_v21.version_ranges import Ranged

HardPolicy = Literal["anti-affinity", "affinity"]
AnyPolicy = Literal["anti-affinity", "affinity", "soft-anti-affinity", "soft-affinity"]


class Rules(Wire):
    max_server_per_host: PositiveInt = None  # type: ignore[assignment]


class _GroupV21(Wire):
    name: Name
    policies: Annotated[list[HardPolicy], Field(min_length=1, max_length=1)]


class _GroupV215(Wire):
    name: Name
    policies: Annotated[list[AnyPolicy], Field(min_length=1, max_length=1)]


class _GroupV264(Wire):
    name: Name
    policy: AnyPolicy
    rules: Rules = None  # type: ignore[assignment]


class CreateV21(Wire):
    server_group: _GroupV21


class CreateV215(Wire):
    server_group: _GroupV215


class CreateV264(Wire):
    server_group: _GroupV264


CREATE_BODY: Ranged[type[CreateV21] | type[CreateV215] | type[CreateV264]] = Ranged(
    "server_group.create_body",
    ("2.0", "2.14", CreateV21),
    ("2.15", "2.63", CreateV215),
    ("2.64", None, CreateV264),
)


def create_model(req: ApiRequest) -> type[CreateV21] | type[CreateV215] | type[CreateV264]:
    return CREATE_BODY.at(version(req))


def policy_and_rules(parsed: CreateV21 | CreateV215 | CreateV264) -> tuple[str, str, dict[str, Any]]:
    """(name, policy, rules) of a validated body."""
    group = parsed.server_group
    if isinstance(group, _GroupV264):
        rules = group.rules.model_dump(exclude_unset=True) if group.rules is not None else {}
        return group.name, group.policy, rules
    return group.name, group.policies[0], {}
