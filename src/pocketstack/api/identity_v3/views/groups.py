"""Group bodies."""

from __future__ import annotations

from typing import Any

from pocketstack.api.identity_v3.views.common import collection_links, links
from pocketstack.store.identity_group_models import Group


def group(base_url: str, g: Group) -> dict[str, Any]:
    body: dict[str, Any] = dict(g.extra or {})
    body.update(
        {
            "id": g.id,
            "name": g.name,
            "domain_id": g.domain_id,
            "description": g.description,
            "links": links(base_url, f"groups/{g.id}"),
        }
    )
    return body


def groups(
    base_url: str, items: list[Group], self_path: str = "groups", membership: bool = False
) -> dict[str, Any]:
    """``membership``: a user's groups, where Keystone adds ``membership_expires_at`` (always
    null here: pocketstack has no federated, expiring memberships)."""
    bodies = [group(base_url, g) for g in items]
    if membership:
        for body in bodies:
            body["membership_expires_at"] = None
    return {"groups": bodies, "links": collection_links(base_url, self_path)}
