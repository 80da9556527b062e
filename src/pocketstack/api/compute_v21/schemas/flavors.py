"""Request bodies of the flavor APIs (flavor-manage, flavor access, extra specs), with the
checks of Nova's JSON schemas: Nova's ``name`` format, integers given as numbers or digit
strings, OpenStack's boolean spellings, and the extra-spec key and value rules."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, RootModel

from pocketstack.api.common.validation import Wire
from pocketstack.api.compute_v21.schemas.parameters import (
    LegacyName,
    Name,
    NonNegativeInt,
    NovaBool,
    PositiveInt,
    description,
    fail,
)
from pocketstack.api.compute_v21.version_ranges import Ranged

MAX_FLOAT = 3.40282e38  # Nova's single-precision float limit
FLAVOR_ID = re.compile(r"^(?! )[a-zA-Z0-9. _-]+(?<! )$")
SPEC_KEY = re.compile(r"^[a-zA-Z0-9\-_:. ]{1,255}$")


def _rxtx(value: Any) -> float:
    if isinstance(value, str) and re.fullmatch(r"[0-9]+(\.[0-9]+)?", value):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        fail(f"{value!r} is not of type 'number', 'string'")
    if not 0 < value <= MAX_FLOAT:
        fail(f"{value} must be a float between 0 and {MAX_FLOAT:g}")
    return float(value)


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


Description = Annotated[str | None, description(65535)]


class NewFlavor(Wire):
    name: Name
    id: Annotated[str | None, BeforeValidator(_flavor_id)] = None
    ram: PositiveInt
    vcpus: PositiveInt
    disk: NonNegativeInt
    ephemeral: NonNegativeInt = Field(0, alias="OS-FLV-EXT-DATA:ephemeral")
    swap: NonNegativeInt = 0
    rxtx_factor: Annotated[float, BeforeValidator(_rxtx)] = 1.0
    is_public: NovaBool = Field(True, alias="os-flavor-access:is_public")


class NewFlavorLegacy(NewFlavor):
    name: LegacyName


class NewFlavorV255(NewFlavor):
    description: Description = None


class CreateFlavor(Wire):
    flavor: NewFlavor


class CreateFlavorLegacy(Wire):
    flavor: NewFlavorLegacy


class CreateFlavorV255(Wire):
    flavor: NewFlavorV255


# The body of POST /flavors outside the legacy v2 mode (which takes CreateFlavorLegacy).
CREATE_BODY: Ranged[type[CreateFlavor] | type[CreateFlavorV255]] = Ranged(
    "flavor.create_body", ("2.0", "2.54", CreateFlavor), ("2.55", None, CreateFlavorV255)
)


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
