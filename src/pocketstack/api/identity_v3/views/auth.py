"""Token and catalog bodies."""

from __future__ import annotations

from typing import Any

from pocketstack.api.common.responses import isotime
from pocketstack.api.identity_v3.views.common import domain_ref, project_ref, role_ref
from pocketstack.core.identity.auth import TokenInfo
from pocketstack.core.identity.catalog import CatalogEntry
from pocketstack.core.identity.catalog_urls import personal_url


def catalog(
    entries: list[CatalogEntry], user_id: str | None = None, project_id: str | None = None
) -> list[dict[str, Any]]:
    """``user_id``/``project_id`` fill in the endpoint URLs' substitutions (catalog_urls.py)."""
    out = []
    for entry in entries:
        endpoints = []
        for e in entry.endpoints:
            url = personal_url(e.url, user_id, project_id)
            if url is not None:
                endpoints.append(
                    {
                        "id": e.id,
                        "interface": e.interface,
                        "region": e.region_id,
                        "region_id": e.region_id,
                        "url": url,
                    }
                )
        out.append(
            {
                "id": entry.service.id,
                "type": entry.service.type,
                "name": entry.service.name,
                "endpoints": endpoints,
            }
        )
    return out


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
            project_id = info.project.id if info.project is not None else None
            body["catalog"] = catalog(entries, info.user.id, project_id)
    if info.application_credential is not None:
        cred = info.application_credential
        body["application_credential"] = {
            "id": cred.id,
            "name": cred.name,
            "restricted": not cred.unrestricted,
        }
        if info.access_rules:
            body["application_credential"]["access_rules"] = info.access_rules
    if info.trust is not None:
        body["OS-TRUST:trust"] = {
            "id": info.trust.id,
            "trustor_user": {"id": info.trust.trustor_user_id},
            "trustee_user": {"id": info.trust.trustee_user_id},
            "impersonation": info.trust.impersonation,
        }
    return {"token": body}
