"""Identity v3 views shared by every resource: links and small references."""

from __future__ import annotations

from typing import Any

from pocketstack.store.models import Domain, Project, Role


def links(base_url: str, path: str) -> dict[str, str]:
    return {"self": f"{base_url}/v3/{path}"}


def collection_links(base_url: str, path: str) -> dict[str, Any]:
    return {"self": f"{base_url}/v3/{path}", "previous": None, "next": None}


def domain_ref(domain: Domain) -> dict[str, str]:
    return {"id": domain.id, "name": domain.name}


def role_ref(role: Role) -> dict[str, str]:
    return {"id": role.id, "name": role.name}


def project_ref(project: Project, domain: Domain) -> dict[str, Any]:
    return {"id": project.id, "name": project.name, "domain": domain_ref(domain)}
