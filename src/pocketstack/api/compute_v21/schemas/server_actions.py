"""Bodies of ``POST /servers/{id}/action``, one schema per action and microversion range, as
Nova's (schemas/servers.py, migrate_server.py, evacuate.py, shelve.py, lock_server.py, ...).

``BODIES`` holds, per action, what its value must be in each microversion range (ranges cover
every version: tests/unit/test_version_ranges.py); ``schema_for(wire, version)`` gives the model
that validates ``{wire: value}``, UNCHECKED for the values Nova takes as they come (``pause``,
``os-start``, ``shelve``, ...) and ABSENT where the action does not exist yet. An action whose
value may be an object or null says so by ``nullable``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated, Any, Literal, NamedTuple

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
from pocketstack.api.compute_v21.version_ranges import Gate, Ranged, since, until

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


REBUILD_GATES: dict[str, Gate] = {
    "personality": until("2.56"),
    "description": since("2.19"),
    "key_name": since("2.54"),
    "user_data": since("2.57"),
    "trusted_image_certificates": since("2.63"),
    "hostname": since("2.90"),
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


class Body(NamedTuple):
    """What ``{wire: value}`` must hold at some microversions: ``model`` (None: only null), and
    whether null is accepted too."""

    model: type[Wire] | None
    nullable: bool = False


# Nova takes the value as it comes (no schema), or there is no such action at that version.
UNCHECKED, ABSENT = "unchecked", "absent"
Check = Body | Literal["unchecked", "absent"]


def _all(check: Check) -> tuple[str, None, Check]:
    return ("2.0", None, check)


# wire action -> what its value must be, per microversion range (every range from 2.0 covered)
BODIES: dict[str, Ranged[Check]] = {
    wire: Ranged(f"action.{wire}.body", *rows)
    for wire, rows in {
        "reboot": (_all(Body(Reboot)),),
        "rebuild": (
            ("2.0", "2.0", Body(RebuildLegacy)),
            ("2.1", "2.93", Body(RebuildV290)),
            ("2.94", None, Body(Rebuild)),
        ),
        "resize": (_all(Body(Resize)),),
        "createImage": (("2.0", "2.0", Body(CreateImageLegacy)), ("2.1", None, Body(CreateImage))),
        "createBackup": (("2.0", "2.0", Body(CreateBackupLegacy)), ("2.1", None, Body(CreateBackup))),
        "changePassword": (_all(Body(ChangePassword)),),
        "lock": (("2.0", "2.72", UNCHECKED), ("2.73", None, Body(Lock, nullable=True))),
        "os-resetState": (_all(Body(ResetState)),),
        "migrate": (("2.0", "2.55", UNCHECKED), ("2.56", None, Body(Migrate, nullable=True))),
        "os-migrateLive": (
            ("2.0", "2.24", Body(MigrateLive)),
            ("2.25", "2.29", Body(MigrateLiveV225)),
            ("2.30", "2.67", Body(MigrateLiveV230)),
            ("2.68", None, Body(MigrateLiveV225)),
        ),
        "evacuate": (
            ("2.0", "2.13", Body(Evacuate)),
            ("2.14", "2.28", Body(EvacuateV214)),
            ("2.29", "2.67", Body(EvacuateV229)),
            ("2.68", None, Body(EvacuateV214)),
        ),
        "unshelve": (
            ("2.0", "2.76", UNCHECKED),
            ("2.77", "2.90", Body(UnshelveV277, nullable=True)),
            ("2.91", None, Body(UnshelveV291, nullable=True)),
        ),
        "rescue": (_all(Body(Rescue, nullable=True)),),
        "trigger_crash_dump": (("2.0", "2.16", ABSENT), ("2.17", None, Body(None, nullable=True))),
        "os-getConsoleOutput": (_all(Body(ConsoleOutput)),),
        "os-getVNCConsole": (_all(Body(_console("novnc", "xvpvnc"))),),
        "os-getSPICEConsole": (_all(Body(_console("spice-html5"))),),
        "os-getSerialConsole": (_all(Body(_console("serial"))),),
    }.items()
}


@cache
def _wrapper(wire: str, model: type[Wire] | None, nullable: bool) -> type[Wire]:
    """``{wire: value}`` as a model, so a failure names ``wire.field`` as Nova's does."""
    kind: Any = None if model is None else (model | None if nullable else model)
    field = (kind, Field(alias=wire))
    return create_model(f"Action_{re.sub(r'[^a-zA-Z0-9]', '_', wire)}", __base__=Wire, value=field)


def schema_for(wire: str, version: Version) -> type[Wire] | Literal["unchecked", "absent"]:
    """The model of ``{wire: value}`` at ``version``, UNCHECKED when Nova checks no schema
    there, ABSENT when the action does not exist at that version."""
    check = BODIES[wire].at(version) if wire in BODIES else UNCHECKED
    if isinstance(check, Body):
        return _wrapper(wire, check.model, check.nullable)
    return check
