"""Compute vNext bodies (docs/compute-vnext.md section 4). Bodies are not wrapped; lists are
``{"<plural>": [...], "_links": {"next": {"href"}}}`` (HAL), paged by ``limit`` and ``marker``."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field

from pocketstack.sdk.resource import CREATE_ONLY, READ_ONLY, Paging, Resource

SERVICE_TYPE = "compute-vnext"

VIRT_STATES = (
    "BUILDING",
    "ACTIVE",
    "PAUSED",
    "SUSPENDED",
    "STOPPED",
    "RESCUED",
    "RESIZED",
    "SOFT_DELETED",
    "DELETED",
    "ERROR",
    "SHELVED",
    "SHELVED_OFFLOADED",
)
"""A server's ``virt_state`` values."""
POWER_STATES = ("NOSTATE", "RUNNING", "PAUSED", "SHUTDOWN", "CRASHED", "SUSPENDED")
"""A server's ``power_state`` values."""
TASK_STATES = ("RUNNING", "SUCCEEDED", "FAILED")
"""A task's (and a task item's) ``state`` values; the last two are final."""
TASK_FINAL_STATES = ("SUCCEEDED", "FAILED")
TASK_ACTIONS = (
    "TERMINATE",
    "RESTORE",
    "REBOOT",
    "REBUILD",
    "RESIZE",
    "REVERT",
    "SNAPSHOT",
    "BACKUP",
    "STOP",
    "START",
    "PAUSE",
    "UNPAUSE",
    "SUSPEND",
    "RESUME",
    "MOVE",
    "LOCK",
    "UNLOCK",
    "UPDATE_PASSWORD",
)
"""The actions a task may be started with (history shows others too: CREATE, RESCUE ...)."""


def href_id(links: dict[str, Any] | None, rel: str) -> str | None:
    """The last path segment of the ``rel`` link's href (the id it points at)."""
    target = (links or {}).get(rel)
    href = target.get("href") if isinstance(target, dict) else None
    if not isinstance(href, str):
        return None
    return href.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or None


class VNextResource(Resource):
    service_type: ClassVar[str] = SERVICE_TYPE
    paging: ClassVar[Paging] = "links"
    commit_method: ClassVar[str] = "PATCH"

    id: Annotated[str | None, READ_ONLY] = None
    links: Annotated[dict[str, Any] | None, READ_ONLY] = Field(None, alias="_links")
    elevated: Annotated[dict[str, Any] | None, READ_ONLY] = Field(None, alias="_elevated")
    """What admins see besides (``_elevated``)."""


class Server(VNextResource):
    """A server. Only ``hostname`` and ``properties`` change by update (``project_id`` alone
    transfers it to another project); every action is a :class:`ServerTask`."""

    base_path: ClassVar[str] = "/servers"
    resources_key: ClassVar[str | None] = "servers"

    hostname: str | None = None
    project_id: str | None = None
    properties: dict[str, str] | None = None
    launched_by: Annotated[str | None, READ_ONLY] = None
    launched_at: Annotated[str | None, READ_ONLY] = None
    updated_at: Annotated[str | None, READ_ONLY] = None
    type_id: Annotated[str | None, READ_ONLY] = None
    template_id: Annotated[str | None, READ_ONLY] = None
    keypair_id: Annotated[str | None, READ_ONLY] = None
    placement_id: Annotated[str | None, READ_ONLY] = None
    virt_state: Annotated[str | None, READ_ONLY] = None
    power_state: Annotated[str | None, READ_ONLY] = None
    task: Annotated[dict[str, Any] | None, READ_ONLY] = None
    """The running task, ``{"id", "action"}``, or None."""
    is_locked: Annotated[bool | None, READ_ONLY] = Field(None, alias="locked")
    tags: Annotated[list[str] | None, READ_ONLY] = None
    networking: Annotated[dict[str, Any] | None, READ_ONLY] = None
    affinity: Annotated[dict[str, Any] | None, READ_ONLY] = None
    fault: Annotated[dict[str, Any] | None, READ_ONLY] = None

    @property
    def status(self) -> str | None:
        """``virt_state`` (the name openstacksdk code reads)."""
        return self.virt_state

    @property
    def name(self) -> str | None:
        """``hostname`` (the name openstacksdk code reads)."""
        return self.hostname

    @property
    def task_id(self) -> str | None:
        """The running task's id, or None."""
        return None if self.task is None else self.task.get("id")

    @property
    def create_task_id(self) -> str | None:
        """The CREATE task's id, in a server a batch create answered with."""
        return href_id(self.links, "task")

    @property
    def addresses(self) -> list[str]:
        """Every fixed address of the server's interfaces."""
        interfaces = (self.networking or {}).get("interfaces") or []
        return [a["address"] for nic in interfaces for a in nic.get("addresses") or [] if "address" in a]


class ServerTask(VNextResource):
    """One action on one server (v2.1 shows the same row as an instance action). ``state`` is
    RUNNING, SUCCEEDED or FAILED; ``message`` says why a task failed."""

    base_path: ClassVar[str] = "/server_tasks"
    list_path: ClassVar[str | None] = "/servers/{server_id}/tasks"
    resources_key: ClassVar[str | None] = "tasks"

    server_id: Annotated[str | None, READ_ONLY] = None
    action: Annotated[str | None, READ_ONLY] = None
    parameters: Annotated[dict[str, Any] | None, READ_ONLY] = None
    state: Annotated[str | None, READ_ONLY] = None
    message: Annotated[str | None, READ_ONLY] = None
    requested_by: Annotated[str | None, READ_ONLY] = None
    project_id: Annotated[str | None, READ_ONLY] = None
    request_id: Annotated[str | None, READ_ONLY] = None
    created_at: Annotated[str | None, READ_ONLY] = None
    updated_at: Annotated[str | None, READ_ONLY] = None
    finished_at: Annotated[str | None, READ_ONLY] = None

    @property
    def is_finished(self) -> bool:
        return (self.state or "").upper() in TASK_FINAL_STATES


class ServerTaskItem(VNextResource):
    """One step of a task (v2.1's instance action event); ``sequence`` is its 1-based place."""

    base_path: ClassVar[str] = "/server_tasks/{task_id}/items"
    resources_key: ClassVar[str | None] = "items"
    id_attr: ClassVar[str] = "sequence"

    sequence: Annotated[int | None, READ_ONLY] = None
    name: Annotated[str | None, READ_ONLY] = None
    state: Annotated[str | None, READ_ONLY] = None
    started_at: Annotated[str | None, READ_ONLY] = None
    finished_at: Annotated[str | None, READ_ONLY] = None


class ServerType(VNextResource):
    """A server type (a flavor). Its sizes never change; ``name``, ``description`` and
    ``visibility`` (PUBLIC/PRIVATE) do. ``shares`` (``{"users", "projects"}``) shows to the owner
    project and admins only."""

    base_path: ClassVar[str] = "/server_types"
    resources_key: ClassVar[str | None] = "server_types"

    name: str | None = None
    description: str | None = None
    visibility: str | None = None
    vcpus: Annotated[int | None, CREATE_ONLY] = None
    ram_mb: Annotated[int | None, CREATE_ONLY] = None
    root_disk_gb: Annotated[int | None, CREATE_ONLY] = None
    ephemeral_disk_gb: Annotated[int | None, CREATE_ONLY] = None
    swap_mb: Annotated[int | None, CREATE_ONLY] = None
    tags: Annotated[list[str] | None, CREATE_ONLY] = None
    shares: Annotated[dict[str, list[str]] | None, CREATE_ONLY] = None
    owner_project_id: Annotated[str | None, READ_ONLY] = None
    created_at: Annotated[str | None, READ_ONLY] = None
    updated_at: Annotated[str | None, READ_ONLY] = None

    @property
    def is_public(self) -> bool:
        return (self.visibility or "").upper() == "PUBLIC"


class ServerTypeShares(Resource):
    """Whom a server type is shared with: user ids and project ids."""

    service_type: ClassVar[str] = SERVICE_TYPE
    base_path: ClassVar[str] = "/server_types/{type_id}/shares"
    allow_list: ClassVar[bool] = False

    users: list[str] = Field(default_factory=list)
    projects: list[str] = Field(default_factory=list)
    links: Annotated[dict[str, Any] | None, READ_ONLY] = Field(None, alias="_links")


class Placement(VNextResource):
    """A placement of the DAG availability zones are roots of. ``children`` (``[{id, name}]``)
    is there when read by id."""

    base_path: ClassVar[str] = "/placements"
    resources_key: ClassVar[str | None] = "placements"

    name: Annotated[str | None, READ_ONLY] = None
    description: Annotated[str | None, READ_ONLY] = None
    parent_ids: Annotated[list[str] | None, READ_ONLY] = None
    tags: Annotated[list[str] | None, READ_ONLY] = None
    created_at: Annotated[str | None, READ_ONLY] = None
    children: Annotated[list[dict[str, Any]] | None, READ_ONLY] = None

    @property
    def child_ids(self) -> list[str]:
        return [str(c["id"]) for c in self.children or [] if "id" in c]
