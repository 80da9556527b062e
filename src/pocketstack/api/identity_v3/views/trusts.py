"""OS-TRUST bodies. COMPAT: ``expires_at`` with microseconds, as Keystone writes it."""

from __future__ import annotations

from typing import Any

from pocketstack.api.common.responses import isotime
from pocketstack.api.identity_v3.views import roles as role_views
from pocketstack.api.identity_v3.views.common import collection_links, links
from pocketstack.core.identity.trusts import TrustInfo
from pocketstack.store.identity_delegation_models import Trust

_PATH = "OS-TRUST/trusts"


def trust_summary(base_url: str, t: Trust) -> dict[str, Any]:
    return {
        "id": t.id,
        "trustor_user_id": t.trustor_user_id,
        "trustee_user_id": t.trustee_user_id,
        "project_id": t.project_id,
        "impersonation": t.impersonation,
        "expires_at": isotime(t.expires_at),
        "remaining_uses": t.remaining_uses,
        "redelegated_trust_id": t.redelegated_trust_id,
        "redelegation_count": t.redelegation_count,
        "deleted_at": None,
        "links": links(base_url, f"{_PATH}/{t.id}"),
    }


def trust(base_url: str, info: TrustInfo) -> dict[str, Any]:
    body = trust_summary(base_url, info.trust)
    body["roles"] = [role_views.role(base_url, r) for r in info.roles]
    body["roles_links"] = collection_links(base_url, f"{_PATH}/{info.trust.id}/roles")
    return body


def trusts(base_url: str, items: list[Trust], query_string: str = "") -> dict[str, Any]:
    path = _PATH + (f"?{query_string}" if query_string else "")
    return {"trusts": [trust_summary(base_url, t) for t in items], "links": collection_links(base_url, path)}


def trust_roles(base_url: str, info: TrustInfo) -> dict[str, Any]:
    return {
        "roles": [role_views.role(base_url, r) for r in info.roles],
        "links": collection_links(base_url, f"{_PATH}/{info.trust.id}/roles"),
    }
