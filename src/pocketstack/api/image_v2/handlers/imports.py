"""Image v2 interoperable import: ``POST /v2/images/{image_id}/import`` (glance-direct,
web-download and copy-image; glance-download answers 501), the headers that advertise it, and
``GET /v2/images/{image_id}/tasks`` (2.12), the import tasks of an image."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.image_v2.task_views import image_task
from pocketstack.core.errors import BadRequest, NotImplementedYet
from pocketstack.core.image import access
from pocketstack.core.image.imports import METHODS, UNSERVED_METHODS, ImportRequest

if TYPE_CHECKING:
    from pocketstack.cloud import Cloud

COPY_POLICY = "image:images:copy"


def import_headers(cloud: Cloud) -> dict[str, str]:
    """``OpenStack-image-import-methods`` and ``OpenStack-image-store-ids``: Glance puts them on
    image create and show responses (openstacksdk reads the methods from them)."""
    return {
        "OpenStack-image-import-methods": ",".join(METHODS),
        "OpenStack-image-store-ids": ",".join(cloud.image_stores),
    }


def _flag(body: dict[str, Any], name: str, default: bool) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise BadRequest(f"'{name}' must be boolean value only")
    return value


def parse_import(body: Any, header_store: str | None) -> ImportRequest:
    """The import request body, checked as Glance checks it (400 on anything malformed)."""
    if not isinstance(body, dict):
        raise BadRequest("The import request body must be a JSON object.")
    method = body.get("method")
    if not isinstance(method, dict):
        raise BadRequest("Import request requires a 'method' field.")
    name = method.get("name")
    if name is None:
        raise BadRequest("Import request requires a 'name' field.")
    if name in UNSERVED_METHODS:
        raise NotImplementedYet(
            f"The '{name}' import method (from another region's image service) is not implemented."
        )
    if name not in METHODS:
        raise BadRequest(f"Unknown import method name '{name}'.")
    if name == "web-download" and not isinstance(method.get("uri"), str):
        raise BadRequest("The web-download method requires a 'uri' to import from.")
    stores = body.get("stores")
    if stores is not None and (not isinstance(stores, list) or not all(isinstance(s, str) for s in stores)):
        raise BadRequest("'stores' must be a list of store identifiers.")
    return ImportRequest(
        method=name,
        stores=stores,
        all_stores=_flag(body, "all_stores", False),
        all_stores_must_succeed=_flag(body, "all_stores_must_succeed", True),
        header_store=header_store,
        uri=method.get("uri") if name == "web-download" else None,
    )


def import_image(req: ApiRequest) -> Response:
    request = parse_import(req.json(), req.headers.get("x-image-meta-store"))
    image = req.cloud.image_data.get(req.ctx, req.params["image_id"])
    req.cloud.image_imports.check_status(image, request.method)  # Glance: 409 before policy
    if request.method == "copy-image":
        req.cloud.policy.enforce(COPY_POLICY, req.ctx, access.target(image))
    else:
        req.enforce(access.target(image))
    req.cloud.image_imports.start(image, request, req.ctx, req.json())
    return empty_response(202)


def list_image_tasks(req: ApiRequest) -> Response:
    """Glance answers 404 for an image the caller may not see."""
    req.enforce()
    image = req.cloud.images.get(req.ctx, req.params["image_id"])
    return json_response({"tasks": [image_task(t) for t in req.cloud.image_imports.tasks.of_image(image.id)]})


ROUTES: list[Endpoint] = [
    Endpoint("POST", "/v2/images/{image_id}/import", import_image, "image:images:import"),
    Endpoint("GET", "/v2/images/{image_id}/tasks", list_image_tasks, "image:images:get"),
]
