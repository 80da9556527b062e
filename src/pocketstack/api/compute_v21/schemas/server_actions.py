"""Bodies of ``POST /servers/{id}/action``, one schema per action and microversion range, as
Nova's (schemas/servers.py, migrate_server.py, evacuate.py, shelve.py, lock_server.py, ...).

``schema_for(wire, version)`` gives the model that validates ``{wire: value}``, or None for the
actions whose value Nova takes as it comes (``pause``, ``os-start``, ``shelve``, ...). An action
whose value may be an object or null says so by a ``Model | None`` field.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StrictStr, create_model

from pocketstack.api.common.validation import Wire
from pocketstack.api.compute_v21.microversions import Version
from pocketstack.api.compute_v21.schemas.parameters import (
    MAX_INT,
    Description,
    Fqdn,
    Hostname,
    IPv4,
    IPv6,
    LegacyName,
    Metadata,
    Name,
    NonNegativeInt,
    NovaBool,
    ShortText,
    UserData,
    Uuid,
    fail,
    to_bool,
)
from pocketstack.api.compute_v21.schemas.servers import DiskConfig, FlavorRef, Personality, TrustedCerts

_SIGNED = re.compile(r"-?[0-9]+")
HARD_OR_SOFT = Literal["HARD", "Hard", "hard", "SOFT", "Soft", "soft"]


def _console_length(value: Any) -> int | None:
    """``length``: an integer from -1 (all of it), as a number or a string; null is all too."""
    if value is None:
        return None
    if isinstance(value, str) and _SIGNED.fullmatch(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        fail(f"{value!r} is not of type 'integer', 'string', 'null'")
    if not -1 <= value <= MAX_INT:
        fail(f"{value} is not between -1 and {MAX_INT}")
    return value


def _block_migration(value: Any) -> bool | str:
    return "auto" if value == "auto" else to_bool(value)


class Reboot(Wire):
    type: HARD_OR_SOFT


class Resize(Wire):
    flavorRef: FlavorRef  # noqa: N815 - Nova's wire name
    disk_config: DiskConfig = Field(None, alias="OS-DCF:diskConfig")  # type: ignore[assignment]


class Rebuild(Wire):
    """Every field rebuild has at any version; ``REBUILD_GATES`` says from (or until) when."""

    imageRef: Uuid  # noqa: N815 - Nova's wire name
    name: Name = None  # type: ignore[assignment]
    adminPass: StrictStr = None  # type: ignore[assignment]  # noqa: N815
    metadata: Metadata = None  # type: ignore[assignment]
    preserve_ephemeral: NovaBool = None  # type: ignore[assignment]
    disk_config: DiskConfig = Field(None, alias="OS-DCF:diskConfig")  # type: ignore[assignment]
    accessIPv4: IPv4 = None  # type: ignore[assignment]  # noqa: N815
    accessIPv6: IPv6 = None  # type: ignore[assignment]  # noqa: N815
    personality: Personality = None  # type: ignore[assignment]
    description: Description = None
    key_name: ShortText | None = None  # Nova's ``name_or_none``: null takes the key away
    user_data: UserData | None = None
    trusted_image_certificates: TrustedCerts = None
    hostname: Fqdn = None  # type: ignore[assignment]


class RebuildV290(Rebuild):
    hostname: Hostname = None  # type: ignore[assignment]


class RebuildLegacy(Rebuild):
    name: LegacyName = None  # type: ignore[assignment]


REBUILD_GATES: dict[str, tuple[Version, Version | None]] = {
    "personality": (Version(2, 0), Version(2, 56)),
    "description": (Version(2, 19), None),
    "key_name": (Version(2, 54), None),
    "user_data": (Version(2, 57), None),
    "trusted_image_certificates": (Version(2, 63), None),
    "hostname": (Version(2, 90), None),
}


class CreateImage(Wire):
    name: Name
    metadata: Metadata = None  # type: ignore[assignment]


class CreateImageLegacy(CreateImage):
    name: LegacyName


class CreateBackup(Wire):
    name: Name
    backup_type: StrictStr
    rotation: NonNegativeInt
    metadata: Metadata = None  # type: ignore[assignment]


class CreateBackupLegacy(CreateBackup):
    name: LegacyName


class ChangePassword(Wire):
    adminPass: StrictStr  # noqa: N815 - Nova's wire name


class Lock(Wire):
    locked_reason: ShortText = None  # type: ignore[assignment]


class ResetState(Wire):
    state: Literal["active", "error"]


class Migrate(Wire):
    host: Fqdn | None = None


class MigrateLive(Wire):
    block_migration: NovaBool
    disk_over_commit: NovaBool
    host: Fqdn | None


class MigrateLiveV225(Wire):
    block_migration: Annotated[bool | str, BeforeValidator(_block_migration)]
    host: Fqdn | None


class MigrateLiveV230(MigrateLiveV225):
    force: NovaBool = None  # type: ignore[assignment]


class Evacuate(Wire):
    host: Fqdn = None  # type: ignore[assignment]
    onSharedStorage: NovaBool  # noqa: N815 - Nova's wire name
    adminPass: StrictStr = None  # type: ignore[assignment]  # noqa: N815


class EvacuateV214(Wire):
    host: Fqdn = None  # type: ignore[assignment]
    adminPass: StrictStr = None  # type: ignore[assignment]  # noqa: N815


class EvacuateV229(EvacuateV214):
    force: NovaBool = None  # type: ignore[assignment]


class UnshelveV277(Wire):
    availability_zone: Name


class UnshelveV291(Wire):
    availability_zone: StrictStr | None = None
    host: StrictStr = None  # type: ignore[assignment]


class Rescue(Wire):
    adminPass: StrictStr = None  # type: ignore[assignment]  # noqa: N815
    rescue_image_ref: Uuid = None  # type: ignore[assignment]


class ConsoleOutput(Wire):
    length: Annotated[int | None, BeforeValidator(_console_length)] = None


def _console(*types: str) -> type[Wire]:
    name = f"Console_{re.sub(r'[^a-zA-Z0-9]', '_', types[0])}"
    return create_model(name, __base__=Wire, type=(Literal[types], ...))  # type: ignore[valid-type]


# wire action -> (since, until, model of its value, whether null is accepted too)
_Row = tuple[Version, Version | None, type[Wire] | None, bool]
_ANY = Version(2, 0)
SCHEMAS: dict[str, tuple[_Row, ...]] = {
    "reboot": ((_ANY, None, Reboot, False),),
    "rebuild": (
        (_ANY, _ANY, RebuildLegacy, False),
        (Version(2, 1), Version(2, 93), RebuildV290, False),
        (Version(2, 94), None, Rebuild, False),
    ),
    "resize": ((_ANY, None, Resize, False),),
    "createImage": ((_ANY, _ANY, CreateImageLegacy, False), (Version(2, 1), None, CreateImage, False)),
    "createBackup": ((_ANY, _ANY, CreateBackupLegacy, False), (Version(2, 1), None, CreateBackup, False)),
    "changePassword": ((_ANY, None, ChangePassword, False),),
    "lock": ((Version(2, 73), None, Lock, True),),
    "os-resetState": ((_ANY, None, ResetState, False),),
    "migrate": ((Version(2, 56), None, Migrate, True),),
    "os-migrateLive": (
        (_ANY, Version(2, 24), MigrateLive, False),
        (Version(2, 25), Version(2, 29), MigrateLiveV225, False),
        (Version(2, 30), Version(2, 67), MigrateLiveV230, False),
        (Version(2, 68), None, MigrateLiveV225, False),
    ),
    "evacuate": (
        (_ANY, Version(2, 13), Evacuate, False),
        (Version(2, 14), Version(2, 28), EvacuateV214, False),
        (Version(2, 29), Version(2, 67), EvacuateV229, False),
        (Version(2, 68), None, EvacuateV214, False),
    ),
    "unshelve": (
        (Version(2, 77), Version(2, 90), UnshelveV277, True),
        (Version(2, 91), None, UnshelveV291, True),
    ),
    "rescue": ((_ANY, None, Rescue, True),),
    "trigger_crash_dump": ((_ANY, None, None, True),),
    "os-getConsoleOutput": ((_ANY, None, ConsoleOutput, False),),
    "os-getVNCConsole": ((_ANY, None, _console("novnc", "xvpvnc"), False),),
    "os-getSPICEConsole": ((_ANY, None, _console("spice-html5"), False),),
    "os-getSerialConsole": ((_ANY, None, _console("serial"), False),),
}


@cache
def _wrapper(wire: str, model: type[Wire] | None, nullable: bool) -> type[Wire]:
    """``{wire: value}`` as a model, so a failure names ``wire.field`` as Nova's does."""
    kind: Any = None if model is None else (model | None if nullable else model)
    field = (kind, Field(alias=wire))
    return create_model(f"Action_{re.sub(r'[^a-zA-Z0-9]', '_', wire)}", __base__=Wire, value=field)


def schema_for(wire: str, version: Version) -> type[Wire] | None:
    """The model of ``{wire: value}`` at ``version``; None when Nova checks no schema."""
    for since, until, model, nullable in SCHEMAS.get(wire, ()):
        if since <= version and (until is None or version <= until):
            return _wrapper(wire, model, nullable)
    return None
