"""What compute handlers read off a request: the negotiated microversion, the legacy flag,
bodies validated the way the mode asks, and Nova's ``limit``/``marker`` paging."""

from __future__ import annotations

import re
import typing
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from pydantic import BaseModel

from pocketstack.api.common.routing import ApiRequest, media_type
from pocketstack.api.common.validation import parse
from pocketstack.api.compute_v21.microversions import MIN_VERSION, Version
from pocketstack.api.compute_v21.schemas.parameters import MAX_INT
from pocketstack.core.errors import BadRequest, UnsupportedMediaType
from pocketstack.core.identity.common import naive_utc

VERSION_KEY = "pocketstack.compute_version"
MAX_LIMIT = 1000  # Nova's [api] max_limit: the largest page any list answers
_DIGITS = re.compile(r"[0-9]+")
LEGACY_KEY = "pocketstack.compute_legacy"
M = TypeVar("M", bound=BaseModel)


def version(req: ApiRequest) -> Version:
    return req.request.scope.get(VERSION_KEY, MIN_VERSION)


def at_least(req: ApiRequest, major: int, minor: int) -> bool:
    return version(req) >= (major, minor)


def _gated(req: ApiRequest, name: str) -> bool:
    """``version_ranges.gated``, imported late: version_ranges builds on this module."""
    from pocketstack.api.compute_v21.version_ranges import gated

    return gated(req, name)


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


def check_gated(
    req: ApiRequest, given: Iterable[str], gates: Mapping[str, tuple[Version, Version | None]]
) -> None:
    """400 for each given field outside the microversion range ``gates[field]``: a (since,
    until) pair or a ``version_ranges.Gate`` (a NamedTuple of the same two)."""
    current = version(req)
    for name in given:
        if name in gates:
            since, until = gates[name]
            if current < since or (until is not None and current > until):
                raise unexpected(name)


def check_query(
    req: ApiRequest,
    allowed: Iterable[str],
    since: tuple[int, int] | None = None,
    *,
    gate: str = "query.strict",
) -> None:
    """COMPAT: where the behaviour ``gate`` of ``version_ranges.GATES`` is on ("query.strict":
    from 2.75 for most of Nova; a resource's own gate where Nova closed a query schema sooner
    or later) a query parameter the API does not know is a 400; elsewhere one is ignored.
    ``since`` (a version) is the older spelling of a gate's start and wins when given."""
    if since is not None:
        if not at_least(req, *since):
            return
    elif not _gated(req, gate):
        return
    unknown = sorted(set(req.query.keys()) - set(allowed))
    if unknown:
        raise BadRequest(
            f"Invalid input for query parameters {unknown[0]}. Additional properties are not allowed "
            f"({unknown[0]!r} was unexpected)"
        )


def query_int(req: ApiRequest, name: str, maximum: int | None = MAX_INT) -> int | None:
    """A whole-number query parameter (Nova's ``non_negative_integer``): None when absent; 400
    when it is not digits or, with ``maximum``, above it (so no value can overflow a column)."""
    raw = req.query.get(name)
    if raw is None:
        return None
    text = raw.strip()
    if not _DIGITS.fullmatch(text) or (maximum is not None and int(text) > maximum):
        bound = f"from 0 to {maximum}" if maximum is not None else ">= 0"
        raise BadRequest(
            f"Invalid input for query parameters {name}. Value: {raw}. It must be an integer {bound}."
        )
    return int(text)


def query_time(req: ApiRequest, name: str) -> datetime | None:
    """A ``date-time`` query parameter as naive UTC (None when absent); 400 when unreadable."""
    value = req.query.get(name)
    if value is None:
        return None
    try:
        return naive_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        raise BadRequest(
            f"Invalid input for query parameters {name}. Value: {value}. It is not a 'date-time'."
        ) from None


def changes_window(req: ApiRequest) -> tuple[datetime | None, datetime | None]:
    """``changes-since`` and (from 2.66) ``changes-before``; 400 when before is earlier."""
    since = query_time(req, "changes-since")
    before = query_time(req, "changes-before") if _gated(req, "query.changes_before") else None
    if since and before and before < since:
        raise BadRequest("The value of changes-since must be less than or equal to changes-before.")
    return since, before


def page(req: ApiRequest) -> tuple[int | None, str | None]:
    """``limit`` and ``marker`` from the query; 400 for a limit that is not a whole number >= 0.
    COMPAT: as Nova's ``get_limit_and_marker``, a limit above MAX_LIMIT is taken as MAX_LIMIT."""
    limit = query_int(req, "limit", maximum=None)
    return (None if limit is None else min(limit, MAX_LIMIT)), req.query.get("marker")


def effective_limit(limit: int | None) -> int:
    """Nova's page size when the client asks for none: MAX_LIMIT."""
    return MAX_LIMIT if limit is None else limit


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


# COMPAT: Nova reads a body without a Content-Type, or with text/plain, as JSON.
_JSON_TYPES = frozenset({"", "text/plain", "application/json", "application/vnd.openstack.compute+json"})


def check_media_type(content_type: str | None) -> None:
    """Nova answers 415 to a body of any other media type."""
    if media_type(content_type) not in _JSON_TYPES:
        raise UnsupportedMediaType("Unsupported Content-Type")
