"""Token and catalog bodies."""

from __future__ import annotations

from typing import Any

from pocketstack.api.common.responses import isotime
from pocketstack.api.identity_v3.views.common import domain_ref, project_ref, role_ref
from pocketstack.core.identity.auth import TokenInfo
from pocketstack.core.identity.catalog import CatalogEntry


def catalog(entries: list[CatalogEntry]) -> list[dict[str, Any]]:
    return [
        {
            "id": entry.service.id,
            "type": entry.service.type,
            "name": entry.service.name,
            "endpoints": [
                {
                    "id": e.id,
                    "interface": e.interface,
                    "region": e.region_id,
                    "region_id": e.region_id,
                    "url": e.url,
                }
                for e in entry.endpoints
            ],
        }
        for entry in entries
    ]


def token(info: TokenInfo, entries: list[CatalogEntry] | None) -> dict[str, Any]:
    p = info.payload
    body: dict[str, Any] = {
        "methods": list(p.methods),
        "user": {
            "id": info.user.id,
            "name": info.user.name,
            "domain": domain_ref(info.user_domain),
            "password_expires_at": None,
        },
        "audit_ids": p.audit_ids,
        "expires_at": isotime(p.expires_at),
        "issued_at": isotime(p.issued_at),
    }
    if info.project is not None and info.project_domain is not None:
        body["project"] = project_ref(info.project, info.project_domain)
        body["is_domain"] = False
    elif info.domain is not None:
        body["domain"] = domain_ref(info.domain)
    elif p.scope == "system":
        body["system"] = {"all": True}
    if p.scope != "unscoped":
        body["roles"] = [role_ref(r) for r in info.roles]
        if entries is not None:
            body["catalog"] = catalog(entries)
    if info.application_credential is not None:
        cred = info.application_credential
        body["application_credential"] = {
            "id": cred.id,
            "name": cred.name,
            "restricted": not cred.unrestricted,
        }
    return {"token": body}
