"""The ``limit`` and ``sort_key``/``sort_dir`` parameters of Glance's task and metadef lists,
with Glance's error messages."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from pocketstack.core.errors import BadRequest

MAX_LIMIT = 1000


def limit_param(value: str | None, default: int) -> int:
    if value is None:
        return default
    try:
        limit = int(value)
    except ValueError:
        raise BadRequest("limit param must be an integer") from None
    if limit < 0:
        raise BadRequest("limit param must be positive")
    return min(limit, MAX_LIMIT)


def sort_params(q: Mapping[str, str], keys: Collection[str]) -> tuple[str, str]:
    sort_key, sort_dir = q.get("sort_key", "created_at"), q.get("sort_dir", "desc")
    if sort_key not in keys:
        raise BadRequest(f"Invalid sort key: {sort_key}")
    if sort_dir not in ("asc", "desc"):
        raise BadRequest(f"Invalid sort direction: {sort_dir}")
    return sort_key, sort_dir
