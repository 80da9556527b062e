"""Bodies of PUT /os-quota-sets/{id} and PUT /os-quota-class-sets/{id}, per microversion.

Nova's schema (nova/api/openstack/compute/schemas/quota_sets.py): each limit is an integer or
a string of digits, from -1 to 2**31-1; ``force`` is Nova's loose boolean. The set of keys
shrinks with versions: the nova-network keys leave quota sets at 2.36 and quota classes at
2.50, the personality (``injected_*``) keys leave both at 2.57.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated, Any

from pydantic import AfterValidator, create_model

from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.common.validation import Wire
from pocketstack.api.compute_v21.request import version
from pocketstack.api.compute_v21.version_ranges import Ranged
from pocketstack.core.compute.quotas import MAX_LIMIT, NETWORK_RESOURCES, PERSONALITY_RESOURCES, RESOURCES

_DIGITS = re.compile(r"-?[0-9]+")
_TRUE = frozenset({"true", "1", "on", "yes"})
_FALSE = frozenset({"false", "0", "off", "no"})


def _limit(value: Any) -> int:
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{value!r} is not an integer")
    if not -1 <= value <= MAX_LIMIT:
        raise ValueError(f"{value} is not between -1 and {MAX_LIMIT}")
    return value


def _loose_bool(value: Any) -> bool:
    """COMPAT: Nova's ``parameter_types.boolean`` also takes strings such as "yes" and "On"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    raise ValueError(f"{value!r} is not a boolean")


Limit = Annotated[Any, AfterValidator(_limit)]
LooseBool = Annotated[Any, AfterValidator(_loose_bool)]


# The resources a quota set (and a quota class) leaves out, per microversion.
QUOTA_SET_HIDDEN: Ranged[tuple[str, ...]] = Ranged(
    "quota_set.hidden_resources",
    ("2.0", "2.35", ()),
    ("2.36", "2.56", NETWORK_RESOURCES),
    ("2.57", None, NETWORK_RESOURCES + PERSONALITY_RESOURCES),
)
QUOTA_CLASS_HIDDEN: Ranged[tuple[str, ...]] = Ranged(
    "quota_class.hidden_resources",
    ("2.0", "2.49", ()),
    ("2.50", "2.56", NETWORK_RESOURCES),
    ("2.57", None, NETWORK_RESOURCES + PERSONALITY_RESOURCES),
)


def visible_quota_resources(req: ApiRequest) -> tuple[str, ...]:
    """The resources a quota set has at the request's microversion."""
    hidden = QUOTA_SET_HIDDEN.at(version(req))
    return tuple(r for r in RESOURCES if r not in hidden)


def settable_class_resources(req: ApiRequest) -> tuple[str, ...]:
    """The resources a quota class takes at the request's microversion."""
    hidden = QUOTA_CLASS_HIDDEN.at(version(req))
    return tuple(r for r in RESOURCES if r not in hidden)


@cache
def _model(container: str, resources: tuple[str, ...], with_force: bool) -> type[Wire]:
    fields: dict[str, Any] = {r: (Limit, None) for r in resources}
    if with_force:
        fields["force"] = (LooseBool, None)
    inner = create_model(f"{container}_{len(resources)}", __base__=Wire, **fields)
    return create_model(f"{container}_body_{len(resources)}", __base__=Wire, **{container: (inner, ...)})


def quota_set_model(req: ApiRequest) -> type[Wire]:
    """``{"quota_set": {...limits, "force"}}`` for the request's microversion."""
    return _model("quota_set", visible_quota_resources(req), True)


def quota_class_set_model(req: ApiRequest) -> type[Wire]:
    """``{"quota_class_set": {...limits}}`` for the request's microversion."""
    return _model("quota_class_set", settable_class_resources(req), False)


def values_of(parsed: Wire, container: str) -> tuple[dict[str, int], bool]:
    """The limits given (unset keys left out) and ``force``."""
    given = getattr(parsed, container).model_dump(exclude_unset=True)
    force = bool(given.pop("force", False))
    return given, force
