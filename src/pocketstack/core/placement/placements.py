"""Placements: the nodes of the placement DAG (core/placement/dag.py) with their parents,
children, tags and hosts. Reads for vNext callers; making, renaming, re-parenting (no cycles),
tagging and removing them for operators (the Operator API)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select
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
    host_ids: list[str] = field(default_factory=list)


def not_found(placement_id: str) -> NotFound:
    return NotFound(
        "placement",
        placement_id,
        code="compute.placement.not_found",
        message=f"Placement {placement_id} could not be found.",
    )


def cycle(placement_id: str, parent_id: str) -> Conflict:
    return Conflict(
        f"Placement {parent_id} is {placement_id} or below it: that would make a cycle.",
        code="operator.placement.cycle",
    )


def name_taken(name: str) -> Conflict:
    return Conflict(f"A placement named {name} exists.", code="compute.placement.name_exists")


def _described(s: Session, rows: Sequence[Placement]) -> list[PlacementInfo]:
    ids = [p.id for p in rows]
    parents, tags, hosts = defaultdict(list), defaultdict(list), defaultdict(list)
    host_ids, children = defaultdict(list), defaultdict(list)
    links = select(PlacementParent.child_id, PlacementParent.parent_id).where(
        PlacementParent.child_id.in_(ids)
    )
    for child, parent in s.execute(links):
        parents[child].append(parent)
    for pid, tag in s.execute(
        select(PlacementTag.placement_id, PlacementTag.tag).where(PlacementTag.placement_id.in_(ids))
    ):
        tags[pid].append(tag)
    members = select(PlacementHost.placement_id, Host.name, Host.id).join(
        Host, Host.id == PlacementHost.host_id
    )
    for pid, host, host_id in s.execute(members.where(PlacementHost.placement_id.in_(ids))):
        hosts[pid].append(host)
        host_ids[pid].append(host_id)
    kids = select(PlacementParent.parent_id, Placement.id, Placement.name).join(
        PlacementParent, PlacementParent.child_id == Placement.id
    )
    for pid, cid, name in s.execute(kids.where(PlacementParent.parent_id.in_(ids)).order_by(Placement.name)):
        children[pid].append((cid, name))
    return [
        PlacementInfo(
            p.id,
            p.name,
            p.description or "",
            p.created_at,
            sorted(parents[p.id]),
            sorted(tags[p.id]),
            sorted(hosts[p.id]),
            children[p.id],
            sorted(host_ids[p.id]),
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
            return _described(s, [row])[0]

    # -- changing (operators) -------------------------------------------------------------
    def create(self, name: str, description: str = "", parents: Sequence[str] = ()) -> str:
        """A new placement under ``parents`` (none: a root, which v2.1 shows as a zone); its id.
        Conflict when the name is taken; BadRequest for an unknown parent."""
        new_id = str(uuid.uuid4())
        try:
            with self.db.transaction() as s:
                for parent in parents:
                    if s.get(Placement, parent) is None:
                        raise BadRequest(f"There is no placement {parent}.")
                if s.scalar(select(Placement.id).where(Placement.name == name)) is not None:
                    raise name_taken(name)
                s.add(Placement(id=new_id, name=name, description=description, created_at=utcnow()))
                s.flush()
                for parent in parents:
                    self._link(s, new_id, parent)
        except IntegrityError:
            raise name_taken(name) from None
        return new_id

    def update(
        self,
        placement_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        parent_ids: Sequence[str] | None = None,
    ) -> None:
        """Rename, describe or re-parent a placement (``parent_ids`` replaces its parents; None
        leaves each part as it is). NotFound for the placement, BadRequest for an unknown
        parent, Conflict (``operator.placement.cycle``) for a parent at or below it, Conflict
        for a name taken. All or nothing."""
        try:
            with self.db.transaction() as s:
                row = s.get(Placement, placement_id)
                if row is None:
                    raise not_found(placement_id)
                if name is not None and name != row.name:
                    if s.scalar(select(Placement.id).where(Placement.name == name)) is not None:
                        raise name_taken(name)
                    row.name = name
                if description is not None:
                    row.description = description
                if parent_ids is not None:
                    self._set_parents(s, placement_id, parent_ids)
                s.flush()
        except IntegrityError:
            raise name_taken(str(name)) from None

    @staticmethod
    def _set_parents(s: Session, placement_id: str, parent_ids: Sequence[str]) -> None:
        for parent in parent_ids:
            if s.get(Placement, parent) is None:
                raise BadRequest(f"There is no placement {parent}.")
        _, children, _ = _graph(s)
        below = descendants(children, placement_id)
        for parent in parent_ids:
            if parent in below:
                raise cycle(placement_id, parent)
        s.execute(
            delete(PlacementParent).where(
                PlacementParent.child_id == placement_id, PlacementParent.parent_id.not_in(list(parent_ids))
            )
        )
        for parent in dict.fromkeys(parent_ids):
            if s.get(PlacementParent, (placement_id, parent)) is None:
                s.add(PlacementParent(child_id=placement_id, parent_id=parent))
        s.flush()

    def delete(self, placement_id: str) -> None:
        """Remove a placement that holds no host and has no child; Conflict otherwise."""
        with self.db.transaction() as s:
            row = s.get(Placement, placement_id)
            if row is None:
                raise not_found(placement_id)
            held = select(PlacementHost.host_id).where(PlacementHost.placement_id == placement_id)
            if s.scalar(held.limit(1)) is not None:
                raise Conflict(
                    f"Placement {placement_id} holds hosts: move them out first.",
                    code="operator.placement.not_empty",
                )
            kids = select(PlacementParent.child_id).where(PlacementParent.parent_id == placement_id)
            if s.scalar(kids.limit(1)) is not None:
                raise Conflict(
                    f"Placement {placement_id} has children: remove or re-parent them first.",
                    code="operator.placement.not_empty",
                )
            s.execute(delete(PlacementTag).where(PlacementTag.placement_id == placement_id))
            s.execute(delete(PlacementParent).where(PlacementParent.child_id == placement_id))
            s.delete(row)

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
            raise cycle(child_id, parent_id)
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

    def untag(self, placement_id: str, tag: str) -> None:
        """Remove a tag; NotFound when the placement or the tag is absent."""
        with self.db.transaction() as s:
            if s.get(Placement, placement_id) is None:
                raise not_found(placement_id)
            row = s.get(PlacementTag, (placement_id, tag))
            if row is None:
                raise NotFound(
                    "tag",
                    tag,
                    code="operator.placement.tag_not_found",
                    message=f"Placement {placement_id} has no tag {tag!r}.",
                )
            s.delete(row)
