"""Endpoint group, policy, registered limit and limit bodies."""

from __future__ import annotations

from typing import Any

from pocketstack.api.identity_v3.views.common import collection_links, links
from pocketstack.core.identity.limits import ScopedLimit
from pocketstack.store.identity_catalog_models import EndpointGroup, PolicyBlob, RegisteredLimit


def _self_path(path: str, query_string: str) -> str:
    return path + (f"?{query_string}" if query_string else "")


def endpoint_group(base_url: str, g: EndpointGroup) -> dict[str, Any]:
    return {
        "id": g.id,
        "name": g.name,
        "description": g.description,
        "filters": dict(g.filters),
        "links": links(base_url, f"OS-EP-FILTER/endpoint_groups/{g.id}"),
    }


def endpoint_groups(
    base_url: str, items: list[EndpointGroup], path: str, query_string: str = ""
) -> dict[str, Any]:
    return {
        "endpoint_groups": [endpoint_group(base_url, g) for g in items],
        "links": collection_links(base_url, _self_path(path, query_string)),
    }


def project_endpoint_group(base_url: str, group_id: str, project_id: str) -> dict[str, Any]:
    return {
        "project_endpoint_group": {
            "endpoint_group_id": group_id,
            "project_id": project_id,
            "links": links(base_url, f"OS-EP-FILTER/endpoint_groups/{group_id}/projects/{project_id}"),
        }
    }


def policy(base_url: str, p: PolicyBlob) -> dict[str, Any]:
    body: dict[str, Any] = dict(p.extra or {})
    body.update({"id": p.id, "type": p.type, "blob": p.blob, "links": links(base_url, f"policies/{p.id}")})
    return body


def policies(base_url: str, items: list[PolicyBlob], query_string: str = "") -> dict[str, Any]:
    return {
        "policies": [policy(base_url, p) for p in items],
        "links": collection_links(base_url, _self_path("policies", query_string)),
    }


def registered_limit(base_url: str, r: RegisteredLimit) -> dict[str, Any]:
    return {
        "id": r.id,
        "service_id": r.service_id,
        "region_id": r.region_id,
        "resource_name": r.resource_name,
        "default_limit": r.default_limit,
        "description": r.description,
        "links": links(base_url, f"registered_limits/{r.id}"),
    }


def limit(base_url: str, item: ScopedLimit) -> dict[str, Any]:
    lim, reg = item.limit, item.registered
    return {
        "id": lim.id,
        "project_id": lim.project_id,
        "domain_id": lim.domain_id,
        "service_id": reg.service_id,
        "region_id": reg.region_id,
        "resource_name": reg.resource_name,
        "resource_limit": lim.resource_limit,
        "description": lim.description,
        "links": links(base_url, f"limits/{lim.id}"),
    }
