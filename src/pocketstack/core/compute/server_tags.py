"""A server's tags, as both Compute APIs serve them (v2.1's os-server-tags and vNext's
``/servers/{id}/tags``): at most 50 a server, each of 1 to 60 characters without ``,`` or ``/``.
Callers check the policy; every function here finds the server as ``ctx`` sees it (another
project's server is a 404)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pocketstack.core.compute.servers import MAX_TAGS, get_visible
from pocketstack.core.context import RequestContext
from pocketstack.core.errors import BadRequest, NotFound
from pocketstack.store.compute_models import ServerTag
from pocketstack.store.db import Database

TAG = re.compile(r"[^,/]{1,60}")


def check_tag(value: Any) -> str:  # noqa: ANN401 - a value from a path or a body
    if not isinstance(value, str) or not TAG.fullmatch(value):
        raise BadRequest(f"Invalid tag {value!r}: 1 to 60 characters, without ',' or '/'.")
    return value


def tag_not_found(tag: str) -> NotFound:
    return NotFound("tag", tag, message=f"Tag {tag} does not exist on server.")


def _tags(s: Session, server_id: str) -> list[str]:
    return list(
        s.scalars(select(ServerTag.tag).where(ServerTag.server_id == server_id).order_by(ServerTag.tag))
    )


class ServerTags:
    def __init__(self, db: Database) -> None:
        self.db = db

    def list(self, ctx: RequestContext, server_id: str) -> list[str]:
        with self.db.read() as s:
            return _tags(s, get_visible(s, ctx, server_id).id)

    def has(self, ctx: RequestContext, server_id: str, tag: str) -> bool:
        return tag in self.list(ctx, server_id)

    def of(self, server_id: str) -> list[str]:
        """The tags of a server the caller was already found to read (vNext reads a server
        through any of the caller's projects: api/compute_vnext/handlers/servers.readable)."""
        with self.db.read() as s:
            return _tags(s, server_id)

    def replace(self, ctx: RequestContext, server_id: str, tags: list[str]) -> list[str]:
        """Replace the whole set (duplicates count once); the sorted set is returned."""
        unique = list(dict.fromkeys(check_tag(t) for t in tags))
        if len(unique) > MAX_TAGS:
            raise BadRequest(f"A server can have at most {MAX_TAGS} tags.")
        with self.db.transaction() as s:
            server = get_visible(s, ctx, server_id)
            s.execute(delete(ServerTag).where(ServerTag.server_id == server.id))
            s.add_all(ServerTag(server_id=server.id, tag=t) for t in unique)
        return sorted(unique)

    def add(self, ctx: RequestContext, server_id: str, tag: str) -> bool:
        """Add one tag; False when the server had it already."""
        tag = check_tag(tag)
        with self.db.transaction() as s:
            server = get_visible(s, ctx, server_id)
            existing = _tags(s, server.id)
            if tag in existing:
                return False
            if len(existing) >= MAX_TAGS:
                raise BadRequest(f"A server can have at most {MAX_TAGS} tags.")
            s.add(ServerTag(server_id=server.id, tag=tag))
        return True

    def remove(self, ctx: RequestContext, server_id: str, tag: str) -> None:
        """Remove one tag; 404 when the server does not have it."""
        with self.db.transaction() as s:
            server = get_visible(s, ctx, server_id)
            gone = s.execute(
                delete(ServerTag).where(ServerTag.server_id == server.id, ServerTag.tag == tag)
            ).rowcount
        if not gone:
            raise tag_not_found(tag)

    def clear(self, ctx: RequestContext, server_id: str) -> None:
        with self.db.transaction() as s:
            server = get_visible(s, ctx, server_id)
            s.execute(delete(ServerTag).where(ServerTag.server_id == server.id))
