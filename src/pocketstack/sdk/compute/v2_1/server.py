"""Compute v2.1 server bodies: the server, its interfaces and its actions (os-instance-actions).

Python names are openstacksdk's; the wire names are Nova's. A few fields carry a prefix when
read and none when sent (``OS-EXT-AZ:availability_zone`` is ``availability_zone`` in a create
body): :meth:`Server.create_body` renames them, and the scheduler hints leave the ``server``
key for the top-level ``os:scheduler_hints`` (see ``ComputePlans.create_server``).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field

from pocketstack.sdk.resource import CREATE_ONLY, READ_ONLY, Paging, Resource

# Read with a prefix, sent without one.
_SENT_AS = {
    "OS-EXT-AZ:availability_zone": "availability_zone",
    "OS-EXT-SRV-ATTR:user_data": "user_data",
    "OS-EXT-SRV-ATTR:hostname": "hostname",
    "OS-EXT-SRV-ATTR:hypervisor_hostname": "hypervisor_hostname",
    "OS-EXT-SRV-ATTR:host": "host",
    "OS-DCF:diskConfig": "OS-DCF:diskConfig",
}
# What ``PUT /servers/{id}`` takes (hostname from 2.90).
_UPDATABLE = ("name", "description", "accessIPv4", "accessIPv6", "OS-EXT-SRV-ATTR:hostname")
HINTS_KEY = "os:scheduler_hints"


class Server(Resource):
    service_type: ClassVar[str] = "compute"
    base_path: ClassVar[str] = "/servers"
    list_path: ClassVar[str | None] = "/servers/detail"
    resource_key: ClassVar[str | None] = "server"
    resources_key: ClassVar[str | None] = "servers"

    id: Annotated[str | None, READ_ONLY] = None
    name: str | None = None
    description: str | None = None
    access_ipv4: str | None = Field(None, alias="accessIPv4")
    access_ipv6: str | None = Field(None, alias="accessIPv6")
    hostname: str | None = Field(None, alias="OS-EXT-SRV-ATTR:hostname")

    # Sent on create only.
    admin_password: Annotated[str | None, CREATE_ONLY] = Field(None, alias="adminPass")
    availability_zone: Annotated[str | None, CREATE_ONLY] = Field(None, alias="OS-EXT-AZ:availability_zone")
    block_device_mapping: Annotated[list[dict[str, Any]] | None, CREATE_ONLY] = Field(
        None, alias="block_device_mapping_v2"
    )
    config_drive: Annotated[bool | str | None, CREATE_ONLY] = None
    disk_config: Annotated[str | None, CREATE_ONLY] = Field(None, alias="OS-DCF:diskConfig")
    flavor_id: Annotated[str | None, CREATE_ONLY] = Field(None, alias="flavorRef")
    image_id: Annotated[str | None, CREATE_ONLY] = Field(None, alias="imageRef")
    key_name: Annotated[str | None, CREATE_ONLY] = None
    metadata: Annotated[dict[str, str] | None, CREATE_ONLY] = None
    networks: Annotated[str | list[dict[str, Any]] | None, CREATE_ONLY] = None
    """``"auto"``, ``"none"``, or a list of ``{"uuid"|"port"|"fixed_ip": ...}`` (create only)."""
    user_data: Annotated[str | None, CREATE_ONLY] = Field(None, alias="OS-EXT-SRV-ATTR:user_data")
    min_count: Annotated[int | None, CREATE_ONLY] = None
    max_count: Annotated[int | None, CREATE_ONLY] = None
    tags: Annotated[list[str] | None, CREATE_ONLY] = None
    security_groups: Annotated[list[dict[str, Any]] | None, CREATE_ONLY] = None
    scheduler_hints: Annotated[dict[str, Any] | None, CREATE_ONLY] = None
    """Sent as the top-level ``os:scheduler_hints``; read back from 2.100."""
    hypervisor_hostname: Annotated[str | None, CREATE_ONLY] = Field(
        None, alias="OS-EXT-SRV-ATTR:hypervisor_hostname"
    )
    compute_host: Annotated[str | None, CREATE_ONLY] = Field(None, alias="OS-EXT-SRV-ATTR:host")

    # Set by the server.
    status: Annotated[str | None, READ_ONLY] = None
    task_state: Annotated[str | None, READ_ONLY] = Field(None, alias="OS-EXT-STS:task_state")
    vm_state: Annotated[str | None, READ_ONLY] = Field(None, alias="OS-EXT-STS:vm_state")
    power_state: Annotated[int | None, READ_ONLY] = Field(None, alias="OS-EXT-STS:power_state")
    progress: Annotated[int | None, READ_ONLY] = None
    project_id: Annotated[str | None, READ_ONLY] = Field(None, alias="tenant_id")
    user_id: Annotated[str | None, READ_ONLY] = None
    host_id: Annotated[str | None, READ_ONLY] = Field(None, alias="hostId")
    host_status: Annotated[str | None, READ_ONLY] = None
    addresses: Annotated[dict[str, list[dict[str, Any]]] | None, READ_ONLY] = None
    flavor: Annotated[dict[str, Any] | None, READ_ONLY] = None
    image: Annotated[dict[str, Any] | str | None, READ_ONLY] = None
    """The image's ``{"id", "links"}``, or ``""`` for a server booted from a volume."""
    fault: Annotated[dict[str, Any] | None, READ_ONLY] = None
    is_locked: Annotated[bool | None, READ_ONLY] = Field(None, alias="locked")
    locked_reason: Annotated[str | None, READ_ONLY] = None
    instance_name: Annotated[str | None, READ_ONLY] = Field(None, alias="OS-EXT-SRV-ATTR:instance_name")
    reservation_id: Annotated[str | None, READ_ONLY] = Field(None, alias="OS-EXT-SRV-ATTR:reservation_id")
    launch_index: Annotated[int | None, READ_ONLY] = Field(None, alias="OS-EXT-SRV-ATTR:launch_index")
    kernel_id: Annotated[str | None, READ_ONLY] = Field(None, alias="OS-EXT-SRV-ATTR:kernel_id")
    ramdisk_id: Annotated[str | None, READ_ONLY] = Field(None, alias="OS-EXT-SRV-ATTR:ramdisk_id")
    root_device_name: Annotated[str | None, READ_ONLY] = Field(None, alias="OS-EXT-SRV-ATTR:root_device_name")
    launched_at: Annotated[str | None, READ_ONLY] = Field(None, alias="OS-SRV-USG:launched_at")
    terminated_at: Annotated[str | None, READ_ONLY] = Field(None, alias="OS-SRV-USG:terminated_at")
    attached_volumes: Annotated[list[dict[str, Any]] | None, READ_ONLY] = Field(
        None, alias="os-extended-volumes:volumes_attached"
    )
    server_groups: Annotated[list[str] | None, READ_ONLY] = None
    pinned_availability_zone: Annotated[str | None, READ_ONLY] = None
    trusted_image_certificates: Annotated[list[str] | None, READ_ONLY] = None
    created_at: Annotated[str | None, READ_ONLY] = Field(None, alias="created")
    updated_at: Annotated[str | None, READ_ONLY] = Field(None, alias="updated")
    links: Annotated[list[dict[str, Any]] | None, READ_ONLY] = None

    def create_body(self) -> dict[str, Any]:
        """The ``server`` object of a create, with the prefixed names as a create spells them
        (the scheduler hints are still in it, under ``scheduler_hints``)."""
        return {_SENT_AS.get(k, k): v for k, v in super().create_body().items()}

    def changes(self) -> dict[str, Any]:
        """Only what ``PUT /servers/{id}`` takes: name, description, access IPs, hostname."""
        return {_SENT_AS.get(k, k): v for k, v in super().changes().items() if k in _UPDATABLE}


class ServerInterface(Resource):
    """A port attached to a server (``/servers/{server_id}/os-interface``)."""

    service_type: ClassVar[str] = "compute"
    base_path: ClassVar[str] = "/servers/{server_id}/os-interface"
    resource_key: ClassVar[str | None] = "interfaceAttachment"
    resources_key: ClassVar[str | None] = "interfaceAttachments"
    id_attr: ClassVar[str] = "port_id"
    paging: ClassVar[Paging] = "none"

    port_id: str | None = None
    net_id: str | None = None
    fixed_ips: list[dict[str, Any]] | None = None
    mac_addr: Annotated[str | None, READ_ONLY] = None
    port_state: Annotated[str | None, READ_ONLY] = None
    tag: str | None = None

    @property
    def server_id(self) -> str | None:
        """The server the port is attached to."""
        return self.path_args.get("server_id")


class ServerActionEvent(Resource):
    """One step of a server action."""

    event: str | None = None
    start_time: str | None = None
    finish_time: str | None = None
    result: str | None = None
    traceback: str | None = None
    host: str | None = None
    host_id: str | None = Field(None, alias="hostId")
    details: str | None = None


class ServerAction(Resource):
    """An action taken on a server (``/servers/{server_id}/os-instance-actions``), by request id."""

    service_type: ClassVar[str] = "compute"
    base_path: ClassVar[str] = "/servers/{server_id}/os-instance-actions"
    resource_key: ClassVar[str | None] = "instanceAction"
    resources_key: ClassVar[str | None] = "instanceActions"
    id_attr: ClassVar[str] = "request_id"

    request_id: str | None = None
    action: str | None = None
    server_id: str | None = Field(None, alias="instance_uuid")
    user_id: str | None = None
    project_id: str | None = None
    start_time: str | None = None
    updated_at: str | None = None
    message: str | None = None
    events: list[ServerActionEvent] | None = None
