"""What compute handlers read off a request: the negotiated microversion, the legacy flag,
bodies validated the way the mode asks, and Nova's ``limit``/``marker`` paging."""

from __future__ import annotations

import typing
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from pydantic import BaseModel

from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.common.validation import parse
from pocketstack.api.compute_v21.microversions import MIN_VERSION, Version
from pocketstack.core.errors import BadRequest

VERSION_KEY = "pocketstack.compute_version"
LEGACY_KEY = "pocketstack.compute_legacy"
M = TypeVar("M", bound=BaseModel)


def version(req: ApiRequest) -> Version:
    return req.request.scope.get(VERSION_KEY, MIN_VERSION)


def at_least(req: ApiRequest, major: int, minor: int) -> bool:
    return version(req) >= (major, minor)


def is_legacy(req: ApiRequest) -> bool:
    return bool(req.request.scope.get(LEGACY_KEY))


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model a field holds, directly or as ``Model | None``."""
    candidates = typing.get_args(annotation) or (annotation,)
    return next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)


def _strip_unknown(model: type[BaseModel], data: Any) -> Any:
    """``data`` without the keys ``model`` (and the models nested in it) does not know."""
    if not isinstance(data, dict):
        return data
    out = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key in data:
            nested = _model_in(info.annotation)
            out[key] = _strip_unknown(nested, data[key]) if nested else data[key]
    return out


def body(req: ApiRequest, model: type[M], data: Any = None) -> M:
    """Validate ``data`` (default: the JSON body). COMPAT: /compute/v2 is Nova's relaxed
    legacy mode, where unknown fields are dropped instead of refused."""
    data = req.json() if data is None else data
    return parse(model, _strip_unknown(model, data) if is_legacy(req) else data)


def unexpected(name: str, container: str = "server") -> BadRequest:
    """Nova's answer to a body field that the requested microversion does not have."""
    return BadRequest(
        f"Invalid input for field/attribute {container}. "
        f"Additional properties are not allowed ('{name}' was unexpected)"
    )


def check_gated(req: ApiRequest, given: set[str], gates: dict[str, tuple[int, int]]) -> None:
    """400 for each given field whose microversion ``gates[field]`` is above the request's."""
    for name, (major, minor) in gates.items():
        if name in given and not at_least(req, major, minor):
            raise unexpected(name)


def check_query(req: ApiRequest, allowed: Iterable[str], since: tuple[int, int] = (2, 75)) -> None:
    """COMPAT: from ``since`` (2.75 for most of Nova; earlier where Nova closed a query schema
    sooner) a query parameter the API does not know is a 400; before it, one is ignored."""
    if not at_least(req, *since):
        return
    unknown = sorted(set(req.query.keys()) - set(allowed))
    if unknown:
        raise BadRequest(
            f"Invalid input for query parameters {unknown[0]}. Additional properties are not allowed "
            f"({unknown[0]!r} was unexpected)"
        )


def page(req: ApiRequest) -> tuple[int | None, str | None]:
    """``limit`` and ``marker`` from the query; 400 for a limit that is not a whole number >= 0."""
    raw = req.query.get("limit")
    limit = None
    if raw is not None:
        if not raw.strip().isdigit():
            raise BadRequest(
                f"Invalid input for query parameters limit. Value: {raw}. It must be an integer >= 0."
            )
        limit = int(raw)
    return limit, req.query.get("marker")


def next_links(
    req: ApiRequest, path: str, items: Sequence[Any], limit: int | None, key: str = "id"
) -> list[dict[str, str]]:
    """Nova's ``<collection>_links``: a ``next`` link when the page came back full."""
    if not items or limit is None or len(items) < limit:
        return []
    last = items[-1]
    marker = last[key] if isinstance(last, dict) else getattr(last, key)
    query = [(k, v) for k, v in req.query.multi_items() if k != "marker"]
    query.append(("marker", str(marker)))
    return [{"rel": "next", "href": f"{req.base_url}/{path.lstrip('/')}?{urlencode(query)}"}]
