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
from pocketstack.api.compute_v21.version_ranges import Gate, Ranged, since, until, v

Gates = dict[str, Gate]
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
    "personality": until("2.56"),
    "description": since("2.19"),
    "tags": since("2.52"),
    "trusted_image_certificates": since("2.63"),
    "host": since("2.74"),
    "hypervisor_hostname": since("2.74"),
    "hostname": since("2.90"),
}
# The ``tag`` of networks and block devices: in 2.32, lost by mistake in 2.33 (block devices)
# and 2.37 (networks), back in 2.42 (GATES["server.device_tags_again"]).
NETWORK_TAG: Gates = {"tag": Gate(v("2.32"), v("2.36"))}
BDM_TAG: Gates = {"tag": Gate(v("2.32"), v("2.32")), "volume_type": since("2.67")}


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
    "description": since("2.19"),
    "hostname": since("2.90"),
    "pinned_availability_zone": since("2.104"),
}


class ServerCreate(Wire):
    server: ServerCreateBody
    os_scheduler_hints: SchedulerHints = Field(None, alias="os:scheduler_hints")  # type: ignore[assignment]
    os_sch_hnt: SchedulerHints = Field(None, alias="OS-SCH-HNT:scheduler_hints")  # type: ignore[assignment]


class ServerUpdate(Wire):
    server: ServerUpdateBody


# The ``server`` of a create and of an update, per microversion (2.0: the legacy v2 mode; the
# 2.90 hostname rules until 2.93, Nova's FQDNs from 2.94).
CREATE_BODY: Ranged[type[Wire]] = Ranged(
    "server.create_body",
    ("2.0", "2.0", ServerCreateBodyLegacy),
    ("2.1", "2.93", ServerCreateBodyV290),
    ("2.94", None, ServerCreateBody),
)
UPDATE_BODY: Ranged[type[Wire]] = Ranged(
    "server.update_body",
    ("2.0", "2.0", ServerUpdateBodyLegacy),
    ("2.1", "2.93", ServerUpdateBodyV290),
    ("2.94", "2.103", ServerUpdateBody),
    ("2.104", None, ServerUpdateBodyV2104),
)


@cache
def create_schema(version: Version) -> type[ServerCreate]:
    """``{"server": {...}, "os:scheduler_hints": {...}}`` as validated at ``version``."""
    return _container(ServerCreate, CREATE_BODY.at(version))


@cache
def update_schema(version: Version) -> type[ServerUpdate]:
    """``{"server": {...}}`` as validated at ``version``."""
    return _container(ServerUpdate, UPDATE_BODY.at(version))


def _container(base: type[Any], inner: type[Wire]) -> Any:
    return create_model(f"{base.__name__}_{inner.__name__}", __base__=base, server=(inner, ...))
