"""The query of ``GET /servers[/detail]`` as a ``ServerQuery``, with Nova's rules for who may
use which filter (nova/api/openstack/compute/servers.py, ``_get_servers``):

- a caller the ``allow_all_filters`` rule lets (admins by default) uses every filter;
- others use the filters their microversion opens to them (``ip6`` from 2.5, the tag filters
  from 2.26, ``changes-before`` from 2.66, ``locked`` from 2.73, the 2.83 set, ``hostname`` from
  2.90); any other filter they send is ignored, as Nova ignores it;
- from 2.75 a parameter Nova's schema does not know is a 400 (``check_query``).

Every filter taken is applied: exact ones in the database, Nova's regex ones (TEXT_FILTERS)
over the rows.
"""

from __future__ import annotations

from collections.abc import Iterable

from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.common.validation import query_bool
from pocketstack.api.compute_v21.request import check_query, effective_limit, page, query_time
from pocketstack.api.compute_v21.version_ranges import Gate, allows, gated, since
from pocketstack.core.compute import states
from pocketstack.core.compute.server_queries import TEXT_FILTERS, ServerQuery
from pocketstack.core.context import is_admin
from pocketstack.core.errors import BadRequest, Forbidden

P = "os_compute_api:servers:"
TAG_FILTERS = ("tags", "tags-any", "not-tags", "not-tags-any")
# Nova takes these into its schema only to refuse them (to admins) as filters on joined tables.
JOINED = (
    "block_device_mapping",
    "services",
    "metadata",
    "system_metadata",
    "info_cache",
    "security_groups",
    "pci_devices",
)
EXACT = ("user_id", "uuid", "vm_state", "task_state", "host", "image", "image_ref", "flavor")
PAGING = ("limit", "marker", "sort_key", "sort_dir")
OTHERS = (
    "all_tenants",
    "project_id",
    "tenant_id",
    "status",
    "deleted",
    "soft_deleted",
    "changes-since",
    "changes-before",
    "locked",
)
# Nova's index_query (2.75): from 2.75 anything else is a 400.
KNOWN_QUERY = frozenset((*TEXT_FILTERS, *EXACT, *TAG_FILTERS, *JOINED, *PAGING, *OTHERS))
# What a caller without ``allow_all_filters`` may filter on, and from which microversion.
OPEN_FILTERS: dict[str, Gate] = {
    **dict.fromkeys(
        ("reservation_id", "name", "status", "image", "flavor", "ip", "changes-since"), since("2.1")
    ),
    "all_tenants": since("2.1"),
    "ip6": since("2.5"),
    **dict.fromkeys(TAG_FILTERS, since("2.26")),
    "changes-before": since("2.66"),
    "locked": since("2.73"),
    **dict.fromkeys(
        (
            "availability_zone",
            "config_drive",
            "key_name",
            "created_at",
            "launched_at",
            "terminated_at",
            "power_state",
            "task_state",
            "vm_state",
            "progress",
            "user_id",
        ),
        since("2.83"),
    ),
    "hostname": since("2.90"),
}


def _lenient_bool(value: str) -> bool:
    """COMPAT: Nova reads ``deleted``/``soft_deleted`` with a default of false for a value it
    does not understand."""
    try:
        return bool(query_bool(value))
    except BadRequest:
        return False


def _csv(value: str | None) -> list[str]:
    return [t for t in (value or "").split(",") if t]


def _usable(req: ApiRequest) -> Iterable[str]:
    """The filters given that this caller may use at this microversion."""
    every = req.cloud.policy.check(P + "allow_all_filters", req.ctx, {"project_id": req.ctx.project_id})
    for name in req.query:
        if every or (name in OPEN_FILTERS and allows(req, OPEN_FILTERS[name])):
            yield name


def server_query(req: ApiRequest) -> ServerQuery:
    """The ServerQuery the request asks for; 400 for a malformed filter, 403 for all_tenants
    without the right or deleted servers asked for by a non-admin."""
    q = req.query
    check_query(req, KNOWN_QUERY | {k for k in q if k.startswith("_")})
    usable = set(_usable(req))
    invalid = sorted(k for k in usable if k in JOINED or k.startswith("_"))
    if invalid:
        raise BadRequest(f"Invalid filter field: {invalid[0]}.")
    admin = is_admin(req.ctx)
    all_projects = bool(query_bool(q.get("all_tenants"))) if "all_tenants" in q else False
    if all_projects:
        req.cloud.policy.enforce(P + "index:get_all_tenants", req.ctx, {})
    # As in Nova, project_id / tenant_id narrow an all_tenants listing and are ignored without it.
    project = (q.get("project_id") or q.get("tenant_id")) if all_projects else None
    limit, marker = page(req)
    keys, dirs = q.getlist("sort_key"), q.getlist("sort_dir")

    def given(name: str) -> str | None:
        return q.get(name) if name in usable else None

    query = ServerQuery(
        all_projects=all_projects,
        project_id=project if admin else None,
        user_id=given("user_id"),
        uuid=given("uuid"),
        vm_state=given("vm_state"),
        task_state=given("task_state"),
        image=given("image") or given("image_ref"),
        flavor=given("flavor"),
        host=given("host"),
        patterns={name: q[name] for name in TEXT_FILTERS if name in usable},
        changes_since=query_time(req, "changes-since") if "changes-since" in usable else None,
        changes_before=query_time(req, "changes-before") if "changes-before" in usable else None,
        deleted=_lenient_bool(q["deleted"]) if "deleted" in usable else None,
        soft_deleted=_lenient_bool(q["soft_deleted"]) if "soft_deleted" in usable else None,
        sort=[(k, dirs[i] if i < len(dirs) else "desc") for i, k in enumerate(keys)],
        limit=effective_limit(limit),
        marker=marker,
    )
    _status(req, query, given("status"))
    if query.changes_since and query.changes_before and query.changes_before < query.changes_since:
        raise BadRequest("The value of changes-since must be less than or equal to changes-before.")
    if gated(req, "server.tags"):
        query.tags, query.tags_any = _csv(given("tags")), _csv(given("tags-any"))
        query.not_tags, query.not_tags_any = _csv(given("not-tags")), _csv(given("not-tags-any"))
    if "locked" in usable:
        query.locked = query_bool(q["locked"])
    return query


def _status(req: ApiRequest, query: ServerQuery, status: str | None) -> None:
    """``status`` (or ``vm_state``) ``deleted`` lists deleted servers, for admins only; an
    unknown status is a 400 from 2.38 (an empty list before, as in Nova)."""
    if status is not None:
        pairs = states.vm_states_for_status(status.upper())
        if not pairs and gated(req, "server.list.unknown_status_refused"):
            raise BadRequest("Invalid status value")
        query.status = status.upper()
        query.vm_state = query.task_state = None
    asks_deleted = query.status is not None and query.status.upper() == "DELETED"
    if asks_deleted or query.vm_state == states.DELETED:
        if not is_admin(req.ctx):
            raise Forbidden("Only administrators may list deleted instances")
        query.deleted = True
