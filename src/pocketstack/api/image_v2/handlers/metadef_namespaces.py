"""/v2/metadefs/namespaces: list, create, show, update, delete; and the resource types
(``/v2/metadefs/resource_types``, ``/namespaces/{ns}/resource_types``)."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.image_v2 import metadef_input, metadef_views
from pocketstack.api.image_v2.list_params import MAX_LIMIT, limit_param, sort_params
from pocketstack.core.errors import BadRequest
from pocketstack.core.image.metadefs.namespaces import SORT_KEYS, NamespaceListQuery


def list_namespaces(req: ApiRequest) -> Response:
    req.enforce()
    q = req.query
    sort_key, sort_dir = sort_params(q, SORT_KEYS)
    visibility = q.get("visibility")
    if visibility not in (None, "public", "private"):
        raise BadRequest(f"Invalid visibility value: {visibility}")
    resource_types = tuple(r for r in q.get("resource_types", "").split(",") if r)
    query = NamespaceListQuery(
        visibility,
        resource_types,
        sort_key,
        sort_dir,
        limit_param(q.get("limit"), MAX_LIMIT),
        q.get("marker"),
    )
    rows = req.cloud.image_metadefs.namespaces.list(req.ctx, query)
    params = [(k, v) for k, v in q.multi_items() if k != "marker"]
    first = "/v2/metadefs/namespaces" + (f"?{urlencode(params)}" if params else "")
    body = {
        "namespaces": [metadef_views.namespace(ns, assocs) for ns, assocs in rows],
        "first": first,
        "schema": "/v2/schemas/metadefs/namespaces",
    }
    if rows and len(rows) == query.limit:
        body["next"] = f"/v2/metadefs/namespaces?{urlencode([*params, ('marker', rows[-1][0].namespace)])}"
    return json_response(body)


def _show(req: ApiRequest, name: str, status: int = 200) -> Response:
    found = req.cloud.image_metadefs.namespaces.get(req.ctx, name)
    assocs = found["resource_type_associations"]
    wanted = req.query.get("resource_type")
    prefix = next((a["prefix"] for a in assocs if a["name"] == wanted), None) if wanted else None
    objects = [metadef_views.metadef_object(o, name, prefix) for o in found["objects"]]
    for obj in objects:  # inside a namespace, objects carry neither schema nor self
        obj.pop("schema", None)
        obj.pop("self", None)
    body = metadef_views.namespace(
        found["row"],
        assocs,
        properties=metadef_views.prefixed(found["properties"], prefix),
        objects=objects,
        tags=[{"name": t} for t in found["tags"]],
    )
    return json_response(body, status)


def show_namespace(req: ApiRequest) -> Response:
    req.enforce()
    return _show(req, req.params["namespace"])


def create_namespace(req: ApiRequest) -> Response:
    req.enforce()
    data = metadef_input.namespace(req.json(), with_contents=True)
    name = req.cloud.image_metadefs.namespaces.create(req.ctx, data)
    return _show(req, name, 201)


def update_namespace(req: ApiRequest) -> Response:
    req.enforce()
    data = metadef_input.namespace(req.json(), with_contents=False)
    name = req.cloud.image_metadefs.namespaces.update(req.ctx, req.params["namespace"], data)
    return _show(req, name)


def delete_namespace(req: ApiRequest) -> Response:
    req.enforce()
    req.cloud.image_metadefs.namespaces.delete(req.ctx, req.params["namespace"])
    return empty_response(204)


def list_resource_types(req: ApiRequest) -> Response:
    req.enforce()
    rows = req.cloud.image_metadefs.resource_types.list()
    return json_response({"resource_types": [metadef_views.resource_type(r) for r in rows]})


def list_associations(req: ApiRequest) -> Response:
    req.enforce()
    assocs = req.cloud.image_metadefs.resource_types.associations(req.ctx, req.params["namespace"])
    return json_response({"resource_type_associations": [metadef_views.association(a) for a in assocs]})


def create_association(req: ApiRequest) -> Response:
    req.enforce()
    values = metadef_input.association(req.json())
    assoc = req.cloud.image_metadefs.resource_types.associate(req.ctx, req.params["namespace"], values)
    return json_response(metadef_views.association(assoc), 201)


def delete_association(req: ApiRequest) -> Response:
    req.enforce()
    req.cloud.image_metadefs.resource_types.dissociate(req.ctx, req.params["namespace"], req.params["name"])
    return empty_response(204)


_NS = "/v2/metadefs/namespaces/{namespace}"
_P = "image:metadefs:"
ROUTES: list[Endpoint] = [
    Endpoint("GET", "/v2/metadefs/namespaces", list_namespaces, _P + "namespaces:list"),
    Endpoint("POST", "/v2/metadefs/namespaces", create_namespace, _P + "namespaces:create"),
    Endpoint("GET", _NS, show_namespace, _P + "namespaces:get"),
    Endpoint("PUT", _NS, update_namespace, _P + "namespaces:update"),
    Endpoint("DELETE", _NS, delete_namespace, _P + "namespaces:delete"),
    Endpoint("GET", "/v2/metadefs/resource_types", list_resource_types, _P + "resource_types:list"),
    Endpoint("GET", _NS + "/resource_types", list_associations, _P + "resource_types:get"),
    Endpoint("POST", _NS + "/resource_types", create_association, _P + "resource_types:associate"),
    Endpoint("DELETE", _NS + "/resource_types/{name}", delete_association, _P + "resource_types:dissociate"),
]
