"""vNext affinity onto the scheduler's hints (docs/compute-vnext.md 6.6): ``near`` becomes
``same_host``, ``not_near`` ``different_host``, each a list of server ids, stored in
``servers.scheduler_hints`` where ``Conductor._spec`` reads them for builds and moves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.compute.servers import get_visible
from pocketstack.core.context import RequestContext
from pocketstack.core.errors import BadRequest, NotFound
from pocketstack.store.compute_models import Server, ServerTag


@dataclass(frozen=True)
class Targets:
    """Servers named by id, and the project's live servers with any of ``server_tags``."""

    server_ids: tuple[str, ...] = ()
    server_tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Affinity:
    near: Targets | None = None
    not_near: Targets | None = None


def resolve(s: Session, ctx: RequestContext, project_id: str, targets: Targets, side: str) -> list[str]:
    """The ids ``targets`` stand for, now. 400 for an id the caller cannot read (or deleted)."""
    ids: dict[str, None] = {}
    for server_id in targets.server_ids:
        try:
            ids[get_visible(s, ctx, server_id).id] = None
        except NotFound:
            raise BadRequest(f"affinity.{side}: server {server_id} could not be found.") from None
    if targets.server_tags:
        tagged = (
            select(Server.id)
            .join(ServerTag, ServerTag.server_id == Server.id)
            .where(
                Server.project_id == project_id,
                Server.deleted.is_(False),
                ServerTag.tag.in_(targets.server_tags),
            )
            .order_by(Server.created_at, Server.id)
        )
        ids.update(dict.fromkeys(s.scalars(tagged)))
    return list(ids)


def hints(s: Session, ctx: RequestContext, project_id: str, affinity: Affinity) -> dict[str, Any]:
    """The scheduler hints of ``affinity``. A ``near`` that finds no server is a 400: an empty
    ``same_host`` would mean "anywhere"; a ``not_near`` that finds none constrains nothing."""
    out: dict[str, Any] = {}
    if affinity.near is not None:
        near = resolve(s, ctx, project_id, affinity.near, "near")
        if not near:
            raise BadRequest("affinity.near names no server (no id given, no live server with those tags).")
        out["same_host"] = near
    if affinity.not_near is not None:
        far = resolve(s, ctx, project_id, affinity.not_near, "not_near")
        if far:
            out["different_host"] = far
    return out
