"""Request bodies of the flavor APIs (flavor-manage, flavor access, extra specs), with the
checks of Nova's JSON schemas: Nova's ``name`` format, integers given as numbers or digit
strings, OpenStack's boolean spellings, and the extra-spec key and value rules."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, NoReturn

from pydantic import BeforeValidator, Field, RootModel
from pydantic_core import PydanticCustomError

from pocketstack.api.common.validation import Wire

MAX_INT = 0x7FFFFFFF  # Nova's database integer limit
MAX_FLOAT = 3.40282e38  # ... and its single-precision float limit
TRUE_WORDS = ("True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes")
FALSE_WORDS = ("False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no")
FLAVOR_ID = re.compile(r"^(?! )[a-zA-Z0-9. _-]+(?<! )$")
SPEC_KEY = re.compile(r"^[a-zA-Z0-9\-_:. ]{1,255}$")
NAME_RULE = "printable characters. Can not start or end with whitespace."
LEGACY_NAME_RULE = "printable characters with at least one non space character"


def fail(message: str) -> NoReturn:
    raise PydanticCustomError("nova_schema", "{reason}", {"reason": message})


def printable(char: str) -> bool:
    """Nova's printable: no control/format/unassigned characters, no separators other than
    spaces; and COMPAT: only the Basic Multilingual Plane (Nova's regex stops at U+FFFE)."""
    category = unicodedata.category(char)
    return ord(char) < 0xFFFF and category[0] != "C" and (category[0] != "Z" or category == "Zs")


def _blank(char: str) -> bool:
    return unicodedata.category(char) == "Zs"


def check_name(value: Any, legacy: bool = False) -> str:
    """Nova's ``name`` format: 1 to 255 printable characters, not starting or ending with a
    space; in the legacy v2 mode, spaces at the ends are allowed (and stripped)."""
    if not isinstance(value, str):
        fail(f"{value!r} is not of type 'string'")
    if not 1 <= len(value) <= 255:
        fail(f"{value!r} should be 1 to 255 characters long")
    if legacy:
        if not all(printable(c) for c in value) or all(_blank(c) for c in value):
            fail(f"An invalid 'name' value was provided. The name must be: {LEGACY_NAME_RULE}")
        return value.strip()
    if not all(printable(c) for c in value) or _blank(value[0]) or _blank(value[-1]):
        fail(f"An invalid 'name' value was provided. The name must be: {NAME_RULE}")
    return value


def _integer(minimum: int) -> BeforeValidator:
    def check(value: Any) -> int:
        if isinstance(value, str) and re.fullmatch(r"[0-9]+", value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            fail(f"{value!r} is not of type 'integer', 'string'")
        if value < minimum:
            fail(f"{value} is less than the minimum of {minimum}")
        if value > MAX_INT:
            fail(f"{value} is greater than the maximum of {MAX_INT}")
        return value

    return BeforeValidator(check)


def _rxtx(value: Any) -> float:
    if isinstance(value, str) and re.fullmatch(r"[0-9]+(\.[0-9]+)?", value):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        fail(f"{value!r} is not of type 'number', 'string'")
    if not 0 < value <= MAX_FLOAT:
        fail(f"{value} must be a float between 0 and {MAX_FLOAT:g}")
    return float(value)


def to_bool(value: Any) -> bool:
    """Nova's ``boolean`` parameter type: JSON booleans and the usual spellings."""
    if isinstance(value, bool):
        return value
    if value in TRUE_WORDS or value in FALSE_WORDS:
        return value in TRUE_WORDS
    fail(f"{value!r} is not one of {[True, *TRUE_WORDS, False, *FALSE_WORDS]}")


def _flavor_id(value: Any) -> str | None:
    """COMPAT: a number is taken as its text, and 0 (or null) asks for a generated UUID."""
    if value is None:
        return None
    if isinstance(value, str):
        if not 1 <= len(value) <= 255 or not FLAVOR_ID.match(value):
            fail(f"{value!r} does not match '{FLAVOR_ID.pattern}'")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        fail(f"{value!r} is not of type 'string', 'number', 'null'")
    return str(value) if value else None


def _description(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        fail(f"{value!r} is not of type 'string', 'null'")
    if len(value) > 65535 or not all(printable(c) for c in value):
        fail("A description holds at most 65535 printable characters (no control characters).")
    return value


Positive = Annotated[int, _integer(1)]
NonNegative = Annotated[int, _integer(0)]
Description = Annotated[str | None, BeforeValidator(_description)]


class NewFlavor(Wire):
    name: Annotated[str, BeforeValidator(check_name)]
    id: Annotated[str | None, BeforeValidator(_flavor_id)] = None
    ram: Positive
    vcpus: Positive
    disk: NonNegative
    ephemeral: NonNegative = Field(0, alias="OS-FLV-EXT-DATA:ephemeral")
    swap: NonNegative = 0
    rxtx_factor: Annotated[float, BeforeValidator(_rxtx)] = 1.0
    is_public: Annotated[bool, BeforeValidator(to_bool)] = Field(True, alias="os-flavor-access:is_public")


class NewFlavorLegacy(NewFlavor):
    name: Annotated[str, BeforeValidator(lambda v: check_name(v, legacy=True))]


class NewFlavorV255(NewFlavor):
    description: Description = None


class CreateFlavor(Wire):
    flavor: NewFlavor


class CreateFlavorLegacy(Wire):
    flavor: NewFlavorLegacy


class CreateFlavorV255(Wire):
    flavor: NewFlavorV255


class FlavorDescription(Wire):
    description: Description


class UpdateFlavor(Wire):
    """PUT /flavors/{id} (2.55+): only the description can change, so it is required."""

    flavor: FlavorDescription


class TenantAccess(Wire):
    tenant: Annotated[str, Field(min_length=1, max_length=255, strict=True)]


class AddTenantAccess(Wire):
    addTenantAccess: TenantAccess  # noqa: N815 - Nova's wire name


class RemoveTenantAccess(Wire):
    removeTenantAccess: TenantAccess  # noqa: N815 - Nova's wire name


def spec_values(value: Any, exact_one: bool = False) -> dict[str, str]:
    """Check an extra-specs mapping as Nova's schema does and return it with the values as
    the strings they are stored as (numbers are accepted and kept as their text)."""
    if not isinstance(value, dict):
        fail(f"{value!r} is not of type 'object'")
    if exact_one and len(value) != 1:
        fail(f"{value!r} should have exactly one property")
    specs: dict[str, str] = {}
    for key, item in value.items():
        if not SPEC_KEY.match(key):
            fail(f"Additional properties are not allowed ({key!r} was unexpected)")
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            fail(f"{item!r} is not of type 'string', 'number'")
        text = item if isinstance(item, str) else str(item)
        if len(text) > 255:
            fail(f"extra_specs value for {key!r} is longer than 255 characters")
        specs[key] = text
    return specs


class CreateExtraSpecs(Wire):
    extra_specs: Annotated[dict[str, str], BeforeValidator(spec_values)]


class ExtraSpec(
    RootModel[Annotated[dict[str, str], BeforeValidator(lambda v: spec_values(v, exact_one=True))]]
):
    """PUT /flavors/{id}/os-extra_specs/{key}: the body is ``{key: value}`` itself."""
