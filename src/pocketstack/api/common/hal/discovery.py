"""What makes an API of this kind discoverable, all built from its one route table: the
JSON-Home root document, the JSON Schemas of its bodies (with hyper-schema links), and an
OpenAPI 3.1 document. Built once per process, on first request."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

import orjson
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.responses import Response

from pocketstack.api.common.hal.routes import Route, link
from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest
from pocketstack.core.errors import NotFound

JSON_HOME = "application/json-home"


class ErrorShape(BaseModel):
    """The error envelope."""

    errors: list[dict[str, Any]]


class Discovery:
    """The discovery documents of one API: ``title`` and ``version`` as its root shows them,
    ``rel`` the prefix of its link relations, ``table`` its route table (a callable: the table
    holds these documents' own routes, so it is read on first request)."""

    def __init__(
        self, title: str, version: str, rel: str, mount: str, table: Callable[[], list[Route]]
    ) -> None:
        self.title = title
        self.version = version
        self.rel = rel
        self.mount = mount
        self._table = table
        self.routes = [
            Route(
                "GET", "/", self.home, None, "home", "This document: every route and its relation.", errors=()
            ),
            Route(
                "GET",
                "/schemas",
                self.list_schemas,
                None,
                "schemas",
                "The JSON Schemas of every body.",
                errors=(),
            ),
            Route(
                "GET",
                "/schemas/{name}",
                self.show_schema,
                None,
                "schema",
                "One body's JSON Schema.",
                errors=(404,),
            ),
            Route(
                "GET", "/openapi.json", self.openapi, None, "openapi", "This API as OpenAPI 3.1.", errors=()
            ),
        ]

    @cached_property
    def _models(self) -> dict[str, type[BaseModel]]:
        found: dict[str, type[BaseModel]] = {"ErrorShape": ErrorShape}
        for route in self._table():
            for model in (route.body, route.returns):
                if model is not None:
                    found[model.__name__] = model
        return found

    @cached_property
    def _schemas(self) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
        """(each model's own schema with its definitions inlined under $defs, OpenAPI components)."""
        bodies = {r.body for r in self._table()}
        modes = {m: "validation" if m in bodies else "serialization" for m in self._models.values()}
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

    def home(self, req: ApiRequest) -> Response:
        base = req.base_url
        resources: dict[str, Any] = {}
        for route in self._table():
            entry = resources.setdefault(self.rel + route.rel, self._resource(base, route))
            entry["hints"]["allow"] = sorted({*entry["hints"]["allow"], route.method})
        doc = {
            "api": {
                "title": self.title,
                "version": self.version,
                "links": {"describedBy": f"{base}/openapi.json", "schemas": f"{base}/schemas"},
            },
            "resources": resources,
            "_links": {"self": link(base + "/"), "describedby": link(f"{base}/openapi.json")},
        }
        return Response(orjson.dumps(doc), media_type=JSON_HOME)

    def _resource(self, base: str, route: Route) -> dict[str, Any]:
        hints: dict[str, Any] = {"allow": [], "formats": {"application/json": {}}}
        if not route.path_params:
            return {"href": base + route.path, "hints": hints}
        return {
            "href-template": base + route.path,
            "href-vars": {p: f"{self.rel}param:{p}" for p in route.path_params},
            "hints": hints,
        }

    def list_schemas(self, req: ApiRequest) -> Response:
        base = req.base_url
        names = sorted(self._models)
        items = [{"name": n, "_links": {"self": link(f"{base}/schemas/{n}")}} for n in names]
        return json_response({"schemas": items, "_links": {"self": link(f"{base}/schemas")}})

    def show_schema(self, req: ApiRequest) -> Response:
        name = req.params["name"]
        own, _ = self._schemas
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
            for route in self._table()
            if name in {m.__name__ for m in (route.body, route.returns) if m is not None}
        ]
        return Response(orjson.dumps(schema), media_type="application/schema+json")

    @cached_property
    def _openapi(self) -> dict[str, Any]:
        _, components = self._schemas
        paths: dict[str, dict[str, Any]] = {}
        for route in self._table():
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
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{route.body.__name__}"}
                        }
                    },
                }
            paths.setdefault(route.path, {})[route.method.lower()] = op
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version},
            "servers": [{"url": self.mount}],
            "paths": paths,
            "components": {
                "schemas": components,
                "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"}},
            },
        }

    def openapi(self, req: ApiRequest) -> Response:
        doc = dict(self._openapi)
        doc["servers"] = [{"url": req.base_url}]
        return json_response(doc)


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
