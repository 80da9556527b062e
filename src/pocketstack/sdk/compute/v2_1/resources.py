"""Compute v2.1 bodies: flavors, keypairs, server groups, limits, hypervisors, availability
zones (and, from :mod:`.server`, servers, their interfaces and actions)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field

from pocketstack.sdk.compute.v2_1.server import Server, ServerAction, ServerActionEvent, ServerInterface
from pocketstack.sdk.resource import CREATE_ONLY, READ_ONLY, Paging, Resource


def _blank_is_none(value: Any) -> Any:
    """Nova writes some empty numbers as ``""`` (a flavor's swap below 2.75, its rxtx_factor)."""
    return None if value == "" else value


class Flavor(Resource):
    service_type: ClassVar[str] = "compute"
    base_path: ClassVar[str] = "/flavors"
    list_path: ClassVar[str | None] = "/flavors/detail"
    resource_key: ClassVar[str | None] = "flavor"
    resources_key: ClassVar[str | None] = "flavors"

    id: Annotated[str | None, CREATE_ONLY] = None
    name: Annotated[str | None, CREATE_ONLY] = None
    description: str | None = None
    vcpus: Annotated[int | None, CREATE_ONLY] = None
    ram: Annotated[int | None, CREATE_ONLY] = None
    disk: Annotated[int | None, CREATE_ONLY] = None
    swap: Annotated[int | None, CREATE_ONLY, BeforeValidator(_blank_is_none)] = None
    ephemeral: Annotated[int | None, CREATE_ONLY] = Field(None, alias="OS-FLV-EXT-DATA:ephemeral")
    rxtx_factor: Annotated[float | None, CREATE_ONLY, BeforeValidator(_blank_is_none)] = None
    is_public: Annotated[bool | None, CREATE_ONLY] = Field(None, alias="os-flavor-access:is_public")
    is_disabled: Annotated[bool | None, READ_ONLY] = Field(None, alias="OS-FLV-DISABLED:disabled")
    extra_specs: Annotated[dict[str, str] | None, READ_ONLY] = None
    """Shown from 2.61 to those who may read them; else see ``fetch_flavor_extra_specs``."""
    links: Annotated[list[dict[str, Any]] | None, READ_ONLY] = None


class Keypair(Resource):
    """A user's SSH (or x509) key, named: the name is its id. ``private_key`` is there only in
    the answer of a create that generated the key."""

    service_type: ClassVar[str] = "compute"
    base_path: ClassVar[str] = "/os-keypairs"
    resource_key: ClassVar[str | None] = "keypair"
    resources_key: ClassVar[str | None] = "keypairs"
    id_attr: ClassVar[str] = "name"

    name: Annotated[str | None, CREATE_ONLY] = None
    public_key: Annotated[str | None, CREATE_ONLY] = None
    type: Annotated[str | None, CREATE_ONLY] = None
    user_id: Annotated[str | None, CREATE_ONLY] = None
    private_key: Annotated[str | None, READ_ONLY] = None
    fingerprint: Annotated[str | None, READ_ONLY] = None
    created_at: Annotated[str | None, READ_ONLY] = None
    is_deleted: Annotated[bool | None, READ_ONLY] = Field(None, alias="deleted")

    @property
    def id(self) -> str | None:
        """The keypair's name (openstacksdk's ``id``); Nova's numeric id is ``self["id"]``."""
        return self.name


class ServerGroup(Resource):
    """A group of servers placed by a policy: ``policies`` (a one-item list) below 2.64,
    ``policy`` and ``rules`` from 2.64."""

    service_type: ClassVar[str] = "compute"
    base_path: ClassVar[str] = "/os-server-groups"
    resource_key: ClassVar[str | None] = "server_group"
    resources_key: ClassVar[str | None] = "server_groups"
    paging: ClassVar[Paging] = "none"

    id: Annotated[str | None, READ_ONLY] = None
    name: str | None = None
    policy: str | None = None
    policies: list[str] | None = None
    rules: dict[str, Any] | None = None
    member_ids: Annotated[list[str] | None, READ_ONLY] = Field(None, alias="members")
    metadata: Annotated[dict[str, Any] | None, READ_ONLY] = None
    project_id: Annotated[str | None, READ_ONLY] = None
    user_id: Annotated[str | None, READ_ONLY] = None


class AbsoluteLimits(Resource):
    """The project's limits and what it uses of them (``GET /limits``' ``absolute``)."""

    image_meta: int | None = Field(None, alias="maxImageMeta")
    personality: int | None = Field(None, alias="maxPersonality")
    personality_size: int | None = Field(None, alias="maxPersonalitySize")
    security_group_rules: int | None = Field(None, alias="maxSecurityGroupRules")
    security_groups: int | None = Field(None, alias="maxSecurityGroups")
    security_groups_used: int | None = Field(None, alias="totalSecurityGroupsUsed")
    server_meta: int | None = Field(None, alias="maxServerMeta")
    total_cores: int | None = Field(None, alias="maxTotalCores")
    total_cores_used: int | None = Field(None, alias="totalCoresUsed")
    floating_ips: int | None = Field(None, alias="maxTotalFloatingIps")
    floating_ips_used: int | None = Field(None, alias="totalFloatingIpsUsed")
    instances: int | None = Field(None, alias="maxTotalInstances")
    instances_used: int | None = Field(None, alias="totalInstancesUsed")
    keypairs: int | None = Field(None, alias="maxTotalKeypairs")
    total_ram: int | None = Field(None, alias="maxTotalRAMSize")
    total_ram_used: int | None = Field(None, alias="totalRAMUsed")
    server_groups: int | None = Field(None, alias="maxServerGroups")
    server_groups_used: int | None = Field(None, alias="totalServerGroupsUsed")
    server_group_members: int | None = Field(None, alias="maxServerGroupMembers")


class Limits(Resource):
    service_type: ClassVar[str] = "compute"
    base_path: ClassVar[str] = "/limits"
    resource_key: ClassVar[str | None] = "limits"

    absolute: AbsoluteLimits | None = None
    rate: list[dict[str, Any]] | None = None
    """Always empty in v2.1 (rate limits went with the legacy v2 API)."""


class Hypervisor(Resource):
    """A compute host (admins). Capacity fields are shown below 2.88 only; ``uptime`` from it."""

    service_type: ClassVar[str] = "compute"
    base_path: ClassVar[str] = "/os-hypervisors"
    list_path: ClassVar[str | None] = "/os-hypervisors/detail"
    resource_key: ClassVar[str | None] = "hypervisor"
    resources_key: ClassVar[str | None] = "hypervisors"

    id: str | int | None = None
    name: str | None = Field(None, alias="hypervisor_hostname")
    state: str | None = None
    status: str | None = None
    hypervisor_type: str | None = None
    hypervisor_version: int | None = None
    host_ip: str | None = None
    service_details: dict[str, Any] | None = Field(None, alias="service")
    servers: list[dict[str, Any]] | None = None
    uptime: str | None = None
    cpu_info: dict[str, Any] | str | None = None
    vcpus: int | None = None
    vcpus_used: int | None = None
    memory_size: int | None = Field(None, alias="memory_mb")
    memory_used: int | None = Field(None, alias="memory_mb_used")
    memory_free: int | None = Field(None, alias="free_ram_mb")
    local_disk_size: int | None = Field(None, alias="local_gb")
    local_disk_used: int | None = Field(None, alias="local_gb_used")
    local_disk_free: int | None = Field(None, alias="free_disk_gb")
    disk_available: int | None = Field(None, alias="disk_available_least")
    current_workload: int | None = None
    running_vms: int | None = None


class AvailabilityZone(Resource):
    service_type: ClassVar[str] = "compute"
    base_path: ClassVar[str] = "/os-availability-zone"
    resources_key: ClassVar[str | None] = "availabilityZoneInfo"
    id_attr: ClassVar[str] = "name"
    paging: ClassVar[Paging] = "none"

    name: str | None = Field(None, alias="zoneName")
    state: dict[str, Any] | None = Field(None, alias="zoneState")
    hosts: dict[str, Any] | None = None


__all__ = [
    "AbsoluteLimits",
    "AvailabilityZone",
    "Flavor",
    "Hypervisor",
    "Keypair",
    "Limits",
    "Server",
    "ServerAction",
    "ServerActionEvent",
    "ServerGroup",
    "ServerInterface",
]
