"""Service, endpoint and region bodies. (The catalog inside tokens is ``views.auth.catalog``.)"""

from __future__ import annotations

from typing import Any

from pocketstack.api.identity_v3.views.common import collection_links, links
from pocketstack.store.models import Endpoint, Region, Service


def _self_path(path: str, query_string: str) -> str:
    return path + (f"?{query_string}" if query_string else "")


def service(base_url: str, s: Service) -> dict[str, Any]:
    body: dict[str, Any] = dict(s.extra or {})
    body.update(
        {
            "id": s.id,
            "type": s.type,
            "name": s.name,
            "description": s.description,
            "enabled": s.enabled,
            "links": links(base_url, f"services/{s.id}"),
        }
    )
    return body


def services(base_url: str, items: list[Service], query_string: str = "") -> dict[str, Any]:
    return {
        "services": [service(base_url, s) for s in items],
        "links": collection_links(base_url, _self_path("services", query_string)),
    }


def endpoint(base_url: str, e: Endpoint) -> dict[str, Any]:
    body: dict[str, Any] = dict(e.extra or {})
    body.update(
        {
            "id": e.id,
            "interface": e.interface,
            # COMPAT: Keystone still shows the v3.0 ``region`` next to ``region_id``.
            "region": e.region_id,
            "region_id": e.region_id,
            "service_id": e.service_id,
            "url": e.url,
            "enabled": e.enabled,
            "links": links(base_url, f"endpoints/{e.id}"),
        }
    )
    return body


def endpoints(base_url: str, items: list[Endpoint], query_string: str = "") -> dict[str, Any]:
    return {
        "endpoints": [endpoint(base_url, e) for e in items],
        "links": collection_links(base_url, _self_path("endpoints", query_string)),
    }


def region(base_url: str, r: Region) -> dict[str, Any]:
    body: dict[str, Any] = dict(r.extra or {})
    body.update(
        {
            "id": r.id,
            "description": r.description,
            "parent_region_id": r.parent_region_id,
            "links": links(base_url, f"regions/{r.id}"),
        }
    )
    return body


def regions(base_url: str, items: list[Region], query_string: str = "") -> dict[str, Any]:
    return {
        "regions": [region(base_url, r) for r in items],
        "links": collection_links(base_url, _self_path("regions", query_string)),
    }
