"""GET /v2/schemas/metadefs/{namespace,namespaces,object,objects,property,properties,tag,tags,
resource_type,resource_types}: JSON Schema documents of the metadata definitions, named and
shaped as Glance's (built from the same field lists metadef_input.py checks)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.image_v2.metadef_input import JSON_TYPES, PROPERTY_KEYS
from pocketstack.core.errors import NotFound

_STR = {"type": "string"}
_TIME = {"type": "string", "readOnly": True, "format": "date-time"}
_RO = {"type": "string", "readOnly": True}
_TIMES = {"created_at": _TIME, "updated_at": _TIME}
_DEFINITIONS: dict[str, Any] = {
    "positiveInteger": {"type": "integer", "minimum": 0},
    "positiveIntegerDefault0": {"allOf": [{"$ref": "#/definitions/positiveInteger"}, {"default": 0}]},
    "stringArray": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
}


def _property_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, json_type in PROPERTY_KEYS.items():
        fields[key] = {} if json_type is None else {"type": json_type}
    fields["name"] = {"type": "string", "maxLength": 255}
    fields["type"] = {"type": "string", "enum": list(JSON_TYPES)}
    fields["required"] = {"$ref": "#/definitions/stringArray"}
    fields["items"] = {
        "type": "object",
        "properties": {"type": {"type": "string", "enum": list(JSON_TYPES)}, "enum": {"type": "array"}},
    }
    return fields


def _property() -> dict[str, Any]:
    return {
        "name": "property",
        "properties": _property_fields(),
        "required": ["name", "title", "type"],
        "additionalProperties": False,
        "definitions": _DEFINITIONS,
    }


def _property_map() -> dict[str, Any]:
    fields = _property_fields()
    fields.pop("name")
    return {
        "type": "object",
        "additionalProperties": {"type": "object", "required": ["title", "type"], "properties": fields},
    }


def _association() -> dict[str, Any]:
    return {
        "name": "resource_type_association",
        "properties": {
            "name": {"type": "string", "maxLength": 80, "description": "Resource type name."},
            "prefix": {"type": "string", "maxLength": 80, "description": "Prefix put before property names."},
            "properties_target": {
                "type": "string",
                "maxLength": 80,
                "description": "Where the properties go.",
            },
            **_TIMES,
        },
        "required": ["name"],
        "additionalProperties": False,
    }


def _object() -> dict[str, Any]:
    return {
        "name": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 80},
            "description": _STR,
            "required": {"$ref": "#/definitions/stringArray"},
            "properties": {"$ref": "#/definitions/property"},
            "schema": _RO,
            "self": _RO,
            **_TIMES,
        },
        "required": ["name"],
        "additionalProperties": False,
        "definitions": {**_DEFINITIONS, "property": _property_map()},
    }


def _tag() -> dict[str, Any]:
    return {
        "name": "tag",
        "properties": {"name": {"type": "string", "maxLength": 255}, **_TIMES},
        "required": ["name"],
        "additionalProperties": False,
    }


def _namespace() -> dict[str, Any]:
    return {
        "name": "namespace",
        "properties": {
            "namespace": {
                "type": "string",
                "maxLength": 80,
                "description": "The unique name of the namespace.",
            },
            "display_name": {"type": "string", "maxLength": 80},
            "description": {"type": "string", "maxLength": 500},
            "visibility": {"type": "string", "enum": ["public", "private"]},
            "protected": {"type": "boolean", "description": "A protected namespace cannot be deleted."},
            "owner": {"type": "string", "maxLength": 255},
            **_TIMES,
            "schema": _RO,
            "self": _RO,
            "resource_type_associations": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {k: _STR for k in ("name", "prefix", "properties_target")},
                },
            },
            "properties": {"$ref": "#/definitions/property"},
            "objects": {"type": "array", "items": {"type": "object", "properties": _object()["properties"]}},
            "tags": {"type": "array", "items": {"type": "object", "properties": {"name": _STR}}},
        },
        "required": ["namespace"],
        "additionalProperties": False,
        "definitions": {**_DEFINITIONS, "property": _property_map()},
    }


def _collection(name: str, item: dict[str, Any], href: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "properties": {
            name: {"type": "array", "items": item},
            "first": {"type": "string"},
            "next": {"type": "string"},
            "schema": {"type": "string"},
        },
    }
    if href:
        body["links"] = [
            {"rel": "first", "href": "{first}"},
            {"rel": "next", "href": "{next}"},
            {"rel": "describedby", "href": "{schema}"},
        ]
    if "definitions" in item:
        body["definitions"] = item["definitions"]
    return body


def _properties() -> dict[str, Any]:
    return {
        "name": "properties",
        "properties": {"properties": _property_map(), "schema": {"type": "string"}},
        "definitions": _DEFINITIONS,
    }


SCHEMAS = {
    "namespace": _namespace,
    "namespaces": lambda: _collection("namespaces", _namespace(), "namespaces"),
    "object": _object,
    "objects": lambda: _collection("objects", _object(), None),
    "property": _property,
    "properties": _properties,
    "tag": _tag,
    "tags": lambda: _collection("tags", _tag(), None),
    "resource_type": _association,
    "resource_types": lambda: _collection("resource_type_associations", _association(), None),
}


def show_schema(req: ApiRequest) -> Response:
    req.enforce()
    build = SCHEMAS.get(req.params["name"])
    if build is None:
        raise NotFound("schema", req.params["name"], message=f"No schema metadefs/{req.params['name']}.")
    return json_response(build())


ROUTES: list[Endpoint] = [
    Endpoint("GET", "/v2/schemas/metadefs/{name}", show_schema, "image:schemas:get"),
]
