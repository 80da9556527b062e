"""Project bodies."""

from __future__ import annotations

from typing import Any

from pocketstack.api.identity_v3.views.common import collection_links, links
from pocketstack.core.identity.resources import extra_of, options_of
from pocketstack.store.models import Domain, Project


def project(base_url: str, p: Project) -> dict[str, Any]:
    return {
        **extra_of(p),
        "id": p.id,
        "name": p.name,
        "domain_id": p.domain_id,
        "description": p.description or "",
        "enabled": p.enabled,
        "is_domain": False,
        # COMPAT: Keystone models a domain as the root project, so it is a top-level parent.
        "parent_id": p.parent_id or p.domain_id,
        "tags": list(p.tags or []),
        "options": options_of(p),
        "links": links(base_url, f"projects/{p.id}"),
    }


def domain_as_project(base_url: str, d: Domain) -> dict[str, Any]:
    """A domain as Keystone lists it under ``/v3/projects?is_domain=true``."""
    return {
        **extra_of(d),
        "id": d.id,
        "name": d.name,
        "domain_id": None,
        "description": d.description or "",
        "enabled": d.enabled,
        "is_domain": True,
        "parent_id": None,
        "tags": [],
        "options": options_of(d),
        "links": links(base_url, f"projects/{d.id}"),
    }


def projects(base_url: str, items: list[Project], path: str = "projects") -> dict[str, Any]:
    return {"projects": [project(base_url, p) for p in items], "links": collection_links(base_url, path)}


def tags(base_url: str, p: Project) -> dict[str, Any]:
    return {"tags": list(p.tags or []), "links": links(base_url, f"projects/{p.id}/tags")}
