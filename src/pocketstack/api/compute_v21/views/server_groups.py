"""Server groups as Nova renders them, per microversion."""

from __future__ import annotations

from typing import Any

from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.store.compute_models import ServerGroup


def server_group(req: ApiRequest, group: ServerGroup, members: list[str]) -> dict[str, Any]:
    """One group: ``policies`` (a one-item list) and an always-empty ``metadata`` below 2.64,
    ``policy`` and ``rules`` from 2.64; ``project_id`` and ``user_id`` from 2.13."""
    body: dict[str, Any] = {"id": group.id, "name": group.name}
    if gated(req, "server_group.policy"):
        body["policy"] = group.policy
        body["rules"] = dict(group.rules or {})
    else:
        body["policies"] = [group.policy]
        body["metadata"] = {}
    body["members"] = list(members)
    if gated(req, "server_group.owner_ids"):
        body["project_id"] = group.project_id
        body["user_id"] = group.user_id
    return body
