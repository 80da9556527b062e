"""Domain bodies."""

from __future__ import annotations

from typing import Any

from pocketstack.api.identity_v3.views.common import collection_links, links
from pocketstack.core.identity.resources import extra_of, options_of
from pocketstack.store.models import Domain


def domain(base_url: str, d: Domain) -> dict[str, Any]:
    return {
        **extra_of(d),
        "id": d.id,
        "name": d.name,
        "description": d.description or "",
        "enabled": d.enabled,
        "options": options_of(d),
        "links": links(base_url, f"domains/{d.id}"),
    }


def domains(base_url: str, items: list[Domain], path: str = "domains") -> dict[str, Any]:
    return {"domains": [domain(base_url, d) for d in items], "links": collection_links(base_url, path)}
