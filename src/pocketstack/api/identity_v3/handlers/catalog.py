"""/v3/services, /v3/endpoints and /v3/regions: Keystone's catalog administration."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.common.validation import parse
from pocketstack.api.identity_v3.schemas.catalog import (
    REGION_ID_MAX,
    EndpointCreateBody,
    EndpointUpdateBody,
    RegionCreateBody,
    RegionUpdateBody,
    ServiceCreateBody,
    ServiceUpdateBody,
)
from pocketstack.api.identity_v3.schemas.domains import check_matching_id, extra_attributes, given
from pocketstack.api.identity_v3.views import catalog as views
from pocketstack.core.errors import BadRequest
from pocketstack.core.identity.catalog import INTERFACES


def _query_string(req: ApiRequest) -> str:
    return req.request.url.query


def _require_changes(model: BaseModel, kind: str) -> None:
    """COMPAT: Keystone's PATCH schemas ask for at least one property."""
    if not model.model_fields_set and not model.model_extra:
        raise BadRequest(f"Invalid input for field '{kind}': it must name at least one attribute to change.")


def _patch(model: BaseModel, ident: str, kind: str, nullable: frozenset[str]) -> dict[str, Any]:
    _require_changes(model, kind)
    check_matching_id(model, ident, kind)
    changes = given(model, nullable=nullable)
    extra = extra_attributes(model)
    if extra:
        changes["extra"] = extra
    return changes


# -- services -----------------------------------------------------------------------------------
def list_services(req: ApiRequest) -> Response:
    req.enforce()
    items = req.cloud.catalog.list_services(type=req.query.get("type"), name=req.query.get("name"))
    return json_response(views.services(req.base_url, items, _query_string(req)))


def create_service(req: ApiRequest) -> Response:
    req.enforce()
    body = parse(ServiceCreateBody, req.json()).service
    service = req.cloud.catalog.create_service(
        type=body.type,
        name=body.name or "",
        description=body.description or "",
        enabled=True if body.enabled is None else body.enabled,
        extra=extra_attributes(body),
    )
    return json_response({"service": views.service(req.base_url, service)}, 201)


def get_service(req: ApiRequest) -> Response:
    req.enforce()
    service = req.cloud.catalog.get_service(req.params["service_id"])
    return json_response({"service": views.service(req.base_url, service)})


def update_service(req: ApiRequest) -> Response:
    req.enforce()
    service_id = req.params["service_id"]
    body = parse(ServiceUpdateBody, req.json()).service
    changes = _patch(body, service_id, "service", frozenset({"description"}))
    if "description" in changes:
        changes["description"] = changes["description"] or ""
    service = req.cloud.catalog.update_service(service_id, changes)
    return json_response({"service": views.service(req.base_url, service)})


def delete_service(req: ApiRequest) -> Response:
    req.enforce()
    req.cloud.catalog.delete_service(req.params["service_id"])
    return empty_response(204)


# -- endpoints ----------------------------------------------------------------------------------
def list_endpoints(req: ApiRequest) -> Response:
    req.enforce()
    interface = req.query.get("interface")
    if interface is not None and interface not in INTERFACES:
        raise BadRequest(
            f"Invalid input for field 'interface': {interface!r} is not one of {', '.join(INTERFACES)}."
        )
    items = req.cloud.catalog.list_endpoints(
        interface=interface,
        service_id=req.query.get("service_id"),
        region_id=req.query.get("region_id"),
    )
    return json_response(views.endpoints(req.base_url, items, _query_string(req)))


def create_endpoint(req: ApiRequest) -> Response:
    req.enforce()
    body = parse(EndpointCreateBody, req.json()).endpoint
    endpoint = req.cloud.catalog.create_endpoint(
        service_id=body.service_id,
        interface=body.interface,
        url=body.url,
        region_id=body.region_id,
        enabled=True if body.enabled is None else body.enabled,
        extra=extra_attributes(body),
        legacy_region=body.region,
    )
    return json_response({"endpoint": views.endpoint(req.base_url, endpoint)}, 201)


def get_endpoint(req: ApiRequest) -> Response:
    req.enforce()
    endpoint = req.cloud.catalog.get_endpoint(req.params["endpoint_id"])
    return json_response({"endpoint": views.endpoint(req.base_url, endpoint)})


def update_endpoint(req: ApiRequest) -> Response:
    req.enforce()
    endpoint_id = req.params["endpoint_id"]
    body = parse(EndpointUpdateBody, req.json()).endpoint
    changes = _patch(body, endpoint_id, "endpoint", frozenset({"region_id", "region"}))
    if "region" in changes:
        changes["legacy_region"] = changes.pop("region")
    endpoint = req.cloud.catalog.update_endpoint(endpoint_id, changes)
    return json_response({"endpoint": views.endpoint(req.base_url, endpoint)})


def delete_endpoint(req: ApiRequest) -> Response:
    req.enforce()
    req.cloud.catalog.delete_endpoint(req.params["endpoint_id"])
    return empty_response(204)


# -- regions ------------------------------------------------------------------------------------
def list_regions(req: ApiRequest) -> Response:
    req.enforce()
    items = req.cloud.catalog.list_regions(parent_region_id=req.query.get("parent_region_id"))
    return json_response(views.regions(req.base_url, items, _query_string(req)))


def _create_region(req: ApiRequest, region_id: str | None) -> Response:
    body = parse(RegionCreateBody, req.json()).region
    region = req.cloud.catalog.create_region(
        region_id=region_id or body.id or None,
        description=body.description or "",
        parent_region_id=body.parent_region_id,
        extra=extra_attributes(body),
    )
    return json_response({"region": views.region(req.base_url, region)}, 201)


def create_region(req: ApiRequest) -> Response:
    """POST: the id comes from the body, or is generated."""
    req.enforce()
    return _create_region(req, None)


def put_region(req: ApiRequest) -> Response:
    """PUT /v3/regions/{region_id}: create the region with the id of the path."""
    req.enforce()
    region_id = req.params["region_id"]
    if len(region_id) > REGION_ID_MAX:
        raise BadRequest(f"Invalid input for field 'id': a region id has at most {REGION_ID_MAX} characters.")
    body_id = parse(RegionCreateBody, req.json()).region.id
    if body_id is not None and body_id != region_id:
        raise BadRequest(f'Conflicting region IDs specified: "{region_id}" != "{body_id}"')
    return _create_region(req, region_id)


def get_region(req: ApiRequest) -> Response:
    req.enforce()
    region = req.cloud.catalog.get_region(req.params["region_id"])
    return json_response({"region": views.region(req.base_url, region)})


def update_region(req: ApiRequest) -> Response:
    req.enforce()
    region_id = req.params["region_id"]
    body = parse(RegionUpdateBody, req.json()).region
    changes = _patch(body, region_id, "region", frozenset({"description", "parent_region_id"}))
    if "description" in changes:
        changes["description"] = changes["description"] or ""
    region = req.cloud.catalog.update_region(region_id, changes)
    return json_response({"region": views.region(req.base_url, region)})


def delete_region(req: ApiRequest) -> Response:
    req.enforce()
    req.cloud.catalog.delete_region(req.params["region_id"])
    return empty_response(204)


E = Endpoint
_SERVICE = "/v3/services/{service_id}"
_ENDPOINT = "/v3/endpoints/{endpoint_id}"
_REGION = "/v3/regions/{region_id}"

ROUTES: list[Endpoint] = [
    E("GET", "/v3/services", list_services, "identity:services:list"),
    E("POST", "/v3/services", create_service, "identity:services:create"),
    E("GET", _SERVICE, get_service, "identity:services:get"),
    E("PATCH", _SERVICE, update_service, "identity:services:update"),
    E("DELETE", _SERVICE, delete_service, "identity:services:delete"),
    E("GET", "/v3/endpoints", list_endpoints, "identity:endpoints:list"),
    E("POST", "/v3/endpoints", create_endpoint, "identity:endpoints:create"),
    E("GET", _ENDPOINT, get_endpoint, "identity:endpoints:get"),
    E("PATCH", _ENDPOINT, update_endpoint, "identity:endpoints:update"),
    E("DELETE", _ENDPOINT, delete_endpoint, "identity:endpoints:delete"),
    E("GET", "/v3/regions", list_regions, "identity:regions:list"),
    E("POST", "/v3/regions", create_region, "identity:regions:create"),
    E("GET", _REGION, get_region, "identity:regions:get"),
    E("PUT", _REGION, put_region, "identity:regions:create"),
    E("PATCH", _REGION, update_region, "identity:regions:update"),
    E("DELETE", _REGION, delete_region, "identity:regions:delete"),
]
