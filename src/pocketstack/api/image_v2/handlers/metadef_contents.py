"""/v2/metadefs/namespaces/{ns}/objects, /properties and /tags."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.common.validation import query_bool
from pocketstack.api.image_v2 import metadef_input, metadef_views


def _contents(req: ApiRequest):  # noqa: ANN202 - the ContentService
    return req.cloud.image_metadefs.contents


# -- objects ---------------------------------------------------------------------------------


def list_objects(req: ApiRequest) -> Response:
    req.enforce()
    ns = req.params["namespace"]
    rows = _contents(req).list(req.ctx, "object", ns)
    return json_response(
        {
            "objects": [metadef_views.metadef_object(o, ns) for o in rows],
            "schema": "v2/schemas/metadefs/objects",
        }
    )


def show_object(req: ApiRequest) -> Response:
    req.enforce()
    ns = req.params["namespace"]
    return json_response(
        metadef_views.metadef_object(_contents(req).get(req.ctx, "object", ns, req.params["name"]), ns)
    )


def create_object(req: ApiRequest) -> Response:
    req.enforce()
    ns = req.params["namespace"]
    row = _contents(req).create(req.ctx, "object", ns, metadef_input.object_values(req.json()))
    return json_response(metadef_views.metadef_object(row, ns), 201)


def update_object(req: ApiRequest) -> Response:
    req.enforce()
    ns = req.params["namespace"]
    values = metadef_input.object_values(req.json())
    row = _contents(req).update(req.ctx, "object", ns, req.params["name"], values)
    return json_response(metadef_views.metadef_object(row, ns))


# -- properties ------------------------------------------------------------------------------


def list_properties(req: ApiRequest) -> Response:
    req.enforce()
    rows = _contents(req).list(req.ctx, "property", req.params["namespace"])
    return json_response({"properties": {p.name: p.json_schema for p in rows}})


def show_property(req: ApiRequest) -> Response:
    req.enforce()
    name = req.params["name"]
    row = _contents(req).get(req.ctx, "property", req.params["namespace"], name)
    return json_response(metadef_views.metadef_property(row.name, row.json_schema))


def create_property(req: ApiRequest) -> Response:
    req.enforce()
    row = _contents(req).create(
        req.ctx, "property", req.params["namespace"], metadef_input.property_values(req.json())
    )
    return json_response(metadef_views.metadef_property(row.name, row.json_schema), 201)


def update_property(req: ApiRequest) -> Response:
    req.enforce()
    values = metadef_input.property_values(req.json())
    row = _contents(req).update(req.ctx, "property", req.params["namespace"], req.params["name"], values)
    return json_response(metadef_views.metadef_property(row.name, row.json_schema))


# -- tags ------------------------------------------------------------------------------------


def list_tags(req: ApiRequest) -> Response:
    req.enforce()
    rows = _contents(req).list(req.ctx, "tag", req.params["namespace"])
    return json_response({"tags": [metadef_views.tag(t) for t in rows]})


def show_tag(req: ApiRequest) -> Response:
    req.enforce()
    return json_response(
        metadef_views.tag(_contents(req).get(req.ctx, "tag", req.params["namespace"], req.params["name"]))
    )


def create_tag(req: ApiRequest) -> Response:
    """``POST .../tags/{name}``: the name is in the path; a body is not needed."""
    req.enforce()
    row = _contents(req).create(req.ctx, "tag", req.params["namespace"], {"name": req.params["name"]})
    return json_response(metadef_views.tag(row), 201)


def create_tags(req: ApiRequest) -> Response:
    req.enforce()
    names = metadef_input.tag_names(req.json())
    append = bool(query_bool(req.headers.get("x-openstack-append", "false")))
    _contents(req).create_tags(req.ctx, req.params["namespace"], names, append)
    return json_response({"tags": [{"name": n} for n in names]}, 201)


def update_tag(req: ApiRequest) -> Response:
    req.enforce()
    values = {"name": metadef_input.tag_name(req.json())}
    row = _contents(req).update(req.ctx, "tag", req.params["namespace"], req.params["name"], values)
    return json_response(metadef_views.tag(row))


# -- deletes ---------------------------------------------------------------------------------


def _delete_one(kind: str):  # noqa: ANN202 - a handler
    def handler(req: ApiRequest) -> Response:
        req.enforce()
        _contents(req).delete(req.ctx, kind, req.params["namespace"], req.params["name"])
        return empty_response(204)

    return handler


def _delete_all(kind: str):  # noqa: ANN202 - a handler
    def handler(req: ApiRequest) -> Response:
        req.enforce()
        _contents(req).delete_all(req.ctx, kind, req.params["namespace"])
        return empty_response(204)

    return handler


_NS = "/v2/metadefs/namespaces/{namespace}"
_P = "image:metadefs:"
ROUTES: list[Endpoint] = [
    Endpoint("GET", _NS + "/objects", list_objects, _P + "objects:list"),
    Endpoint("POST", _NS + "/objects", create_object, _P + "objects:create"),
    Endpoint("DELETE", _NS + "/objects", _delete_all("object"), _P + "namespaces:delete"),
    Endpoint("GET", _NS + "/objects/{name}", show_object, _P + "objects:get"),
    Endpoint("PUT", _NS + "/objects/{name}", update_object, _P + "objects:update"),
    Endpoint("DELETE", _NS + "/objects/{name}", _delete_one("object"), _P + "objects:delete"),
    Endpoint("GET", _NS + "/properties", list_properties, _P + "properties:list"),
    Endpoint("POST", _NS + "/properties", create_property, _P + "properties:create"),
    Endpoint("DELETE", _NS + "/properties", _delete_all("property"), _P + "namespaces:delete"),
    Endpoint("GET", _NS + "/properties/{name}", show_property, _P + "properties:get"),
    Endpoint("PUT", _NS + "/properties/{name}", update_property, _P + "properties:update"),
    Endpoint("DELETE", _NS + "/properties/{name}", _delete_one("property"), _P + "properties:delete"),
    Endpoint("GET", _NS + "/tags", list_tags, _P + "tags:list"),
    Endpoint("POST", _NS + "/tags", create_tags, _P + "tags:create_many"),
    Endpoint("DELETE", _NS + "/tags", _delete_all("tag"), _P + "tags:delete_all"),
    Endpoint("GET", _NS + "/tags/{name}", show_tag, _P + "tags:get"),
    Endpoint("POST", _NS + "/tags/{name}", create_tag, _P + "tags:create"),
    Endpoint("PUT", _NS + "/tags/{name}", update_tag, _P + "tags:update"),
    Endpoint("DELETE", _NS + "/tags/{name}", _delete_one("tag"), _P + "tags:delete"),
]
