"""Account and container listings: Swift's query parameters in, its three formats out (plain
names a line each, JSON, XML), the format chosen by ``format=`` or else by ``Accept``."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

import orjson
from starlette.datastructures import Headers, QueryParams

from pocketstack.api.object_v1.accept import best_match
from pocketstack.api.object_v1.errors import SwiftError
from pocketstack.api.object_v1.headers import is_true, listing_time
from pocketstack.core.objects.model import ContainerInfo, ListQuery, ObjectInfo, Subdir

FORMATS = {"plain": "text/plain", "json": "application/json", "xml": "application/xml"}


def listing_media(query: QueryParams, headers: Headers) -> str:
    """The media type to answer a listing (or its HEAD) in; 406 when Accept allows none."""
    fmt = query.get("format")
    if fmt:
        return FORMATS.get(fmt.lower(), "text/plain")
    media = best_match(headers.get("accept"))
    if media is None:
        raise SwiftError(406)
    return media


def list_query(query: QueryParams, cap: int) -> ListQuery:
    limit = cap
    given = query.get("limit")
    if given is not None and given.isdigit():
        limit = int(given)
        if limit > cap:
            raise SwiftError(412, f"Maximum limit is {cap}")
    return ListQuery(
        prefix=query.get("prefix", ""),
        delimiter=query.get("delimiter") or None,
        marker=query.get("marker", ""),
        end_marker=query.get("end_marker", ""),
        limit=limit,
        reverse=is_true(query.get("reverse")),
    )


def _container_entry(item: ContainerInfo) -> dict[str, object]:
    return {
        "name": item.name,
        "count": item.object_count,
        "bytes": item.bytes_used,
        "last_modified": listing_time(item.put_timestamp or item.created_at),
    }


def _object_entry(item: ObjectInfo) -> dict[str, object]:
    return {
        "name": item.name,
        "hash": item.etag,
        "bytes": item.size,
        "content_type": item.content_type,
        "last_modified": listing_time(item.last_modified),
    }


def _xml(kind: str, owner: str, entries: Sequence[dict[str, object]]) -> bytes:
    child = "container" if kind == "account" else "object"
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n', f"<{kind} name={quoteattr(owner)}>"]
    for entry in entries:
        if "subdir" in entry:
            name = escape(str(entry["subdir"]))
            parts.append(f"<subdir name={quoteattr(str(entry['subdir']))}><name>{name}</name></subdir>")
            continue
        fields = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in entry.items())
        parts.append(f"<{child}>{fields}</{child}>")
    parts.append(f"</{kind}>")
    return "".join(parts).encode()


def render_listing(
    kind: str, owner: str, items: Sequence[ContainerInfo | ObjectInfo | Subdir], media: str
) -> bytes:
    """``kind`` "account" (containers) or "container" (objects); ``owner`` names it in XML."""
    entries: list[dict[str, object]] = []
    for item in items:
        if isinstance(item, Subdir):
            entries.append({"subdir": item.subdir})
        elif isinstance(item, ContainerInfo):
            entries.append(_container_entry(item))
        else:
            entries.append(_object_entry(item))
    if media == "application/json":
        return orjson.dumps(entries)
    if media in ("application/xml", "text/xml"):
        return _xml(kind, owner, entries)
    return "".join(f"{e.get('name', e.get('subdir'))}\n" for e in entries).encode()
