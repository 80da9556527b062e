"""Placements as Compute vNext shows them: the nodes of the placement DAG (core/placement/dag.py)
with their parents, children, tags and hosts. Reads for vNext callers; making placements,
linking them (no cycles) and tagging them is for operators (the CLI, tests) until an Operator
API serves it."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest, Conflict, NotFound
from pocketstack.core.identity.common import utcnow
from pocketstack.core.placement.dag import _graph, descendants
from pocketstack.store.compute_models import Host, Placement, PlacementHost, PlacementParent, PlacementTag
from pocketstack.store.db import Database


@dataclass(frozen=True)
class PlacementInfo:
    id: str
    name: str
    description: str
    created_at: datetime
    parent_ids: list[str]
    tags: list[str]
    hosts: list[str]
    children: list[tuple[str, str]] = field(default_factory=list)  # (id, name), by name


def not_found(placement_id: str) -> NotFound:
    return NotFound(
        "placement",
        placement_id,
        code="compute.placement.not_found",
        message=f"Placement {placement_id} could not be found.",
    )


def _described(s: Session, rows: Sequence[Placement]) -> list[PlacementInfo]:
    ids = [p.id for p in rows]
    parents, tags, hosts = defaultdict(list), defaultdict(list), defaultdict(list)
    links = select(PlacementParent.child_id, PlacementParent.parent_id).where(
        PlacementParent.child_id.in_(ids)
    )
    for child, parent in s.execute(links):
        parents[child].append(parent)
    for pid, tag in s.execute(
        select(PlacementTag.placement_id, PlacementTag.tag).where(PlacementTag.placement_id.in_(ids))
    ):
        tags[pid].append(tag)
    members = select(PlacementHost.placement_id, Host.name).join(Host, Host.id == PlacementHost.host_id)
    for pid, host in s.execute(members.where(PlacementHost.placement_id.in_(ids))):
        hosts[pid].append(host)
    return [
        PlacementInfo(
            p.id,
            p.name,
            p.description or "",
            p.created_at,
            sorted(parents[p.id]),
            sorted(tags[p.id]),
            sorted(hosts[p.id]),
        )
        for p in rows
    ]


class PlacementService:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reading --------------------------------------------------------------------------
    def list(
        self,
        parent_id: str | None = None,
        tags: Sequence[str] = (),
        limit: int = 20,
        marker: str | None = None,
    ) -> list[PlacementInfo]:
        """Placements by name (with ``parent_id``, its direct children; with ``tags``, those
        with all of them). BadRequest for an unknown parent or marker."""
        stmt = select(Placement).order_by(Placement.name, Placement.id)
        with self.db.read() as s:
            if parent_id is not None:
                if s.get(Placement, parent_id) is None:
                    raise BadRequest(f"There is no placement {parent_id}.")
                stmt = stmt.where(
                    Placement.id.in_(
                        select(PlacementParent.child_id).where(PlacementParent.parent_id == parent_id)
                    )
                )
            for tag in tags:
                stmt = stmt.where(
                    Placement.id.in_(select(PlacementTag.placement_id).where(PlacementTag.tag == tag))
                )
            if marker is not None:
                after = s.get(Placement, marker)
                if after is None:
                    raise BadRequest(f"The marker {marker} is no placement.")
                stmt = stmt.where(
                    (Placement.name > after.name)
                    | ((Placement.name == after.name) & (Placement.id > after.id))
                )
            return _described(s, list(s.scalars(stmt.limit(limit))))

    def get(self, placement_id: str) -> PlacementInfo:
        """One placement with its direct children; NotFound when there is none."""
        with self.db.read() as s:
            row = s.get(Placement, placement_id)
            if row is None:
                raise not_found(placement_id)
            info = _described(s, [row])[0]
            kids = select(Placement.id, Placement.name).join(
                PlacementParent, PlacementParent.child_id == Placement.id
            )
            children = [
                (i, n)
                for i, n in s.execute(
                    kids.where(PlacementParent.parent_id == row.id).order_by(Placement.name)
                )
            ]
            return PlacementInfo(**{**info.__dict__, "children": children})

    # -- changing (operators) -------------------------------------------------------------
    def create(self, name: str, description: str = "", parents: Sequence[str] = ()) -> str:
        """A new placement under ``parents`` (none: a root, which v2.1 shows as a zone); its id.
        Conflict when the name is taken; NotFound for an unknown parent."""
        new_id = str(uuid.uuid4())
        try:
            with self.db.transaction() as s:
                if s.scalar(select(Placement.id).where(Placement.name == name)) is not None:
                    raise Conflict(f"A placement named {name} exists.", code="compute.placement.name_exists")
                s.add(Placement(id=new_id, name=name, description=description, created_at=utcnow()))
                s.flush()
                for parent in parents:
                    self._link(s, new_id, parent)
        except IntegrityError:
            raise Conflict(
                f"A placement named {name} exists.", code="compute.placement.name_exists"
            ) from None
        return new_id

    def link(self, child_id: str, parent_id: str) -> None:
        """Make ``parent_id`` a parent of ``child_id``; Conflict when it would make a cycle."""
        with self.db.transaction() as s:
            self._link(s, child_id, parent_id)

    @staticmethod
    def _link(s: Session, child_id: str, parent_id: str) -> None:
        for pid in (child_id, parent_id):
            if s.get(Placement, pid) is None:
                raise not_found(pid)
        _, children, _ = _graph(s)
        if parent_id in descendants(children, child_id):
            raise Conflict(f"Placement {parent_id} is {child_id} or below it: that would make a cycle.")
        if s.get(PlacementParent, (child_id, parent_id)) is None:
            s.add(PlacementParent(child_id=child_id, parent_id=parent_id))
            s.flush()

    def tag(self, placement_id: str, tag: str) -> None:
        """Tag a placement (again: no change)."""
        if not 1 <= len(tag) <= 60:
            raise BadRequest("A tag has 1 to 60 characters.")
        with self.db.transaction() as s:
            if s.get(Placement, placement_id) is None:
                raise not_found(placement_id)
            if s.get(PlacementTag, (placement_id, tag)) is None:
                s.add(PlacementTag(placement_id=placement_id, tag=tag))
