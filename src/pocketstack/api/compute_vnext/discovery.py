"""What makes vNext discoverable, all built from the one route table (routes.py): the
JSON-Home root document, the JSON Schemas of its bodies (with hyper-schema links), and an
OpenAPI 3.1 document. Built once per process, on first request."""

from __future__ import annotations

from functools import cache
from typing import Any

import orjson
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.compute_vnext.common import REL, Route, link
from pocketstack.api.compute_vnext.versions import VERSION
from pocketstack.core.errors import NotFound

JSON_HOME = "application/json-home"


def _table() -> list[Route]:
    from pocketstack.api.compute_vnext.routes import TABLE  # noqa: PLC0415 - it imports this module

    return TABLE


@cache
def _models() -> dict[str, type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {"ErrorShape": ErrorShape}
    for route in _table():
        for model in (route.body, route.returns):
            if model is not None:
                found[model.__name__] = model
    return found


@cache
def _schemas() -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """(each model's own schema with its definitions inlined under $defs, OpenAPI components)."""
    bodies = {r.body for r in _table()}
    modes = {m: "validation" if m in bodies else "serialization" for m in _models().values()}
    own = {
        model.__name__: {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            **model.model_json_schema(by_alias=True, mode=mode),
        }
        for model, mode in modes.items()
    }
    pairs = list(modes.items())
    _, components = models_json_schema(pairs, by_alias=True, ref_template="#/components/schemas/{model}")
    return own, components.get("$defs", {})


class ErrorShape(BaseModel):
    """The error envelope."""

    errors: list[dict[str, Any]]


def home(req: ApiRequest) -> Response:
    base = req.base_url
    resources: dict[str, Any] = {}
    for route in _table():
        entry = resources.setdefault(REL + route.rel, _resource(base, route))
        entry["hints"]["allow"] = sorted({*entry["hints"]["allow"], route.method})
    doc = {
        "api": {
            "title": "pocketstack Compute vNext",
            "version": VERSION,
            "links": {"describedBy": f"{base}/openapi.json", "schemas": f"{base}/schemas"},
        },
        "resources": resources,
        "_links": {"self": link(base + "/"), "describedby": link(f"{base}/openapi.json")},
    }
    return Response(orjson.dumps(doc), media_type=JSON_HOME)


def _resource(base: str, route: Route) -> dict[str, Any]:
    hints: dict[str, Any] = {"allow": [], "formats": {"application/json": {}}}
    if not route.path_params:
        return {"href": base + route.path, "hints": hints}
    return {
        "href-template": base + route.path,
        "href-vars": {p: f"{REL}param:{p}" for p in route.path_params},
        "hints": hints,
    }


def list_schemas(req: ApiRequest) -> Response:
    base = req.base_url
    names = sorted(_models())
    items = [{"name": n, "_links": {"self": link(f"{base}/schemas/{n}")}} for n in names]
    return json_response({"schemas": items, "_links": {"self": link(f"{base}/schemas")}})


def show_schema(req: ApiRequest) -> Response:
    name = req.params["name"]
    own, _ = _schemas()
    if name not in own:
        raise NotFound("schema", name, message=f"No schema is named {name}.")
    schema = dict(own[name])
    schema["links"] = [
        {
            "rel": route.rel,
            "href": req.base_url + route.path,
            "method": route.method,
            **(
                {"submissionSchema": {"$ref": f"{req.base_url}/schemas/{route.body.__name__}"}}
                if route.body
                else {}
            ),
        }
        for route in _table()
        if name in {m.__name__ for m in (route.body, route.returns) if m is not None}
    ]
    return Response(orjson.dumps(schema), media_type="application/schema+json")


@cache
def _openapi() -> dict[str, Any]:
    _, components = _schemas()
    paths: dict[str, dict[str, Any]] = {}
    for route in _table():
        op: dict[str, Any] = {
            "operationId": f"{route.method.lower()}-{route.rel}",
            "summary": route.summary,
            "parameters": [
                {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                for p in route.path_params
            ]
            + [
                {
                    "name": q.name,
                    "in": "query",
                    "required": False,
                    "description": q.description,
                    "schema": {"type": q.type},
                }
                for q in route.query
            ],
            "responses": _responses(route),
        }
        if route.policy is not None:
            op["security"] = [{"token": []}]
        if route.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{route.body.__name__}"}}
                },
            }
        paths.setdefault(route.path, {})[route.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "pocketstack Compute vNext", "version": VERSION},
        "servers": [{"url": "/compute/vnext"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"}},
        },
    }


def _responses(route: Route) -> dict[str, Any]:
    error = {
        "description": "An error.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorShape"}}},
    }
    ok: dict[str, Any] = {"description": "Success."}
    if route.returns is not None and route.method != "HEAD":
        ok["content"] = {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{route.returns.__name__}"}}
        }
    out = {str(route.status): ok}
    out.update({str(code): error for code in route.errors})
    return out


def openapi(req: ApiRequest) -> Response:
    doc = dict(_openapi())
    doc["servers"] = [{"url": req.base_url}]
    return json_response(doc)


ROUTES = [
    Route("GET", "/", home, None, "home", "This document: every route and its relation.", errors=()),
    Route("GET", "/schemas", list_schemas, None, "schemas", "The JSON Schemas of every body.", errors=()),
    Route("GET", "/schemas/{name}", show_schema, None, "schema", "One body's JSON Schema.", errors=(404,)),
    Route("GET", "/openapi.json", openapi, None, "openapi", "This API as OpenAPI 3.1.", errors=()),
]
