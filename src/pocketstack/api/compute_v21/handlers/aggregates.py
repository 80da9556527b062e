"""/os-aggregates: list, create, show, update, delete, and the ``add_host``, ``remove_host`` and
``set_metadata`` actions; ``POST /os-aggregates/{id}/images`` (2.81) is answered 501.

COMPAT: Nova answers create, delete and the actions with 200 (not 201, 204 or 202), and delete
with an empty body; so do we.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.handlers.hypervisors import gone
from pocketstack.api.compute_v21.request import body, is_legacy
from pocketstack.api.compute_v21.schemas import aggregates as schemas
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.api.compute_v21.views.aggregates import aggregate as view
from pocketstack.core.errors import BadRequest, NotFound, NotImplementedYet
from pocketstack.core.placement.aggregates import AggregateRecord

P = "os_compute_api:os-aggregates:"
MAX_ID = 0x7FFFFFFF  # Nova's (and PostgreSQL's) integer column


def _id(req: ApiRequest) -> int:
    raw = req.params["aggregate_id"]
    if not (raw.isascii() and raw.lstrip("-").isdigit()):
        raise BadRequest("Invalid input received: id must be an integer.")
    number = int(raw)
    if not 0 < number <= MAX_ID:
        raise NotFound("aggregate", raw, message=f"Aggregate {raw} could not be found.")
    return number


def _answer(req: ApiRequest, rec: AggregateRecord) -> Response:
    return json_response({"aggregate": view(req, rec)})


def list_aggregates(req: ApiRequest) -> Response:
    req.enforce()
    return json_response({"aggregates": [view(req, rec) for rec in req.cloud.aggregates.list()]})


def create_aggregate(req: ApiRequest) -> Response:
    req.enforce()
    model = schemas.CreateAggregateLegacy if is_legacy(req) else schemas.CreateAggregate
    new = body(req, model).aggregate
    rec = req.cloud.aggregates.create(new.name, new.availability_zone)
    return json_response({"aggregate": view(req, rec, brief=True)})


def show_aggregate(req: ApiRequest) -> Response:
    req.enforce()
    return _answer(req, req.cloud.aggregates.get(_id(req)))


def update_aggregate(req: ApiRequest) -> Response:
    req.enforce()
    model = schemas.UpdateAggregateLegacy if is_legacy(req) else schemas.UpdateAggregate
    changes = body(req, model).aggregate
    given = changes.model_dump(include=changes.model_fields_set)
    return _answer(req, req.cloud.aggregates.update(_id(req), given))


def delete_aggregate(req: ApiRequest) -> Response:
    req.enforce()
    req.cloud.aggregates.delete(_id(req))
    return empty_response(200)


def _add_host(req: ApiRequest, data: Any) -> AggregateRecord:
    host = body(req, schemas.AddHost, data).add_host.host
    return req.cloud.aggregates.add_host(_id(req), host)


def _remove_host(req: ApiRequest, data: Any) -> AggregateRecord:
    host = body(req, schemas.RemoveHost, data).remove_host.host
    return req.cloud.aggregates.remove_host(_id(req), host)


def _set_metadata(req: ApiRequest, data: Any) -> AggregateRecord:
    metadata = body(req, schemas.SetMetadata, data).set_metadata.metadata
    return req.cloud.aggregates.set_metadata(_id(req), metadata)


ACTIONS: dict[str, tuple[str, Callable[[ApiRequest, Any], AggregateRecord]]] = {
    "add_host": (f"{P}add_host", _add_host),
    "remove_host": (f"{P}remove_host", _remove_host),
    "set_metadata": (f"{P}set_metadata", _set_metadata),
}


def aggregate_action(req: ApiRequest) -> Response:
    """One action per request, named by the body's only key; each has its own policy rule."""
    data = req.json()
    if not isinstance(data, dict) or len(data) != 1:
        raise BadRequest("Malformed request body: it must name exactly one action.")
    (name,) = data
    if name not in ACTIONS:
        raise BadRequest(f"There is no such action: {name}")
    rule, run = ACTIONS[name]
    req.cloud.policy.enforce(rule, req.ctx, {})
    return _answer(req, run(req, data))


def cache_images(req: ApiRequest) -> Response:
    """COMPAT: drivers here keep no image cache to fill, so this checks the request as Nova
    does and then answers 501."""
    if not gated(req, "aggregate.cache_images"):
        raise gone()
    req.enforce()
    images = [image.id for image in body(req, schemas.CacheImages).cache]
    if len(set(images)) != len(images):
        raise BadRequest("Duplicate images in request")
    req.cloud.aggregates.get(_id(req))
    raise NotImplementedYet("Image pre-caching on aggregates is not supported: drivers keep no image cache.")


ROUTES: list[Endpoint] = [
    Endpoint("GET", "/os-aggregates", list_aggregates, f"{P}index"),
    Endpoint("POST", "/os-aggregates", create_aggregate, f"{P}create"),
    Endpoint("GET", "/os-aggregates/{aggregate_id}", show_aggregate, f"{P}show"),
    Endpoint("PUT", "/os-aggregates/{aggregate_id}", update_aggregate, f"{P}update"),
    Endpoint("DELETE", "/os-aggregates/{aggregate_id}", delete_aggregate, f"{P}delete"),
    # The rule of each action is checked by the handler; the route names the first one.
    Endpoint("POST", "/os-aggregates/{aggregate_id}/action", aggregate_action, f"{P}add_host"),
    # COMPAT: Nova's rule is compute:aggregates:images; until it exists, update's stands in.
    Endpoint("POST", "/os-aggregates/{aggregate_id}/images", cache_images, "compute:aggregates:images"),
]
