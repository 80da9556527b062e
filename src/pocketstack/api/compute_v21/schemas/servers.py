"""Request bodies of ``POST /servers`` and ``PUT /servers/{id}``, as Nova's schemas/servers.py.

One model holds every field a create (or an update) has at any microversion; ``CREATE_GATES``
and ``UPDATE_GATES`` say from (or until) which version a field exists, and ``create_model`` and
``update_model`` pick the variant whose field types hold at a version: in the legacy v2 mode
names may have spaces at their ends (they are stripped) and ``user_data`` may be null; 2.90 to
2.93 take an RFC 952 ``hostname``, 2.94 on a fully qualified one. Fields given ``None`` only as
their default refuse an explicit null; the nullable ones (``description``, a network's ``port``,
``trusted_image_certificates``) say ``| None``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StrictStr, StringConstraints, create_model

from pocketstack.api.common.validation import OpenWire, Wire
from pocketstack.api.compute_v21.microversions import Version
from pocketstack.api.compute_v21.schemas.parameters import (
    MAX_INT,
    Description,
    Fqdn,
    Hostname,
    IPAddress,
    IPv4,
    IPv6,
    LegacyName,
    Metadata,
    Name,
    NovaBool,
    PositiveInt,
    Tag,
    UserData,
    Uuid,
    check_uuid,
    fail,
    integer,
)

Gates = dict[str, tuple[Version, Version | None]]
DiskConfig = Literal["AUTO", "MANUAL"]
MAX_TAGS = 50  # Nova's instance.MAX_TAG_COUNT
_SIGNED = re.compile(r"-?[0-9]+")


def _flavor_ref(value: Any) -> str | int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        fail(f"{value!r} is not of type 'string', 'integer'")
    if value == "":
        fail("'' is too short")
    return value


def _image_ref(value: Any) -> str:
    """A UUID, or COMPAT: the empty string Nova lets a boot from volume send."""
    return value if value == "" else check_uuid(value)


def _boot_index(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        if not _SIGNED.fullmatch(value):
            fail(f"{value!r} does not match '{_SIGNED.pattern}'")
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        fail(f"{value!r} is not of type 'integer', 'string', 'null'")
    if not -MAX_INT - 1 <= value <= MAX_INT:
        fail(f"{value} is out of range")
    return value


def _trusted_certs(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not 1 <= len(value) <= 50:
        fail(f"{value!r} is not a list of 1 to 50 certificate ids")
    if len(set(map(repr, value))) != len(value):
        fail(f"{value!r} has non-unique elements")
    if not all(isinstance(item, str) and item for item in value):
        fail(f"{value!r} holds something other than non-empty strings")
    return value


FlavorRef = Annotated[str | int, BeforeValidator(_flavor_ref)]
ImageRef = Annotated[str, BeforeValidator(_image_ref)]
TrustedCerts = Annotated[list[str] | None, BeforeValidator(_trusted_certs)]
Text255 = Annotated[StrictStr, StringConstraints(max_length=255)]
DeviceName = Annotated[
    StrictStr, StringConstraints(min_length=1, max_length=255, pattern=r"^[a-zA-Z0-9._/-]*$")
]
VolumeRef = Annotated[
    StrictStr, StringConstraints(min_length=1, max_length=255, pattern=r"^[a-zA-Z0-9._-]*$")
]


class PersonalityFile(Wire):
    path: StrictStr = None  # type: ignore[assignment]
    contents: StrictStr = None  # type: ignore[assignment]


Personality = list[PersonalityFile]


class LegacyBlockDevice(Wire):
    virtual_name: Text255 = None  # type: ignore[assignment]
    volume_id: Uuid = None  # type: ignore[assignment]
    snapshot_id: Uuid = None  # type: ignore[assignment]
    volume_size: Annotated[int, integer(1)] = None  # type: ignore[assignment]
    device_name: DeviceName = None  # type: ignore[assignment]
    delete_on_termination: NovaBool = None  # type: ignore[assignment]
    no_device: Any = None
    connection_info: Annotated[StrictStr, StringConstraints(max_length=16777215)] = None  # type: ignore[assignment]


class BlockDevice(LegacyBlockDevice):
    """A ``block_device_mapping_v2`` item; ``tag`` is gated by ``BDM_TAG``, ``volume_type``
    comes with 2.67."""

    source_type: Literal["volume", "image", "snapshot", "blank"] = None  # type: ignore[assignment]
    uuid: VolumeRef = None  # type: ignore[assignment]
    image_id: Uuid = None  # type: ignore[assignment]
    destination_type: Literal["local", "volume"] = None  # type: ignore[assignment]
    guest_format: Text255 = None  # type: ignore[assignment]
    device_type: Text255 = None  # type: ignore[assignment]
    disk_bus: Text255 = None  # type: ignore[assignment]
    boot_index: Annotated[int | None, BeforeValidator(_boot_index)] = None
    tag: Tag = None  # type: ignore[assignment]
    volume_type: Annotated[str | None, StringConstraints(max_length=255)] = None


class RequestedNetwork(Wire):
    fixed_ip: IPAddress = None  # type: ignore[assignment]
    port: Uuid | None = None
    uuid: StrictStr = None  # type: ignore[assignment]
    tag: Tag = None  # type: ignore[assignment]


class SecurityGroup(Wire):
    name: Name = None  # type: ignore[assignment]


class SchedulerHints(OpenWire):
    """COMPAT: Nova takes scheduler hints it does not know (additionalProperties: true)."""

    group: Uuid | list[Uuid] = None  # type: ignore[assignment]
    different_host: Uuid | list[Uuid] = None  # type: ignore[assignment]
    same_host: StrictStr | list[Uuid] = None  # type: ignore[assignment]
    query: StrictStr | dict[str, Any] = None  # type: ignore[assignment]
    target_cell: Name = None  # type: ignore[assignment]
    different_cell: StrictStr | list[StrictStr] = None  # type: ignore[assignment]
    build_near_host_ip: IPAddress = None  # type: ignore[assignment]
    cidr: Annotated[StrictStr, StringConstraints(pattern=r"^/[0-9a-f.:]+$")] = None  # type: ignore[assignment]


class ServerCreateBody(Wire):
    name: Name
    imageRef: ImageRef = None  # type: ignore[assignment]  # noqa: N815 - Nova's wire names
    flavorRef: FlavorRef  # noqa: N815
    adminPass: StrictStr = None  # type: ignore[assignment]  # noqa: N815
    metadata: Metadata = None  # type: ignore[assignment]
    networks: Literal["auto", "none"] | list[RequestedNetwork] = None  # type: ignore[assignment]
    disk_config: DiskConfig = Field(None, alias="OS-DCF:diskConfig")  # type: ignore[assignment]
    accessIPv4: IPv4 = None  # type: ignore[assignment]  # noqa: N815
    accessIPv6: IPv6 = None  # type: ignore[assignment]  # noqa: N815
    personality: Personality = None  # type: ignore[assignment]
    availability_zone: Name = None  # type: ignore[assignment]
    block_device_mapping: list[LegacyBlockDevice] = None  # type: ignore[assignment]
    block_device_mapping_v2: list[BlockDevice] = None  # type: ignore[assignment]
    config_drive: NovaBool = False
    key_name: Name = None  # type: ignore[assignment]
    min_count: PositiveInt = 1
    max_count: PositiveInt = 1
    return_reservation_id: NovaBool = False
    security_groups: list[SecurityGroup] = None  # type: ignore[assignment]
    user_data: UserData = None  # type: ignore[assignment]
    description: Description = None
    tags: Annotated[list[Tag], Field(max_length=MAX_TAGS)] = None  # type: ignore[assignment]
    trusted_image_certificates: TrustedCerts = None
    host: Fqdn = None  # type: ignore[assignment]
    hypervisor_hostname: Fqdn = None  # type: ignore[assignment]
    hostname: Fqdn = None  # type: ignore[assignment]


class ServerCreateBodyV290(ServerCreateBody):
    hostname: Hostname = None  # type: ignore[assignment]


class ServerCreateBodyLegacy(ServerCreateBody):
    name: LegacyName
    availability_zone: LegacyName = None  # type: ignore[assignment]
    key_name: LegacyName = None  # type: ignore[assignment]
    user_data: UserData | None = None


CREATE_GATES: Gates = {
    "personality": (Version(2, 0), Version(2, 56)),
    "description": (Version(2, 19), None),
    "tags": (Version(2, 52), None),
    "trusted_image_certificates": (Version(2, 63), None),
    "host": (Version(2, 74), None),
    "hypervisor_hostname": (Version(2, 74), None),
    "hostname": (Version(2, 90), None),
}
# The ``tag`` of networks and block devices: in 2.32, lost by mistake in 2.33 (block devices)
# and 2.37 (networks), back in 2.42.
NETWORK_TAG: Gates = {"tag": (Version(2, 32), Version(2, 36))}
BDM_TAG: Gates = {"tag": (Version(2, 32), Version(2, 32)), "volume_type": (Version(2, 67), None)}
TAGS_AGAIN = Version(2, 42)


class ServerUpdateBody(Wire):
    name: Name = None  # type: ignore[assignment]
    disk_config: DiskConfig = Field(None, alias="OS-DCF:diskConfig")  # type: ignore[assignment]
    accessIPv4: IPv4 = None  # type: ignore[assignment]  # noqa: N815 - Nova's wire names
    accessIPv6: IPv6 = None  # type: ignore[assignment]  # noqa: N815
    description: Description = None
    hostname: Fqdn = None  # type: ignore[assignment]


class ServerUpdateBodyV290(ServerUpdateBody):
    hostname: Hostname = None  # type: ignore[assignment]


class ServerUpdateBodyV2104(ServerUpdateBody):
    # 2.104: null unpins; a zone name re-pins (Nova's name_or_none).
    pinned_availability_zone: Name | None = None


class ServerUpdateBodyLegacy(ServerUpdateBody):
    name: LegacyName = None  # type: ignore[assignment]


UPDATE_GATES: Gates = {
    "description": (Version(2, 19), None),
    "hostname": (Version(2, 90), None),
    "pinned_availability_zone": (Version(2, 104), None),
}


class ServerCreate(Wire):
    server: ServerCreateBody
    os_scheduler_hints: SchedulerHints = Field(None, alias="os:scheduler_hints")  # type: ignore[assignment]
    os_sch_hnt: SchedulerHints = Field(None, alias="OS-SCH-HNT:scheduler_hints")  # type: ignore[assignment]


class ServerUpdate(Wire):
    server: ServerUpdateBody


def _variant(version: Version, legacy: type[Wire], v290: type[Wire], current: type[Wire]) -> type[Wire]:
    if version < (2, 1):
        return legacy
    return current if version >= (2, 94) else v290


@cache
def create_schema(version: Version) -> type[ServerCreate]:
    """``{"server": {...}, "os:scheduler_hints": {...}}`` as validated at ``version``."""
    inner = _variant(version, ServerCreateBodyLegacy, ServerCreateBodyV290, ServerCreateBody)
    return _container(ServerCreate, inner)


@cache
def update_schema(version: Version) -> type[ServerUpdate]:
    """``{"server": {...}}`` as validated at ``version``."""
    current = ServerUpdateBodyV2104 if version >= (2, 104) else ServerUpdateBody
    inner = _variant(version, ServerUpdateBodyLegacy, ServerUpdateBodyV290, current)
    return _container(ServerUpdate, inner)


def _container(base: type[Any], inner: type[Wire]) -> Any:
    return create_model(f"{base.__name__}_{inner.__name__}", __base__=base, server=(inner, ...))
