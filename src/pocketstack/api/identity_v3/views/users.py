"""User bodies: never the password nor its hash."""

from __future__ import annotations

from typing import Any

from pocketstack.api.identity_v3.views.common import collection_links, links
from pocketstack.store.models import User

# Extra attributes that must never reach a response, whatever was stored.
_SECRET = frozenset({"password", "password_hash", "original_password"})


def user(base_url: str, u: User) -> dict[str, Any]:
    body: dict[str, Any] = {k: v for k, v in (u.extra or {}).items() if k not in _SECRET}
    body.update(
        {
            "id": u.id,
            "name": u.name,
            "domain_id": u.domain_id,
            "enabled": u.enabled,
            "password_expires_at": None,
            "options": dict(u.options or {}),
            "links": links(base_url, f"users/{u.id}"),
        }
    )
    # COMPAT: Keystone shows these two only when they are set.
    if u.default_project_id:
        body["default_project_id"] = u.default_project_id
    if u.description:
        body["description"] = u.description
    return body


def users(base_url: str, items: list[User]) -> dict[str, Any]:
    return {"users": [user(base_url, u) for u in items], "links": collection_links(base_url, "users")}
