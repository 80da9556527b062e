"""Network v2 security group and security group rule bodies (openstacksdk's names). Rules are
never updated: every attribute is sent on create only."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field

from pocketstack.sdk.network.v2.resources import NetworkResource
from pocketstack.sdk.resource import CREATE_ONLY, READ_ONLY


class SecurityGroup(NetworkResource):
    base_path: ClassVar[str] = "/security-groups"
    resource_key: ClassVar[str | None] = "security_group"
    resources_key: ClassVar[str | None] = "security_groups"

    name: str | None = None
    description: str | None = None
    stateful: bool | None = None
    security_group_rules: Annotated[list[dict[str, Any]] | None, READ_ONLY] = None


class SecurityGroupRule(NetworkResource):
    base_path: ClassVar[str] = "/security-group-rules"
    resource_key: ClassVar[str | None] = "security_group_rule"
    resources_key: ClassVar[str | None] = "security_group_rules"

    security_group_id: Annotated[str | None, CREATE_ONLY] = None
    description: Annotated[str | None, CREATE_ONLY] = None
    direction: Annotated[str | None, CREATE_ONLY] = None
    ether_type: Annotated[str | None, CREATE_ONLY] = Field(None, alias="ethertype")
    protocol: Annotated[str | int | None, CREATE_ONLY] = None
    port_range_min: Annotated[int | None, CREATE_ONLY] = None
    port_range_max: Annotated[int | None, CREATE_ONLY] = None
    remote_ip_prefix: Annotated[str | None, CREATE_ONLY] = None
    remote_group_id: Annotated[str | None, CREATE_ONLY] = None
    remote_address_group_id: Annotated[str | None, CREATE_ONLY] = None
    normalized_cidr: Annotated[str | None, READ_ONLY] = None
    belongs_to_default_sg: Annotated[bool | None, READ_ONLY] = None
