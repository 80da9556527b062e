"""What the compute vNext plans share: list filters as vNext takes them, the caller's project,
and the small requests (urls, tags, empty answers) every resource family uses."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pocketstack.sdk.compute.vnext.resources import SERVICE_TYPE, Server, ServerType
from pocketstack.sdk.exceptions import NotFound
from pocketstack.sdk.plan import Call, Emit, Listing
from pocketstack.sdk.proxy import ServicePlans
from pocketstack.sdk.resource import Resource, value_id

ProjectRef = Resource | str | None
"""A project: an identity Project, an id, or None for the token's project."""


def _when(value: datetime | str) -> str:
    """A ``since`` value as ISO 8601 (a naive datetime is taken as UTC)."""
    if isinstance(value, str):
        return value
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat() + "Z"


def _filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    """List filters as vNext takes them: lists comma-separated, resources by id, times ISO 8601."""
    out: dict[str, Any] = {}
    for key, value in filters.items():
        if value is None:
            continue
        if isinstance(value, Resource):
            value = value_id(value)
        elif isinstance(value, datetime):
            value = _when(value)
        elif isinstance(value, list | tuple | set) and key != "tag":
            value = ",".join(value_id(v) if isinstance(v, Resource) else str(v) for v in value)
        out[key] = value
    return out


class VNextPlansBase(ServicePlans):
    """The requests every vNext resource family makes."""

    def _project_id(self, project: ProjectRef) -> Call[str]:
        if project is not None:
            return value_id(project)
        state = yield from self.session.authenticator.state()
        if state.project_id is None:
            raise ValueError("this token has no project: name one")
        return state.project_id

    def _list_at(self, url: str, query: Mapping[str, Any], limit: int | None) -> Listing[Server]:
        """Servers listed at ``url``, following ``_links.next`` page by page."""
        params: dict[str, Any] | None = {**query, **({"limit": limit} if limit is not None else {})}
        seen: set[str] = set()
        while True:
            body = yield from self.session.json(SERVICE_TYPE, "GET", url, params=params or None)
            for item in (body or {}).get("servers") or []:
                if isinstance(item, dict):
                    yield Emit(Server.from_wire(item))
            nxt = ((body or {}).get("_links") or {}).get("next")
            href = nxt.get("href") if isinstance(nxt, dict) else None
            if not isinstance(href, str) or href in seen:
                return
            seen.add(href)
            url, params = href, None

    def _server_url(self, server: Server | str) -> str:
        return Server.item_path(value_id(server), {})

    def _type_url(self, server_type: ServerType | str) -> str:
        return ServerType.item_path(value_id(server_type), {})

    def _empty(self, method: str, url: str) -> Call[None]:
        yield from self.session.request(SERVICE_TYPE, method, url)

    def _exists(self, url: str) -> Call[bool]:
        try:
            yield from self.session.request(SERVICE_TYPE, "GET", url)
        except NotFound:
            return False
        return True

    def _tags(self, method: str, url: str, tags: list[str] | None = None) -> Call[list[str]]:
        body = yield from self.session.json(
            SERVICE_TYPE, method, url, json_body=None if tags is None else {"tags": list(tags)}
        )
        return [str(t) for t in (body or {}).get("tags") or []]
