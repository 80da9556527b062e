"""The route row (one table feeds the router, JSON-Home, ``/schemas`` and ``/openapi.json``),
HAL links, and ``limit``/``marker`` paging."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from pydantic import BaseModel
from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint, Handler
from pocketstack.api.common.validation import parse
from pocketstack.core.errors import BadRequest

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
DEFAULT_LIMIT = 20
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Param:
    """A query parameter a route takes (documented in JSON-Home and OpenAPI)."""

    name: str
    description: str
    type: str = "string"


@dataclass(frozen=True)
class Route:
    """One operation. ``body`` validates the request (and is its schema); ``returns`` names the
    response's schema; ``status`` is its success code."""

    method: str
    path: str
    handler: Handler
    policy: str | None
    rel: str
    summary: str
    status: int = 200
    body: type[BaseModel] | None = None
    returns: type[BaseModel] | None = None
    query: tuple[Param, ...] = ()
    errors: tuple[int, ...] = field(default=(400, 401, 403, 404))

    def endpoint(self) -> Endpoint:
        return Endpoint(
            self.method, self.path, self.handler, self.policy, authenticated=self.policy is not None
        )

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


PAGING = (
    Param("limit", f"At most this many items (1 to {MAX_LIMIT}, default {DEFAULT_LIMIT}).", "integer"),
    Param("marker", "The id of the last item of the previous page."),
)


def link(href: str) -> dict[str, str]:
    return {"href": href}


def links(req: ApiRequest, path: str, schema: str, **more: str) -> dict[str, dict[str, str]]:
    """HAL ``_links``: ``self`` and ``describedby`` (the body's schema), and others by rel."""
    base = req.base_url
    out = {"self": link(base + path), "describedby": link(f"{base}/schemas/{schema}")}
    out.update({rel: link(base + href) for rel, href in more.items()})
    return out


def body(req: ApiRequest, model: type[M]) -> M:
    return parse(model, req.json())


def limit_of(req: ApiRequest) -> int:
    raw = req.query.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}, not {raw!r}.")
    return int(raw)


def since_of(req: ApiRequest) -> datetime | None:
    """The ``since`` query parameter (ISO 8601) as a naive UTC time, as the tables keep times."""
    raw = req.query.get("since")
    if raw is None:
        return None
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"since must be an ISO 8601 time, not {raw!r}.") from None
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when


def page(
    req: ApiRequest,
    read: Callable[[int, str | None], Sequence[T]],
    key: Callable[[T], str],
) -> tuple[list[T], str | None]:
    """One page of ``read(limit + 1, marker)``, and the marker of the next page when there is
    one (the extra row says so)."""
    limit = limit_of(req)
    rows = list(read(limit + 1, req.query.get("marker")))
    return rows[:limit], (key(rows[limit - 1]) if len(rows) > limit else None)


def page_response(
    req: ApiRequest,
    path: str,
    name: str,
    items: list[dict[str, Any]],
    next_marker: str | None,
    schema: str,
) -> Response:
    """``{name: [...], "_links": {self, describedby, next?}}``; ``next`` repeats the query with
    the new marker."""
    query = [(k, v) for k, v in req.query.multi_items() if k != "marker"]
    here = f"{path}?{urlencode(query)}" if query else path
    out_links = links(req, here, schema)
    if next_marker is not None:
        out_links["next"] = link(f"{req.base_url}{path}?{urlencode([*query, ('marker', next_marker)])}")
    return json_response({name: items, "_links": out_links})
