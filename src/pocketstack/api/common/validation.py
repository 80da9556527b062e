"""Wire validation with pydantic: a failed check is a 400 that names the field."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from pocketstack.core.errors import BadRequest

M = TypeVar("M", bound=BaseModel)
# The largest integer any store column holds (a signed 64-bit BIGINT); past it SQLite overflows.
MAX_INT64 = 2**63 - 1


class Wire(BaseModel):
    """Base for request bodies: unknown fields are refused."""

    # Validators are built on first use, not at import: dozens of request models would
    # otherwise add a good part of a second to every start.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, defer_build=True)


class OpenWire(BaseModel):
    """Base for request bodies that, like Keystone's, keep unknown fields as extra attributes."""

    model_config = ConfigDict(extra="allow", defer_build=True)


def parse(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise BadRequest(f"Invalid input for field '{where}': {first['msg']}.") from None


def query_bool(value: str | None) -> bool | None:
    """OpenStack query booleans: true/1/yes/on, false/0/no/off; a bare key counts as true."""
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered in ("", "true", "1", "yes", "on", "t", "y"):
        return True
    if lowered in ("false", "0", "no", "off", "f", "n"):
        return False
    raise BadRequest(f"Expected a boolean value, got {value!r}.")
