"""Request bodies of /servers and server actions (Nova's schemas, by microversion)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from pocketstack.api.common.validation import Wire

Name = Annotated[str, StringConstraints(min_length=1, max_length=255)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=r"^[^,/]*$")]
Metadata = dict[
    Annotated[str, StringConstraints(min_length=1, max_length=255)],
    Annotated[str, StringConstraints(max_length=255)],
]


class RequestedNetwork(Wire):
    uuid: str | None = None
    port: str | None = None
    fixed_ip: str | None = None
    tag: str | None = None


class ServerCreateBody(Wire):
    name: Name
    imageRef: str | None = None
    flavorRef: str | int
    networks: Literal["auto", "none"] | list[RequestedNetwork] | None = None
    key_name: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    metadata: Metadata | None = None
    user_data: Annotated[str, StringConstraints(max_length=65535)] | None = None
    availability_zone: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    min_count: Annotated[int, Field(ge=1)] = 1
    max_count: Annotated[int, Field(ge=1)] = 1
    return_reservation_id: bool = False
    description: Annotated[str, StringConstraints(max_length=255)] | None = None
    tags: Annotated[list[Tag], Field(max_length=50)] | None = None
    hostname: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    accessIPv4: str | None = None
    accessIPv6: str | None = None
    adminPass: str | None = None
    config_drive: bool | str | None = None
    security_groups: list[dict[str, str]] | None = None
    block_device_mapping_v2: list[dict[str, Any]] | None = None
    block_device_mapping: list[dict[str, Any]] | None = None
    personality: list[dict[str, str]] | None = None
    trusted_image_certificates: list[str] | None = None
    host: str | None = None
    hypervisor_hostname: str | None = None
    OS_DCF_diskConfig: Literal["AUTO", "MANUAL"] | None = Field(default=None, alias="OS-DCF:diskConfig")


class SchedulerHints(Wire):
    group: str | None = None
    same_host: str | list[str] | None = None
    different_host: str | list[str] | None = None
    query: str | None = None
    target_cell: str | None = None
    build_near_host_ip: str | None = None
    cidr: str | None = None


class ServerCreate(Wire):
    server: ServerCreateBody
    os_scheduler_hints: SchedulerHints | None = Field(default=None, alias="os:scheduler_hints")
    os_sch_hnt: SchedulerHints | None = Field(default=None, alias="OS-SCH-HNT:scheduler_hints")


class ServerUpdateBody(Wire):
    name: Name | None = None
    description: Annotated[str, StringConstraints(max_length=255)] | None = None
    accessIPv4: str | None = None
    accessIPv6: str | None = None
    hostname: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    OS_DCF_diskConfig: Literal["AUTO", "MANUAL"] | None = Field(default=None, alias="OS-DCF:diskConfig")


class ServerUpdate(Wire):
    server: ServerUpdateBody
