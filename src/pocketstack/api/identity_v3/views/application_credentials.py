"""Application credential bodies: never the secret's hash; the secret only on create."""

from __future__ import annotations

from typing import Any

from pocketstack.api.identity_v3.views.common import collection_links, links
from pocketstack.core.identity.application_credentials import AppCredInfo


def _path(user_id: str, cred_id: str | None = None) -> str:
    path = f"users/{user_id}/application_credentials"
    return f"{path}/{cred_id}" if cred_id else path


def application_credential(base_url: str, info: AppCredInfo) -> dict[str, Any]:
    c = info.cred
    body: dict[str, Any] = {
        "id": c.id,
        "name": c.name,
        "description": c.description,
        "user_id": c.user_id,
        "project_id": c.project_id,
        "system": None,
        "roles": [{"id": r.id, "name": r.name, "domain_id": r.domain_id} for r in info.roles],
        # COMPAT: Keystone writes this datetime as oslo.serialization does: microseconds, no zone.
        "expires_at": c.expires_at.strftime("%Y-%m-%dT%H:%M:%S.%f") if c.expires_at else None,
        "unrestricted": c.unrestricted,
        "access_rules": info.access_rules or [],
        "links": links(base_url, _path(c.user_id, c.id)),
    }
    if info.secret is not None:
        body["secret"] = info.secret
    return body


def application_credentials(
    base_url: str, user_id: str, items: list[AppCredInfo], query_string: str = ""
) -> dict[str, Any]:
    self_path = _path(user_id) + (f"?{query_string}" if query_string else "")
    return {
        "application_credentials": [application_credential(base_url, i) for i in items],
        "links": collection_links(base_url, self_path),
    }
