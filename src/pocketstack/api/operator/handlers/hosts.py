"""Operator API: hosts (docs/operator.md section 3). Registering one needs a driver that runs
hosts it did not make: the fake driver, whose guests are rows."""

from __future__ import annotations

import ipaddress
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, StrictBool, StrictStr, StringConstraints
from sqlalchemy import select
from starlette.responses import Response

from pocketstack.api.common.hal.routes import PAGING, Route, body, links, page, page_response
from pocketstack.api.common.responses import empty_response, isotime, json_response
from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.common.validation import Wire
from pocketstack.api.operator.handlers.tasks import PATH as TASKS
from pocketstack.api.operator.handlers.tasks import TaskShape, task_detail
from pocketstack.core.errors import NotImplementedYet
from pocketstack.core.operator import tasks as optasks
from pocketstack.core.placement.host_registry import (
    RATIO_COLUMNS,
    RESERVED_COLUMNS,
    RESOURCES,
    HostChanges,
    HostRegistry,
    host_not_found,
)
from pocketstack.core.placement.hosts import HostRecord, HostService
from pocketstack.store.compute_models import Allocation, PlacementHost

PATH = "/hosts"
MAX_INT32 = 2**31 - 1  # the hosts table's Integer columns

HostName = Annotated[
    StrictStr,
    StringConstraints(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$"),
]
Amount = Annotated[int, Field(gt=0, le=MAX_INT32, strict=True)]
Reserved = Annotated[int, Field(ge=0, le=MAX_INT32, strict=True)]
Ratio = Annotated[float, Field(gt=0, le=1000, strict=True)]
TraitKey = Annotated[StrictStr, StringConstraints(min_length=1, max_length=255)]
TraitValue = Annotated[StrictStr, StringConstraints(max_length=255)]


def _ip(value: str) -> str:
    return str(ipaddress.ip_address(value))


class Ratios(Wire):
    """Allocation ratios: what a resource may be over-committed by."""

    vcpus: Ratio = None  # type: ignore[assignment]
    memory_mb: Ratio = None  # type: ignore[assignment]
    disk_gb: Ratio = None  # type: ignore[assignment]


class ReservedAmounts(Wire):
    """Amounts kept back for the host itself."""

    vcpus: Reserved = None  # type: ignore[assignment]
    memory_mb: Reserved = None  # type: ignore[assignment]
    disk_gb: Reserved = None  # type: ignore[assignment]


class HostCreate(Wire):
    """A simulated host to register (the fake driver runs it)."""

    name: HostName
    vcpus: Amount
    memory_mb: Amount
    disk_gb: Amount
    placement_id: StrictStr | None = Field(None, description="Its placement (default: the default zone's).")
    host_ip: Annotated[StrictStr, AfterValidator(_ip)] = Field("127.0.0.1", description="Its address.")
    driver: StrictStr | None = Field(None, description="The cloud's compute driver (the only one served).")
    allocation_ratios: Ratios | None = None
    reserved: ReservedAmounts | None = None
    traits: dict[TraitKey, TraitValue] | None = None


class HostUpdate(Wire):
    """What to change (application/json or application/merge-patch+json); what is left out
    stays. ``traits`` is merged: a null value removes that trait."""

    enabled: StrictBool = None  # type: ignore[assignment]
    disabled_reason: Annotated[StrictStr, StringConstraints(max_length=255)] | None = None
    vcpus: Amount = None  # type: ignore[assignment]
    memory_mb: Amount = None  # type: ignore[assignment]
    disk_gb: Amount = None  # type: ignore[assignment]
    allocation_ratios: Ratios = None  # type: ignore[assignment]
    reserved: ReservedAmounts = None  # type: ignore[assignment]
    traits: dict[TraitKey, TraitValue | None] = None  # type: ignore[assignment]


class Usage(BaseModel):
    vcpus: int
    memory_mb: int
    disk_gb: int
    servers: int
    busy: int


class HostShape(BaseModel):
    """A host: its inventory, ratios, reserved amounts, what its allocations use, its
    placements and traits."""

    id: str
    name: str
    driver: str
    host_ip: str
    enabled: bool
    disabled_reason: str | None
    forced_down: bool
    vcpus: int
    memory_mb: int
    disk_gb: int
    allocation_ratios: dict[str, float]
    reserved: dict[str, int]
    usage: Usage
    placement_ids: list[str]
    traits: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    _links: dict[str, Any]


class HostList(BaseModel):
    """A page of hosts, in id order."""

    hosts: list[HostShape]
    _links: dict[str, Any]


class HostAllocation(BaseModel):
    consumer_id: str
    vcpus: int
    memory_mb: int
    disk_gb: int
    created_at: datetime


class HostAllocations(BaseModel):
    """What each consumer (a server, or a migration holding a source) takes of a host."""

    allocations: list[HostAllocation]
    _links: dict[str, Any]


class HostServer(BaseModel):
    id: str
    name: str


class HostServers(BaseModel):
    """The servers on a host, oldest first."""

    servers: list[HostServer]
    _links: dict[str, Any]


def _placements(req: ApiRequest, host_ids: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {h: [] for h in host_ids}
    with req.cloud.db.read() as s:
        rows = s.execute(
            select(PlacementHost.host_id, PlacementHost.placement_id)
            .where(PlacementHost.host_id.in_(host_ids))
            .order_by(PlacementHost.placement_id)
        )
        for host_id, placement_id in rows:
            found[host_id].append(placement_id)
    return found


def _view(req: ApiRequest, r: HostRecord, placement_ids: list[str]) -> dict[str, Any]:
    h = r.host
    path = f"{PATH}/{h.id}"
    return {
        "id": h.id,
        "name": h.name,
        "driver": h.driver,
        "host_ip": h.host_ip,
        "enabled": h.enabled,
        "disabled_reason": h.disabled_reason,
        "forced_down": h.forced_down,
        "vcpus": h.vcpus,
        "memory_mb": h.memory_mb,
        "disk_gb": h.disk_gb,
        "allocation_ratios": {res: getattr(h, col) for res, col in RATIO_COLUMNS.items()},
        "reserved": {res: getattr(h, col) for res, col in RESERVED_COLUMNS.items()},
        "usage": {
            "vcpus": r.vcpus_used,
            "memory_mb": r.allocated_memory_mb,
            "disk_gb": r.allocated_disk_gb,
            "servers": r.servers,
            "busy": r.busy,
        },
        "placement_ids": placement_ids,
        "traits": h.traits or {},
        "created_at": isotime(h.created_at),
        "updated_at": isotime(h.updated_at),
        "_links": links(
            req,
            path,
            "HostShape",
            servers=f"{path}/servers",
            allocations=f"{path}/allocations",
            placements="/placements",
        ),
    }


def _record(req: ApiRequest, host_id: str) -> HostRecord:
    found = HostService(req.cloud.db).find(host_id)
    if found is None:
        raise host_not_found(host_id)
    return found


def _answer(req: ApiRequest, host_id: str, status: int = 200) -> Response:
    record = _record(req, host_id)
    return json_response(_view(req, record, _placements(req, [host_id])[host_id]), status)


def list_hosts(req: ApiRequest) -> Response:
    req.enforce({})
    service = HostService(req.cloud.db)

    def read(limit: int, marker: str | None) -> list[HostRecord]:
        return service.list(limit=limit, marker=marker)

    found, next_marker = page(req, read, lambda r: r.host.id)
    where = _placements(req, [r.host.id for r in found])
    items = [_view(req, r, where[r.host.id]) for r in found]
    return page_response(req, PATH, "hosts", items, next_marker, "HostList")


def show_host(req: ApiRequest) -> Response:
    req.enforce({})
    return _answer(req, req.params["id"])


def create_host(req: ApiRequest) -> Response:
    req.enforce({})
    doc = body(req, HostCreate)
    driver = req.cloud.driver.name
    if req.cloud.settings.compute_driver != "fake" or (doc.driver is not None and doc.driver != driver):
        wanted = doc.driver or req.cloud.settings.compute_driver
        raise NotImplementedYet(
            f"Registering a host needs a driver that runs hosts it did not make; the {wanted!r} driver "
            f"cannot here (only the 'fake' driver can, and this cloud runs {driver!r})."
        )
    host_id = HostRegistry(req.cloud.db).register(
        doc.name,
        driver,
        {r: getattr(doc, r) for r in RESOURCES},
        host_ip=doc.host_ip,
        placement_id=doc.placement_id,
        ratios=doc.allocation_ratios.model_dump(exclude_unset=True) if doc.allocation_ratios else None,
        reserved=doc.reserved.model_dump(exclude_unset=True) if doc.reserved else None,
        traits=doc.traits,
    )
    return _answer(req, host_id, 201)


def update_host(req: ApiRequest) -> Response:
    req.enforce({})
    doc = body(req, HostUpdate)
    given = doc.model_fields_set
    changes = HostChanges(
        enabled=doc.enabled,
        disabled_reason=doc.disabled_reason,
        reason_given="disabled_reason" in given,
        inventory={r: getattr(doc, r) for r in RESOURCES if r in given},
        ratios=doc.allocation_ratios.model_dump(exclude_unset=True) if doc.allocation_ratios else None,
        reserved=doc.reserved.model_dump(exclude_unset=True) if doc.reserved else None,
        traits=doc.traits,
    )
    HostRegistry(req.cloud.db).update(req.params["id"], changes)
    return _answer(req, req.params["id"])


def delete_host(req: ApiRequest) -> Response:
    req.enforce({})
    HostRegistry(req.cloud.db).delete(req.params["id"])
    return empty_response()


def host_allocations(req: ApiRequest) -> Response:
    req.enforce({})
    host = _record(req, req.params["id"]).host
    with req.cloud.db.read() as s:
        rows = s.scalars(
            select(Allocation).where(Allocation.host_id == host.id).order_by(Allocation.created_at)
        ).all()
        items = [
            {
                "consumer_id": a.consumer_id,
                "vcpus": a.vcpus,
                "memory_mb": a.memory_mb,
                "disk_gb": a.disk_gb,
                "created_at": isotime(a.created_at),
            }
            for a in rows
        ]
    path = f"{PATH}/{host.id}/allocations"
    return json_response(
        {"allocations": items, "_links": links(req, path, "HostAllocations", host=f"{PATH}/{host.id}")}
    )


def host_servers(req: ApiRequest) -> Response:
    req.enforce({})
    host = _record(req, req.params["id"]).host
    found = HostService(req.cloud.db).servers_on([host.name])[host.name]
    path = f"{PATH}/{host.id}/servers"
    return json_response(
        {
            "servers": [{"id": sid, "name": name} for sid, name in found],
            "_links": links(req, path, "HostServers", host=f"{PATH}/{host.id}"),
        }
    )


def drain_host(req: ApiRequest) -> Response:
    req.enforce({})
    task_id = req.cloud.drains.start(req.ctx, req.params["id"])
    with req.cloud.db.read() as s:
        task = optasks.get(s, task_id)
        found = optasks.items(s, task_id)
    answer = json_response(task_detail(req, task, found), 202)
    answer.headers["Location"] = f"{req.base_url}{TASKS}/{task_id}"
    return answer


ROUTES = [
    Route(
        "GET",
        PATH,
        list_hosts,
        "operator:hosts:list",
        "hosts",
        "Hosts and their usage.",
        returns=HostList,
        query=PAGING,
    ),
    Route(
        "POST",
        PATH,
        create_host,
        "operator:hosts:create",
        "hosts-create",
        "Register a simulated host (the fake driver only; 501 otherwise).",
        status=201,
        body=HostCreate,
        returns=HostShape,
        errors=(400, 401, 403, 409, 415, 501),
    ),
    Route("GET", f"{PATH}/{{id}}", show_host, "operator:hosts:get", "host", "A host.", returns=HostShape),
    Route(
        "PATCH",
        f"{PATH}/{{id}}",
        update_host,
        "operator:hosts:update",
        "host-update",
        "Enable or disable a host, change its inventory, ratios, reserved amounts or traits.",
        body=HostUpdate,
        returns=HostShape,
        errors=(400, 401, 403, 404, 409, 415),
    ),
    Route(
        "DELETE",
        f"{PATH}/{{id}}",
        delete_host,
        "operator:hosts:delete",
        "host-delete",
        "Remove a host that holds no server, allocation or migration.",
        status=204,
        errors=(401, 403, 404, 409),
    ),
    Route(
        "GET",
        f"{PATH}/{{id}}/allocations",
        host_allocations,
        "operator:hosts:get",
        "host-allocations",
        "The allocations on a host, oldest first.",
        returns=HostAllocations,
    ),
    Route(
        "GET",
        f"{PATH}/{{id}}/servers",
        host_servers,
        "operator:hosts:get",
        "host-servers",
        "The servers on a host.",
        returns=HostServers,
    ),
    Route(
        "POST",
        f"{PATH}/{{id}}/drain",
        drain_host,
        "operator:hosts:drain",
        "host-drain",
        "Disable a host and move every server off it (live when it runs and the driver can, else "
        "a confirmed cold migration): 202 with the operator task, which ends once every move has.",
        status=202,
        returns=TaskShape,
        errors=(401, 403, 404, 409),
    ),
]
