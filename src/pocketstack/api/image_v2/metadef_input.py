"""Request bodies of the metadata definitions API, checked as Glance's schemas check them:
unknown fields and wrong types are a 400; the read-only ``self``, ``schema``, ``created_at`` and
``updated_at`` are a 403, as Glance answers."""

from __future__ import annotations

from typing import Any

from pocketstack.core.errors import BadRequest, Forbidden
from pocketstack.core.image.metadefs.namespaces import VISIBILITIES, NamespaceInput

READ_ONLY = ("self", "schema", "created_at", "updated_at")
JSON_TYPES = ("array", "boolean", "integer", "number", "object", "string", None)
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "array": (list,),
    "object": (dict,),
}
# The keys of a property definition and the JSON type of each (None: any value).
PROPERTY_KEYS: dict[str, str | None] = {
    "name": "string",
    "title": "string",
    "description": "string",
    "operators": "array",
    "type": None,
    "required": "array",
    "minimum": "number",
    "maximum": "number",
    "maxLength": "integer",
    "minLength": "integer",
    "pattern": "string",
    "enum": "array",
    "readonly": "boolean",
    "default": None,
    "items": "object",
    "maxItems": "integer",
    "minItems": "integer",
    "uniqueItems": "boolean",
    "additionalItems": "boolean",
}


def _object(body: Any, what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadRequest(f"The {what} must be a JSON object.")
    for key in READ_ONLY:
        if key in body:
            raise Forbidden(f"Attribute '{key}' is read-only.")
    return body


def _check(value: Any, json_type: str, where: str) -> Any:
    ok = isinstance(value, _TYPES[json_type])
    if json_type in ("integer", "number") and isinstance(value, bool):
        ok = False
    if not ok:
        raise BadRequest(f"Invalid input for field '{where}': {value!r} is not of type '{json_type}'.")
    return value


def _string(body: dict[str, Any], key: str, max_length: int | None, required: bool = False) -> str | None:
    if key not in body or body[key] is None:
        if required:
            raise BadRequest(f"'{key}' is a required property.")
        return None
    value = _check(body[key], "string", key)
    if required and not value:
        raise BadRequest(f"'{key}' must not be empty.")
    if max_length is not None and len(value) > max_length:
        raise BadRequest(f"Invalid input for field '{key}': longer than {max_length} characters.")
    return value


def _unknown(body: dict[str, Any], allowed: set[str], what: str) -> None:
    extra = sorted(set(body) - allowed)
    if extra:
        raise BadRequest(
            f"Additional properties are not allowed ({', '.join(map(repr, extra))} unexpected) in {what}."
        )


def property_schema(body: Any, where: str, require_name: bool) -> dict[str, Any]:
    """A property definition; returns it without its name."""
    body = _object(body, where)
    _unknown(body, set(PROPERTY_KEYS), where)
    for key in ("title", "type") + (("name",) if require_name else ()):
        if key not in body:
            raise BadRequest(f"'{key}' is a required property of {where}.")
    if body["type"] not in JSON_TYPES:
        raise BadRequest(
            f"Invalid type {body['type']!r} in {where}: use one of {', '.join(map(str, JSON_TYPES[:-1]))}."
        )
    for key, json_type in PROPERTY_KEYS.items():
        if json_type is not None and key in body and body[key] is not None:
            _check(body[key], json_type, f"{where}.{key}")
    for key in ("maxLength", "minLength", "maxItems", "minItems"):
        if isinstance(body.get(key), int) and body[key] < 0:
            raise BadRequest(f"Invalid input for field '{where}.{key}': it cannot be negative.")
    if "name" in body:
        _string(body, "name", 255, required=True)
    return {k: v for k, v in body.items() if k != "name"}


def properties_map(value: Any, where: str) -> dict[str, dict[str, Any]]:
    if value is None:
        return {}
    _check(value, "object", where)
    return {name: property_schema(schema, f"{where}.{name}", False) for name, schema in value.items()}


def object_values(body: Any) -> dict[str, Any]:
    body = _object(body, "object")
    _unknown(body, {"name", "description", "required", "properties"}, "object")
    name = _string(body, "name", 80, required=True)
    required = body.get("required") or []
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        raise BadRequest("Invalid input for field 'required': it must be a list of strings.")
    return {
        "name": name,
        "description": _string(body, "description", None),
        "required": required,
        "properties": properties_map(body.get("properties"), "properties"),
    }


def property_values(body: Any) -> dict[str, Any]:
    schema = property_schema(body, "property", True)
    return {"name": body["name"], "json_schema": schema}


def tag_name(body: Any) -> str:
    body = _object(body, "tag")
    _unknown(body, {"name"}, "tag")
    return _string(body, "name", 255, required=True) or ""


def tag_names(body: Any) -> list[str]:
    body = _object(body, "request body")
    _unknown(body, {"tags"}, "request body")
    tags = body.get("tags")
    if not isinstance(tags, list):
        raise BadRequest("'tags' is a required property: a list of {\"name\": ...} objects.")
    return [tag_name(t) for t in tags]


def association(body: Any) -> dict[str, Any]:
    body = _object(body, "resource type association")
    _unknown(body, {"name", "prefix", "properties_target"}, "resource type association")
    return {
        "name": _string(body, "name", 80, required=True),
        "prefix": _string(body, "prefix", 80),
        "properties_target": _string(body, "properties_target", 80),
    }


def namespace(body: Any, with_contents: bool) -> NamespaceInput:
    body = _object(body, "namespace")
    allowed = {"namespace", "display_name", "description", "visibility", "protected", "owner"}
    allowed |= {"resource_type_associations", "properties", "objects", "tags"}
    _unknown(body, allowed, "namespace")
    visibility = _string(body, "visibility", None)
    if visibility is not None and visibility not in VISIBILITIES:
        raise BadRequest(f"Invalid visibility {visibility!r}: use public or private.")
    protected = body.get("protected")
    if protected is not None:
        _check(protected, "boolean", "protected")
    data = NamespaceInput(
        namespace=_string(body, "namespace", 80, required=True) or "",
        display_name=_string(body, "display_name", 80),
        description=_string(body, "description", 500),
        visibility=visibility,
        protected=protected,
        owner=_string(body, "owner", 255),
    )
    if not with_contents:
        return data
    for key in ("resource_type_associations", "objects", "tags"):
        if body.get(key) is not None:
            _check(body[key], "array", key)
    data.resource_type_associations = [association(a) for a in body.get("resource_type_associations") or []]
    data.properties = properties_map(body.get("properties"), "properties")
    data.objects = [object_values(o) for o in body.get("objects") or []]
    data.tags = [tag_name(t) for t in body.get("tags") or []]
    return data
