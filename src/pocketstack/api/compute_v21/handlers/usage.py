"""GET /os-simple-tenant-usage (every project; admin) and /os-simple-tenant-usage/{tenant_id}
(one project; its readers may see it): what servers used between ``start`` and ``end`` (both
default to now). ``detailed=1`` lists the servers in the first; from 2.40 both page by server
with ``limit`` and ``marker``; from 2.75 unknown query parameters are a 400.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.request import check_query, effective_limit, next_links, page
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.api.compute_v21.views.services import nova_time
from pocketstack.core.compute.usage import ProjectUsage, ServerUsage
from pocketstack.core.errors import BadRequest
from pocketstack.core.identity.common import naive_utc, utcnow

P = "os_compute_api:os-simple-tenant-usage:"
# Nova's formats; any ISO 8601 time (with a zone, too) is taken as well.
_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f")


def parse_time(value: str | None) -> datetime:
    """A query time as naive UTC; now when absent or empty; BadRequest when unreadable."""
    if not value:
        return utcnow()
    for fmt in _FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            pass
    try:
        return naive_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        raise BadRequest(f"Invalid datetime string: Datetime is in invalid format: {value!r}") from None


def _report(req: ApiRequest, project_id: str | None) -> tuple[list[ProjectUsage], list[ServerUsage], int]:
    allowed = {"start", "end"} | ({"detailed"} if project_id is None else set())
    if gated(req, "usage.paging"):
        allowed |= {"limit", "marker"}
    check_query(req, allowed)
    start, stop = parse_time(req.query.get("start")), parse_time(req.query.get("end"))
    # COMPAT: below 2.40 Nova still stops at its max_limit servers, just without a link on.
    limit, marker = page(req) if gated(req, "usage.paging") else (None, None)
    limit = effective_limit(limit)
    projects, servers = req.cloud.usage.report(start, stop, project_id, limit, marker)
    return projects, servers, limit


def _server(usage: ServerUsage) -> dict[str, Any]:
    return {
        "ended_at": nova_time(usage.ended_at),
        "flavor": usage.flavor_name,
        "hours": usage.hours,
        "instance_id": usage.server.id,
        "local_gb": usage.local_gb,
        "memory_mb": usage.memory_mb,
        "name": usage.server.name,
        "started_at": nova_time(usage.started_at),
        "state": usage.state,
        "tenant_id": usage.server.project_id,
        "uptime": usage.uptime,
        "vcpus": usage.vcpus,
    }


def _project(usage: ProjectUsage, detailed: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "start": nova_time(usage.start),
        "stop": nova_time(usage.stop),
        "tenant_id": usage.project_id,
        "total_hours": usage.total_hours,
        "total_local_gb_usage": usage.total_local_gb_usage,
        "total_memory_mb_usage": usage.total_memory_mb_usage,
        "total_vcpus_usage": usage.total_vcpus_usage,
    }
    if detailed:
        body["server_usages"] = [_server(s) for s in usage.servers]
    return body


def _links(req: ApiRequest, path: str, servers: list[ServerUsage], limit: int) -> list[dict[str, str]]:
    if not gated(req, "usage.paging"):
        return []
    return next_links(req, path, [{"instance_id": s.server.id} for s in servers], limit, key="instance_id")


def list_usage(req: ApiRequest) -> Response:
    req.enforce()
    projects, servers, limit = _report(req, None)
    detailed = req.query.get("detailed", "0") == "1"
    body: dict[str, Any] = {"tenant_usages": [_project(p, detailed) for p in projects]}
    found = _links(req, "os-simple-tenant-usage", servers, limit)
    if found:
        body["tenant_usages_links"] = found
    return json_response(body)


def show_usage(req: ApiRequest) -> Response:
    """COMPAT: a project with no usage in the period answers ``{"tenant_usage": {}}``."""
    tenant_id = req.params["tenant_id"]
    req.enforce({"project_id": tenant_id})
    projects, servers, limit = _report(req, tenant_id)
    body: dict[str, Any] = {"tenant_usage": _project(projects[0], True) if projects else {}}
    found = _links(req, f"os-simple-tenant-usage/{tenant_id}", servers, limit)
    if found:
        body["tenant_usage_links"] = found
    return json_response(body)


ROUTES: list[Endpoint] = [
    Endpoint("GET", "/os-simple-tenant-usage", list_usage, f"{P}list"),
    Endpoint("GET", "/os-simple-tenant-usage/{tenant_id}", show_usage, f"{P}show"),
]
