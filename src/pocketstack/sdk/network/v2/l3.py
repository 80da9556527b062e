"""Network v2 layer-3 bodies: routers and floating IPs (openstacksdk's names)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field

from pocketstack.sdk.network.v2.resources import NetworkResource
from pocketstack.sdk.resource import CREATE_ONLY, READ_ONLY


class Router(NetworkResource):
    base_path: ClassVar[str] = "/routers"
    resource_key: ClassVar[str | None] = "router"
    resources_key: ClassVar[str | None] = "routers"

    name: str | None = None
    description: str | None = None
    status: Annotated[str | None, READ_ONLY] = None
    is_admin_state_up: bool | None = Field(None, alias="admin_state_up")
    external_gateway_info: dict[str, Any] | None = None
    routes: list[dict[str, str]] | None = None
    is_distributed: bool | None = Field(None, alias="distributed")
    is_ha: bool | None = Field(None, alias="ha")
    availability_zone_hints: Annotated[list[str] | None, CREATE_ONLY] = None
    availability_zones: Annotated[list[str] | None, READ_ONLY] = None
    flavor_id: Annotated[str | None, READ_ONLY] = None


class FloatingIP(NetworkResource):
    """A floating IP; ``port_id`` (and ``fixed_ip_address``) associate it with a port, None
    disassociates it."""

    base_path: ClassVar[str] = "/floatingips"
    resource_key: ClassVar[str | None] = "floatingip"
    resources_key: ClassVar[str | None] = "floatingips"

    description: str | None = None
    floating_ip_address: Annotated[str | None, CREATE_ONLY] = None
    floating_network_id: Annotated[str | None, CREATE_ONLY] = None
    subnet_id: Annotated[str | None, CREATE_ONLY] = None
    port_id: str | None = None
    fixed_ip_address: str | None = None
    router_id: Annotated[str | None, READ_ONLY] = None
    status: Annotated[str | None, READ_ONLY] = None
    port_details: Annotated[dict[str, Any] | None, READ_ONLY] = None
    port_forwardings: Annotated[list[dict[str, Any]] | None, READ_ONLY] = None
    dns_name: Annotated[str | None, READ_ONLY] = None
    dns_domain: Annotated[str | None, READ_ONLY] = None
    qos_policy_id: Annotated[str | None, READ_ONLY] = None

    @property
    def name(self) -> str | None:
        """The address (openstacksdk names a floating IP by it)."""
        return self.floating_ip_address
