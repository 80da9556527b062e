"""Request bodies of ``POST /os-keypairs``, one model per microversion range, as Nova's:

- v2 legacy: ``name`` may have spaces at its ends (they are stripped), any printable text;
- 2.1: ``name`` of letters, digits, ``_``, ``-`` and spaces; ``public_key`` optional;
- 2.2: adds ``type`` (``ssh`` or ``x509``);  2.10: adds ``user_id`` (admins only);
- 2.92: ``@`` and ``.`` allowed in names; ``public_key`` required (no generated keys).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, StrictStr

from pocketstack.api.common.validation import Wire
from pocketstack.api.compute_v21.microversions import Version
from pocketstack.api.compute_v21.schemas.parameters import LegacyName, check_name, fail
from pocketstack.api.compute_v21.version_ranges import Ranged

NAME_CHARS = re.compile(r"^[_\- a-zA-Z0-9]+$")
NAME_CHARS_V292 = re.compile(r"^[_\-@. a-zA-Z0-9]+$")


def _name(pattern: re.Pattern[str]) -> BeforeValidator:
    def check(value: Any) -> str:
        name = check_name(value)
        if not pattern.match(name):
            fail(f"{value!r} does not match '{pattern.pattern}'")
        return name

    return BeforeValidator(check)


Name = Annotated[str, _name(NAME_CHARS)]
NameV292 = Annotated[str, _name(NAME_CHARS_V292)]
# ``None`` is only the default for an absent key: an explicit null is refused, as in Nova.
OptionalText = StrictStr


class NewKeypair(Wire):
    name: Name
    public_key: OptionalText = None  # type: ignore[assignment]


class NewKeypairLegacy(NewKeypair):
    name: LegacyName


class NewKeypairV22(NewKeypair):
    type: Literal["ssh", "x509"] = "ssh"


class NewKeypairV210(NewKeypairV22):
    user_id: OptionalText = None  # type: ignore[assignment]


class NewKeypairV292(NewKeypairV210):
    name: NameV292
    public_key: StrictStr


class CreateKeypair(Wire):
    keypair: NewKeypair


class CreateKeypairLegacy(Wire):
    keypair: NewKeypairLegacy


class CreateKeypairV22(Wire):
    keypair: NewKeypairV22


class CreateKeypairV210(Wire):
    keypair: NewKeypairV210


class CreateKeypairV292(Wire):
    keypair: NewKeypairV292


# The body model per microversion (2.0 stands for the legacy v2 mode).
CREATE_BODY: Ranged[type[Wire]] = Ranged(
    "keypair.create_body",
    ("2.0", "2.0", CreateKeypairLegacy),
    ("2.1", "2.1", CreateKeypair),
    ("2.2", "2.9", CreateKeypairV22),
    ("2.10", "2.91", CreateKeypairV210),
    ("2.92", None, CreateKeypairV292),
)


def create_schema(version: Version) -> type[Wire]:
    """The body model for ``version`` (2.0 stands for the legacy v2 mode)."""
    return CREATE_BODY.at(version)
