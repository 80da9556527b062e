"""Network v2 bodies: networks, subnets, ports, quotas and extensions (routers and floating IPs
are in :mod:`.l3`, security groups in :mod:`.security`). Python names are openstacksdk's; the
wire names (``admin_state_up``, ``router:external``, ``binding:host_id`` ...) are aliases.

Neutron takes ``tags`` on create only (``set_tags`` changes them), and refuses any attribute a
PUT may not carry, so such fields are marked create-only and never sent by an update."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field

from pocketstack.sdk.resource import CREATE_ONLY, READ_ONLY, Paging, Resource

TAG_FILTERS = {"tags": "tags", "any_tags": "tags-any", "not_tags": "not-tags", "not_any_tags": "not-tags-any"}


class NetworkResource(Resource):
    """What every Neutron resource shares: its service, its standard attributes, and list
    filters given by Python name or wire name."""

    service_type: ClassVar[str] = "network"

    id: Annotated[str | None, READ_ONLY] = None
    project_id: Annotated[str | None, CREATE_ONLY] = None
    revision_number: Annotated[int | None, READ_ONLY] = None
    created_at: Annotated[str | None, READ_ONLY] = None
    updated_at: Annotated[str | None, READ_ONLY] = None
    tags: Annotated[list[str] | None, CREATE_ONLY] = None

    @classmethod
    def query(cls, params: dict[str, Any]) -> dict[str, Any]:
        """List filters in wire names (``is_shared`` -> ``shared``, ``any_tags`` -> ``tags-any``;
        a list of tags becomes Neutron's comma-separated value)."""
        fields = cls.model_fields
        wire: dict[str, Any] = {}
        for key, value in params.items():
            if key in TAG_FILTERS:
                joined = ",".join(value) if isinstance(value, list | tuple) else value
                wire[TAG_FILTERS[key]] = joined
            elif key in fields and fields[key].alias:
                wire[str(fields[key].alias)] = value
            else:
                wire[key] = value
        return wire


class Network(NetworkResource):
    base_path: ClassVar[str] = "/networks"
    resource_key: ClassVar[str | None] = "network"
    resources_key: ClassVar[str | None] = "networks"

    name: str | None = None
    description: str | None = None
    status: Annotated[str | None, READ_ONLY] = None
    is_admin_state_up: bool | None = Field(None, alias="admin_state_up")
    is_shared: bool | None = Field(None, alias="shared")
    is_router_external: bool | None = Field(None, alias="router:external")
    is_default: bool | None = None
    mtu: int | None = None
    is_port_security_enabled: bool | None = Field(None, alias="port_security_enabled")
    provider_network_type: str | None = Field(None, alias="provider:network_type")
    provider_physical_network: str | None = Field(None, alias="provider:physical_network")
    provider_segmentation_id: int | None = Field(None, alias="provider:segmentation_id")
    availability_zone_hints: Annotated[list[str] | None, CREATE_ONLY] = None
    availability_zones: Annotated[list[str] | None, READ_ONLY] = None
    dns_domain: str | None = None
    subnet_ids: Annotated[list[str] | None, READ_ONLY] = Field(None, alias="subnets")
    ipv4_address_scope_id: Annotated[str | None, READ_ONLY] = Field(None, alias="ipv4_address_scope")
    ipv6_address_scope_id: Annotated[str | None, READ_ONLY] = Field(None, alias="ipv6_address_scope")
    l2_adjacency: Annotated[bool | None, READ_ONLY] = None


class Subnet(NetworkResource):
    base_path: ClassVar[str] = "/subnets"
    resource_key: ClassVar[str | None] = "subnet"
    resources_key: ClassVar[str | None] = "subnets"

    name: str | None = None
    description: str | None = None
    network_id: Annotated[str | None, CREATE_ONLY] = None
    ip_version: Annotated[int | None, CREATE_ONLY] = None
    cidr: Annotated[str | None, CREATE_ONLY] = None
    prefix_length: Annotated[int | None, CREATE_ONLY] = Field(None, alias="prefixlen")
    subnet_pool_id: Annotated[str | None, CREATE_ONLY] = Field(None, alias="subnetpool_id")
    use_default_subnet_pool: Annotated[bool | None, CREATE_ONLY] = Field(None, alias="use_default_subnetpool")
    gateway_ip: str | None = None
    allocation_pools: list[dict[str, str]] | None = None
    dns_nameservers: list[str] | None = None
    host_routes: list[dict[str, str]] | None = None
    is_dhcp_enabled: bool | None = Field(None, alias="enable_dhcp")
    ipv6_ra_mode: Annotated[str | None, CREATE_ONLY] = None
    ipv6_address_mode: Annotated[str | None, CREATE_ONLY] = None
    service_types: list[str] | None = None
    segment_id: Annotated[str | None, CREATE_ONLY] = None


class Port(NetworkResource):
    base_path: ClassVar[str] = "/ports"
    resource_key: ClassVar[str | None] = "port"
    resources_key: ClassVar[str | None] = "ports"

    name: str | None = None
    description: str | None = None
    network_id: Annotated[str | None, CREATE_ONLY] = None
    status: Annotated[str | None, READ_ONLY] = None
    is_admin_state_up: bool | None = Field(None, alias="admin_state_up")
    mac_address: str | None = None
    fixed_ips: list[dict[str, Any]] | None = None
    device_id: str | None = None
    device_owner: str | None = None
    is_port_security_enabled: bool | None = Field(None, alias="port_security_enabled")
    security_group_ids: list[str] | None = Field(None, alias="security_groups")
    allowed_address_pairs: list[dict[str, Any]] | None = None
    extra_dhcp_opts: list[dict[str, Any]] | None = None
    binding_host_id: str | None = Field(None, alias="binding:host_id")
    binding_vnic_type: str | None = Field(None, alias="binding:vnic_type")
    binding_profile: dict[str, Any] | None = Field(None, alias="binding:profile")
    binding_vif_type: Annotated[str | None, READ_ONLY] = Field(None, alias="binding:vif_type")
    binding_vif_details: Annotated[dict[str, Any] | None, READ_ONLY] = Field(
        None, alias="binding:vif_details"
    )
    dns_name: str | None = None
    dns_assignment: Annotated[list[dict[str, Any]] | None, READ_ONLY] = None


class Quota(Resource):
    """A project's limits (-1: unlimited). ``project_id`` is not in Neutron's body; the SDK
    fills it in from the request."""

    service_type: ClassVar[str] = "network"
    base_path: ClassVar[str] = "/quotas"
    resource_key: ClassVar[str | None] = "quota"
    resources_key: ClassVar[str | None] = "quotas"
    id_attr: ClassVar[str] = "project_id"
    paging: ClassVar[Paging] = "none"

    project_id: Annotated[str | None, READ_ONLY] = None
    floating_ips: int | None = Field(None, alias="floatingip")
    networks: int | None = Field(None, alias="network")
    ports: int | None = Field(None, alias="port")
    rbac_policies: int | None = Field(None, alias="rbac_policy")
    routers: int | None = Field(None, alias="router")
    security_groups: int | None = Field(None, alias="security_group")
    security_group_rules: int | None = Field(None, alias="security_group_rule")
    subnets: int | None = Field(None, alias="subnet")
    subnet_pools: int | None = Field(None, alias="subnetpool")
    check_limit: bool | None = None


class QuotaDetails(Resource):
    """A project's limits with their use: each value is ``{"limit", "used", "reserved"}``."""

    service_type: ClassVar[str] = "network"
    base_path: ClassVar[str] = "/quotas"
    resource_key: ClassVar[str | None] = "quota"
    id_attr: ClassVar[str] = "project_id"
    paging: ClassVar[Paging] = "none"

    project_id: Annotated[str | None, READ_ONLY] = None
    floating_ips: dict[str, int] | None = Field(None, alias="floatingip")
    networks: dict[str, int] | None = Field(None, alias="network")
    ports: dict[str, int] | None = Field(None, alias="port")
    rbac_policies: dict[str, int] | None = Field(None, alias="rbac_policy")
    routers: dict[str, int] | None = Field(None, alias="router")
    security_groups: dict[str, int] | None = Field(None, alias="security_group")
    security_group_rules: dict[str, int] | None = Field(None, alias="security_group_rule")
    subnets: dict[str, int] | None = Field(None, alias="subnet")
    subnet_pools: dict[str, int] | None = Field(None, alias="subnetpool")


class Extension(Resource):
    """A Neutron API extension the server offers, by ``alias``."""

    service_type: ClassVar[str] = "network"
    base_path: ClassVar[str] = "/extensions"
    resource_key: ClassVar[str | None] = "extension"
    resources_key: ClassVar[str | None] = "extensions"
    id_attr: ClassVar[str] = "alias"
    paging: ClassVar[Paging] = "none"

    alias: Annotated[str | None, READ_ONLY] = None
    name: Annotated[str | None, READ_ONLY] = None
    description: Annotated[str | None, READ_ONLY] = None
    links: Annotated[list[dict[str, Any]] | None, READ_ONLY] = None
    updated_at: Annotated[str | None, READ_ONLY] = Field(None, alias="updated")
