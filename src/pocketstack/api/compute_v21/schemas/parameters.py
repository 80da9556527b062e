"""The compute schemas' shared parameter types, with the checks of Nova's
``nova/api/validation/parameter_types.py``: names, booleans, integers (bounded by Nova's
database integer), metadata, descriptions, UUIDs, IP addresses, tags and host names.

Each check raises ``fail(reason)``; ``api.common.validation.parse`` turns that into a 400 that
names the field. A field typed with one of these and given ``None`` only as its default refuses
an explicit null (the check sees ``None`` and fails), which is how the schemas say that a field
is optional but not nullable.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
import unicodedata
import uuid
from typing import Annotated, Any, NoReturn

from pydantic import BeforeValidator, StrictStr, StringConstraints
from pydantic_core import PydanticCustomError

MAX_INT = 0x7FFFFFFF  # Nova's database integer limit (nova/db/constants.py)
NAME_RULE = "printable characters. Can not start or end with whitespace."
LEGACY_NAME_RULE = "printable characters with at least one non space character"
META_KEY = re.compile(r"^[a-zA-Z0-9-_:. ]{1,255}$")
HOSTNAME = re.compile(r"^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$")  # RFC 952/1123 label
FQDN = re.compile(r"^[a-zA-Z0-9-._]*$")
TRUE_WORDS = ("True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes")
FALSE_WORDS = ("False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no")
_DIGITS = re.compile(r"[0-9]+")


def fail(message: str) -> NoReturn:
    raise PydanticCustomError("nova_schema", "{reason}", {"reason": message})


def printable(char: str) -> bool:
    """Nova's printable: no control/format/unassigned characters, no separators other than
    spaces; and COMPAT: only the Basic Multilingual Plane (Nova's regex stops at U+FFFE)."""
    category = unicodedata.category(char)
    return ord(char) < 0xFFFF and category[0] != "C" and (category[0] != "Z" or category == "Zs")


def _blank(char: str) -> bool:
    return unicodedata.category(char) == "Zs"


def _string(value: Any, nullable: bool = False) -> str:
    if not isinstance(value, str):
        kinds = "'string', 'null'" if nullable else "'string'"
        fail(f"{value!r} is not of type {kinds}")
    return value


def check_name(value: Any, legacy: bool = False) -> str:
    """Nova's ``name`` format: 1 to 255 printable characters, not starting or ending with a
    space; in the legacy v2 mode, spaces at the ends are allowed (and stripped)."""
    text = _string(value)
    if not 1 <= len(text) <= 255:
        fail(f"{text!r} should be 1 to 255 characters long")
    if legacy:
        if not all(printable(c) for c in text) or all(_blank(c) for c in text):
            fail(f"An invalid 'name' value was provided. The name must be: {LEGACY_NAME_RULE}")
        return text.strip()
    if not all(printable(c) for c in text) or _blank(text[0]) or _blank(text[-1]):
        fail(f"An invalid 'name' value was provided. The name must be: {NAME_RULE}")
    return text


def to_bool(value: Any) -> bool:
    """Nova's ``boolean`` parameter type: JSON booleans and the usual spellings."""
    if isinstance(value, bool):
        return value
    if value in TRUE_WORDS or value in FALSE_WORDS:
        return value in TRUE_WORDS
    fail(f"{value!r} is not one of {[True, *TRUE_WORDS, False, *FALSE_WORDS]}")


def integer(minimum: int, maximum: int = MAX_INT) -> BeforeValidator:
    """Nova's ``positive_integer``/``non_negative_integer``: an integer or a string of digits;
    bounded above by Nova's database integer so no value can overflow a column."""

    def check(value: Any) -> int:
        if isinstance(value, str) and _DIGITS.fullmatch(value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            fail(f"{value!r} is not of type 'integer', 'string'")
        if value < minimum:
            fail(f"{value} is less than the minimum of {minimum}")
        if value > maximum:
            fail(f"{value} is greater than the maximum of {maximum}")
        return value

    return BeforeValidator(check)


def check_metadata(value: Any, nullable_values: bool = False) -> dict[str, Any]:
    """Nova's ``metadata``: keys of 1-255 of ``[a-zA-Z0-9-_:. ]``, string values of up to 255
    characters (or null, with ``nullable_values``, as aggregates take to remove a key)."""
    if not isinstance(value, dict):
        fail(f"{value!r} is not of type 'object'")
    for key, item in value.items():
        if not META_KEY.match(key):
            fail(f"Additional properties are not allowed ({key!r} was unexpected)")
        if item is None and nullable_values:
            continue
        if not isinstance(item, str) or len(item) > 255:
            fail(f"{item!r} for {key!r} is not a string of up to 255 characters")
    return value


def description(max_length: int) -> BeforeValidator:
    """Nova's ``description``: null, or up to ``max_length`` printable characters."""

    def check(value: Any) -> str | None:
        if value is None:
            return None
        text = _string(value, nullable=True)
        if len(text) > max_length or not all(printable(c) for c in text):
            fail(f"A description holds at most {max_length} printable characters (no control characters).")
        return text

    return BeforeValidator(check)


def check_uuid(value: Any) -> str:
    """Nova's ``uuid`` format (oslo's ``is_uuid_like``: any spelling ``uuid.UUID`` reads)."""
    text = _string(value)
    try:
        uuid.UUID(text)
    except ValueError:
        fail(f"{text!r} is not a 'uuid'")
    return text


def _address(version: int) -> BeforeValidator:
    def check(value: Any) -> str:
        text = _string(value)
        try:
            parsed = ipaddress.ip_address(text)
        except ValueError:
            parsed = None
        if parsed is None or (version and parsed.version != version):
            fail(f"{text!r} is not a valid {f'IPv{version}' if version else 'IP'} address")
        return str(parsed)  # as Nova: the canonical form (an IPv6 address compressed)

    return BeforeValidator(check)


def _pattern(pattern: re.Pattern[str], low: int, high: int) -> BeforeValidator:
    def check(value: Any) -> str:
        text = _string(value)
        if not low <= len(text) <= high or not pattern.match(text):
            fail(f"{text!r} does not match '{pattern.pattern}' ({low} to {high} characters)")
        return text

    return BeforeValidator(check)


def _base64(value: Any) -> str:
    text = _string(value)
    if len(text) > 65535:
        fail("user_data is longer than 65535 characters")
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        fail("user_data is not valid base64")
    return text


Name = Annotated[str, BeforeValidator(check_name)]
LegacyName = Annotated[str, BeforeValidator(lambda v: check_name(v, legacy=True))]
NovaBool = Annotated[bool, BeforeValidator(to_bool)]
PositiveInt = Annotated[int, integer(1)]
NonNegativeInt = Annotated[int, integer(0)]
Metadata = Annotated[dict[str, str], BeforeValidator(check_metadata)]
MetadataWithNull = Annotated[
    dict[str, str | None], BeforeValidator(lambda v: check_metadata(v, nullable_values=True))
]
Description = Annotated[str | None, description(255)]
Uuid = Annotated[str, BeforeValidator(check_uuid)]
IPAddress = Annotated[str, _address(0)]
IPv4 = Annotated[str, _address(4)]
IPv6 = Annotated[str, _address(6)]
Tag = Annotated[StrictStr, StringConstraints(min_length=1, max_length=60, pattern=r"^[^,/]*$")]
Fqdn = Annotated[str, _pattern(FQDN, 1, 255)]
Hostname = Annotated[str, _pattern(HOSTNAME, 2, 63)]
ShortText = Annotated[StrictStr, StringConstraints(min_length=1, max_length=255)]
UserData = Annotated[str, BeforeValidator(_base64)]
