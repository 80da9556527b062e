"""GET /os-hypervisors[/detail|/statistics|/{id}|/{id}/uptime|/{pattern}/search|/{pattern}/servers].

Hypervisors are this cloud's hosts. Below 2.53 they are named by an integer (the first 48 bits
of their UUID, see ``hosts.short_id``) and searched through the path; from 2.53 by UUID, with
``hypervisor_hostname_pattern`` and ``with_servers`` as query parameters. ``/statistics`` and
``/{id}/uptime`` are gone (404) from 2.88, where ``uptime`` joins the detail instead.
"""

from __future__ import annotations

import re
import uuid

from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.common.validation import query_bool
from pocketstack.api.compute_v21.request import check_query, effective_limit, next_links, page
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.api.compute_v21.views import hypervisors as views
from pocketstack.core.errors import BadRequest, NotFound, NotImplementedYet
from pocketstack.core.placement.hosts import HostRecord, uptime

P = "os_compute_api:os-hypervisors:"
HOSTNAME = re.compile(r"^[a-zA-Z0-9-._]*$")
LIST_QUERY = {"limit", "marker", "hypervisor_hostname_pattern", "with_servers"}


def gone() -> NotFound:
    """What Nova answers for a method the requested microversion does not have."""
    return NotFound("resource", "", message="The resource could not be found.")


def _with_servers(req: ApiRequest) -> bool:
    return bool(gated(req, "hypervisor.with_servers_query") and query_bool(req.query.get("with_servers")))


def _ident(req: ApiRequest, raw: str) -> str | int:
    """A UUID from 2.53 (400 otherwise), an integer below (404 otherwise), as Nova checks."""
    if gated(req, "hypervisor.uuid_ids"):
        try:
            return str(uuid.UUID(raw))
        except ValueError:
            raise BadRequest(f"Invalid uuid {raw}") from None
    if not (raw.isascii() and raw.isdigit()):
        raise NotFound("hypervisor", raw, message=f"Hypervisor with ID '{raw}' could not be found.")
    return int(raw)


def _marker(req: ApiRequest, marker: str | None) -> str | int | None:
    if marker is None or gated(req, "hypervisor.uuid_ids"):
        return marker
    if not (marker.isascii() and marker.isdigit()):
        raise BadRequest(f"marker [{marker}] not found")
    return int(marker)


def _search(req: ApiRequest, pattern: str) -> list[HostRecord]:
    if not 1 <= len(pattern) <= 255 or not HOSTNAME.match(pattern):
        raise BadRequest(
            f"Invalid input for query parameters hypervisor_hostname_pattern. Value: {pattern}. "
            f"It does not match '{HOSTNAME.pattern}'"
        )
    found = req.cloud.hosts.list(pattern=pattern)
    if not found:
        raise NotFound("hypervisor", pattern, message=f"No hypervisor matching '{pattern}' could be found.")
    return found


def _render(req: ApiRequest, records: list[HostRecord], detail: bool, with_servers: bool) -> list[dict]:
    servers = req.cloud.hosts.servers_on([r.host.name for r in records]) if with_servers else {}
    up = uptime() if detail and gated(req, "hypervisor.uptime_in_detail") else None
    return [
        views.hypervisor(
            req, r, detail=detail, servers=servers.get(r.host.name) if with_servers else None, uptime=up
        )
        for r in records
    ]


def _list(req: ApiRequest, detail: bool) -> Response:
    req.enforce()
    limit, marker, paged = None, None, gated(req, "hypervisor.paging")
    check_query(req, LIST_QUERY, gate="hypervisor.strict_query")
    if paged:
        limit, raw_marker = page(req)
        limit, marker = effective_limit(limit), _marker(req, raw_marker)
    pattern = (
        req.query.get("hypervisor_hostname_pattern")
        if gated(req, "hypervisor.hostname_pattern_query")
        else None
    )
    if pattern is not None:
        if "limit" in req.query or marker is not None:
            raise BadRequest(
                "Paging over hypervisors with the hypervisor_hostname_pattern query parameter "
                "is not supported."
            )
        records = _search(req, pattern)
    else:
        records = req.cloud.hosts.list(limit=limit, marker=marker)
    items = _render(req, records, detail, _with_servers(req))
    body: dict = {"hypervisors": items}
    if paged and pattern is None:
        path = "os-hypervisors/detail" if detail else "os-hypervisors"
        found = next_links(req, path, items, limit)
        if found:
            body["hypervisors_links"] = found
    return json_response(body)


def list_hypervisors(req: ApiRequest) -> Response:
    return _list(req, detail=False)


def list_hypervisors_detail(req: ApiRequest) -> Response:
    return _list(req, detail=True)


def show_hypervisor(req: ApiRequest) -> Response:
    req.enforce()
    check_query(req, {"with_servers"}, gate="hypervisor.strict_query")
    record = req.cloud.hosts.get(_ident(req, req.params["hypervisor_id"]))
    (item,) = _render(req, [record], True, _with_servers(req))
    return json_response({"hypervisor": item})


def show_uptime(req: ApiRequest) -> Response:
    if not gated(req, "hypervisor.uptime_and_statistics_routes"):
        raise gone()
    req.enforce()
    record = req.cloud.hosts.get(_ident(req, req.params["hypervisor_id"]))
    line = uptime()
    if line is None:
        raise NotImplementedYet("This host's system does not report its uptime.")
    return json_response({"hypervisor": {**views.hypervisor(req, record, detail=False), "uptime": line}})


def show_statistics(req: ApiRequest) -> Response:
    """Totals over the enabled hosts (Nova counts no disabled one)."""
    if not gated(req, "hypervisor.uptime_and_statistics_routes"):
        raise gone()
    req.enforce()
    count, total = req.cloud.hosts.statistics()
    return json_response({"hypervisor_statistics": views.capacity(total, count)})


def search_hypervisors(req: ApiRequest) -> Response:
    if not gated(req, "hypervisor.search_routes"):
        raise gone()
    req.enforce()
    items = _render(req, _search(req, req.params["pattern"]), False, False)
    return json_response({"hypervisors": items})


def list_hypervisor_servers(req: ApiRequest) -> Response:
    """COMPAT: a hypervisor without servers has no ``servers`` key here, as in Nova."""
    if not gated(req, "hypervisor.search_routes"):
        raise gone()
    req.enforce()
    items = _render(req, _search(req, req.params["pattern"]), False, True)
    return json_response({"hypervisors": items})


ROUTES: list[Endpoint] = [
    Endpoint("GET", "/os-hypervisors", list_hypervisors, f"{P}list"),
    Endpoint("GET", "/os-hypervisors/detail", list_hypervisors_detail, f"{P}list-detail"),
    Endpoint("GET", "/os-hypervisors/statistics", show_statistics, f"{P}statistics"),
    Endpoint("GET", "/os-hypervisors/{hypervisor_id}", show_hypervisor, f"{P}show"),
    Endpoint("GET", "/os-hypervisors/{hypervisor_id}/uptime", show_uptime, f"{P}uptime"),
    Endpoint("GET", "/os-hypervisors/{pattern}/search", search_hypervisors, f"{P}search"),
    Endpoint("GET", "/os-hypervisors/{pattern}/servers", list_hypervisor_servers, f"{P}servers"),
]
