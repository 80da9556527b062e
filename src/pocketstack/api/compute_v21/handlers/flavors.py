"""Compute v2.1 flavors: list, detail, show, and (admins) create, describe, delete."""

from __future__ import annotations

from collections.abc import Collection

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.request import (
    body,
    effective_limit,
    is_legacy,
    next_links,
    page,
    unexpected,
    version,
)
from pocketstack.api.compute_v21.schemas import flavors as schemas
from pocketstack.api.compute_v21.schemas.parameters import MAX_INT
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.api.compute_v21.views import flavors as views
from pocketstack.core.compute.flavors import FlavorQuery, FlavorSpec
from pocketstack.core.errors import BadRequest, NotFound

LIST_QUERY = frozenset({"limit", "marker", "is_public", "minRam", "minDisk", "sort_key", "sort_dir"})
SORT_DIRS = ("asc", "desc")
# Nova's sort keys -> our attributes. COMPAT: Nova's "id" is its internal autoincrement id,
# i.e. creation order, and "vcpu_weight" a column we do not keep (null unless set by hand),
# so both sort by creation order (None).
SORT_KEYS: dict[str, str | None] = {
    "created_at": "created_at",
    "description": "description",
    "disabled": "disabled",
    "ephemeral_gb": "ephemeral_gb",
    "flavorid": "id",
    "id": None,
    "is_public": "is_public",
    "memory_mb": "memory_mb",
    "name": "name",
    "root_gb": "root_gb",
    "rxtx_factor": "rxtx_factor",
    "swap": "swap_mb",
    "updated_at": "updated_at",
    "vcpu_weight": None,
    "vcpus": "vcpus",
}
EXTRA_SPECS_READ = "os_compute_api:os-flavor-extra-specs:index"
_TRUE = frozenset({"1", "t", "true", "on", "y", "yes"})
_FALSE = frozenset({"0", "f", "false", "off", "n", "no"})


def is_admin(req: ApiRequest) -> bool:
    """Nova's ``context.is_admin``: the caller sees every flavor, private ones included."""
    return req.cloud.policy.check("admin_required", req.ctx, {})


def refuse_unknown_query(req: ApiRequest, allowed: Collection[str]) -> None:
    """From 2.75 Nova refuses query parameters it does not know; before, it ignores them."""
    if not gated(req, "query.strict"):
        return
    unknown = sorted(set(req.query.keys()) - set(allowed))
    if unknown:
        names = ", ".join(repr(name) for name in unknown)
        verb = "was" if len(unknown) == 1 else "were"
        raise BadRequest(f"Additional properties are not allowed ({names} {verb} unexpected)")


def with_extra_specs(req: ApiRequest) -> bool:
    """2.61+: flavors carry their extra specs when the caller may read them."""
    target = {"project_id": req.ctx.project_id}
    return gated(req, "flavor.extra_specs") and req.cloud.policy.check(EXTRA_SPECS_READ, req.ctx, target)


def _is_public(raw: str | None) -> bool | None:
    if raw is None:
        return True
    word = raw.strip().lower()
    if word == "none":
        return None
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise BadRequest(f"Invalid is_public filter [{raw}]")


def _minimum(req: ApiRequest, name: str) -> int | None:
    """COMPAT: Nova reads ``minRam``/``minDisk`` with ``int()``; one beyond a database integer
    matches nothing it could store, and is refused rather than sent to the database."""
    raw = req.query.get(name)
    if raw is None:
        return None
    try:
        number = int(raw)
    except ValueError:
        raise BadRequest(f"Invalid {name} filter [{raw}]") from None
    if not -MAX_INT - 1 <= number <= MAX_INT:
        raise BadRequest(f"Invalid {name} filter [{raw}]")
    return number


def _choice(req: ApiRequest, name: str, allowed: Collection[str], default: str) -> str:
    for value in req.query.getlist(name):
        if value not in allowed:
            raise BadRequest(
                f"Invalid input for query parameters {name}. Value: {value}. "
                f"'{value}' is not one of {sorted(allowed)}"
            )
    return req.query.get(name) or default


def _list_query(req: ApiRequest, admin: bool) -> FlavorQuery:
    # 2.102: a ``name`` filter (a regular expression), and no more sorting by rxtx_factor.
    name_filter = gated(req, "flavor.list.name_filter")
    refuse_unknown_query(req, LIST_QUERY | {"name"} if name_filter else LIST_QUERY)
    sort_keys = (
        SORT_KEYS if gated(req, "flavor.rxtx_factor") else [k for k in SORT_KEYS if k != "rxtx_factor"]
    )
    limit, marker = page(req)
    return FlavorQuery(
        # Only admins may ask for private flavors; others see public and shared ones.
        is_public=_is_public(req.query.get("is_public")) if admin else True,
        include_disabled=admin,
        min_memory_mb=_minimum(req, "minRam"),
        min_root_gb=_minimum(req, "minDisk"),
        sort_key=SORT_KEYS[_choice(req, "sort_key", sort_keys, "flavorid")],
        sort_dir=_choice(req, "sort_dir", SORT_DIRS, "asc"),
        limit=effective_limit(limit),
        marker=marker,
        name=req.query.get("name") if name_filter else None,
    )


def _list(req: ApiRequest, detail: bool) -> Response:
    req.enforce()
    admin = is_admin(req)
    query = _list_query(req, admin)
    flavors = req.cloud.flavors.list(query, req.ctx.project_id, admin, req.ctx.user_id)
    if detail:
        specs = with_extra_specs(req)
        items = [views.full(req, f, specs) for f in flavors]
    else:
        items = [views.brief(req, f) for f in flavors]
    result: dict[str, object] = {"flavors": items}
    links = next_links(req, "flavors/detail" if detail else "flavors", flavors, query.limit)
    if links:
        result["flavors_links"] = links
    return json_response(result)


def list_flavors(req: ApiRequest) -> Response:
    return _list(req, detail=False)


def list_flavors_detail(req: ApiRequest) -> Response:
    return _list(req, detail=True)


def show_flavor(req: ApiRequest) -> Response:
    req.enforce()
    flavor = req.cloud.flavors.get(
        req.params["flavor_id"], req.ctx.project_id, is_admin(req), req.ctx.user_id
    )
    return json_response({"flavor": views.full(req, flavor, with_extra_specs(req))})


def create_flavor(req: ApiRequest) -> Response:
    req.enforce()
    if is_legacy(req):
        model: type[schemas.CreateFlavor | schemas.CreateFlavorLegacy | schemas.CreateFlavorV255]
        model = schemas.CreateFlavorLegacy
    else:
        model = schemas.CREATE_BODY.at(version(req))
    data = req.json()
    given = data.get("flavor") if isinstance(data, dict) else None
    if not gated(req, "flavor.rxtx_factor") and isinstance(given, dict) and "rxtx_factor" in given:
        raise unexpected("rxtx_factor", "flavor")  # 2.102 removed it
    new = body(req, model, data).flavor
    spec = FlavorSpec(
        name=new.name,
        memory_mb=new.ram,
        vcpus=new.vcpus,
        root_gb=new.disk,
        ephemeral_gb=new.ephemeral,
        swap_mb=new.swap,
        rxtx_factor=new.rxtx_factor,
        is_public=new.is_public,
        description=getattr(new, "description", None),
        id=new.id,
    )
    flavor = req.cloud.flavors.create(spec)
    # COMPAT: Nova answers 200, not 201, and gives no Location.
    return json_response({"flavor": views.full(req, flavor, with_extra_specs(req))})


def update_flavor(req: ApiRequest) -> Response:
    if not gated(req, "flavor.update"):
        raise NotFound("resource", req.request.url.path, message="The resource could not be found.")
    req.enforce()
    description = body(req, schemas.UpdateFlavor).flavor.description
    flavor = req.cloud.flavors.set_description(
        req.params["flavor_id"], description, req.ctx.project_id, is_admin(req)
    )
    return json_response({"flavor": views.full(req, flavor, with_extra_specs(req))})


def delete_flavor(req: ApiRequest) -> Response:
    req.enforce()
    req.cloud.flavors.delete(req.params["flavor_id"], req.ctx.project_id, is_admin(req))
    return empty_response(202)  # COMPAT: Nova's status for a finished delete


_FLAVORS = ("flavors",)  # the answers read only flavors and their access (routing.Endpoint)

ROUTES: list[Endpoint] = [
    Endpoint("GET", "/flavors", list_flavors, "os_compute_api:flavors:index", cached=_FLAVORS),
    Endpoint("POST", "/flavors", create_flavor, "os_compute_api:os-flavor-manage:create"),
    Endpoint("GET", "/flavors/detail", list_flavors_detail, "os_compute_api:flavors:index", cached=_FLAVORS),
    Endpoint("GET", "/flavors/{flavor_id}", show_flavor, "os_compute_api:flavors:show", cached=_FLAVORS),
    Endpoint("PUT", "/flavors/{flavor_id}", update_flavor, "os_compute_api:os-flavor-manage:update"),
    Endpoint("DELETE", "/flavors/{flavor_id}", delete_flavor, "os_compute_api:os-flavor-manage:delete"),
]
