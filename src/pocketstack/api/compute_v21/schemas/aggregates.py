"""Bodies of the os-aggregates API, with the checks of Nova's schemas: Nova's ``name`` format,
zone names of printable characters but ``:``, host names as in os-services, and metadata keys
of ``[a-zA-Z0-9-_:. ]`` with string (or null, to remove) values of up to 255 characters.

In the legacy v2 mode, names and zones may have spaces at their ends, which are stripped; an
update's new name is taken that way at every version, as Nova does.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StrictStr, model_validator

from pocketstack.api.common.validation import Wire
from pocketstack.api.compute_v21.schemas.parameters import (
    Fqdn,
    LegacyName,
    MetadataWithNull,
    Name,
    fail,
    printable,
)

ZONE_RULE = "printable characters except :. Can not start or end with whitespace."


def check_zone(value: Any, legacy: bool = False) -> str | None:
    """Nova's ``az_name`` (or null); COMPAT: legacy v2 strips spaces at the ends."""
    if value is None:
        return None
    if not isinstance(value, str):
        fail(f"{value!r} is not of type 'string', 'null'")
    if not 1 <= len(value) <= 255:
        fail(f"{value!r} should be 1 to 255 characters long")
    text = value.strip() if legacy else value
    if not text or text != text.strip() or ":" in text or not all(printable(c) for c in text):
        fail(f"An invalid 'availability_zone' value was provided. The availability_zone must be: {ZONE_RULE}")
    return text


Zone = Annotated[str | None, BeforeValidator(check_zone)]
LegacyZone = Annotated[str | None, BeforeValidator(lambda v: check_zone(v, legacy=True))]


class NewAggregate(Wire):
    name: Name
    availability_zone: Zone = None


class NewAggregateLegacy(Wire):
    name: LegacyName
    availability_zone: LegacyZone = None


class CreateAggregate(Wire):
    aggregate: NewAggregate


class CreateAggregateLegacy(Wire):
    aggregate: NewAggregateLegacy


class AggregateChanges(Wire):
    name: LegacyName = None  # type: ignore[assignment]
    availability_zone: Zone = None

    @model_validator(mode="after")
    def _something(self) -> AggregateChanges:
        if not self.model_fields_set & {"name", "availability_zone"}:
            raise ValueError("either 'name' or 'availability_zone' is required")
        return self


class AggregateChangesLegacy(AggregateChanges):
    availability_zone: LegacyZone = None


class UpdateAggregate(Wire):
    aggregate: AggregateChanges


class UpdateAggregateLegacy(Wire):
    aggregate: AggregateChangesLegacy


class HostRef(Wire):
    host: Fqdn


class AddHost(Wire):
    add_host: HostRef


class RemoveHost(Wire):
    remove_host: HostRef


class Metadata(Wire):
    metadata: MetadataWithNull


class SetMetadata(Wire):
    set_metadata: Metadata


class CachedImage(Wire):
    id: Annotated[StrictStr, Field(min_length=1)]


class CacheImages(Wire):
    """POST /os-aggregates/{id}/images (2.81)."""

    cache: Annotated[list[CachedImage], Field(min_length=1)]
