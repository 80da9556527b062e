"""The placement DAG: several roots, overlapping parents. A host is *in* a placement when it
is a member of it or of any of its descendants; Compute v2.1's availability zones are the
roots, and a host's zone is the first root (by name) it is in."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Container, Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.store.compute_models import Placement, PlacementHost, PlacementParent

DEFAULT_ZONE = "nova"


def _graph(s: Session) -> tuple[dict[str, str], dict[str, set[str]], dict[str, set[str]]]:
    names = dict(s.execute(select(Placement.id, Placement.name)).all())
    children: dict[str, set[str]] = defaultdict(set)
    parents: dict[str, set[str]] = defaultdict(set)
    for child, parent in s.execute(select(PlacementParent.child_id, PlacementParent.parent_id)):
        children[parent].add(child)
        parents[child].add(parent)
    return names, children, parents


def descendants(children: dict[str, set[str]], start: str) -> set[str]:
    seen, stack = {start}, [start]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def placement_id(s: Session, name: str) -> str | None:
    return s.scalar(select(Placement.id).where(Placement.name == name))


def hosts_in(s: Session, name: str) -> set[str] | None:
    """Host ids in the placement called ``name`` or below it; None when there is no such
    placement."""
    names, children, _ = _graph(s)
    by_name = {n: i for i, n in names.items()}
    if name not in by_name:
        return None
    ids = descendants(children, by_name[name])
    rows = s.execute(select(PlacementHost.host_id).where(PlacementHost.placement_id.in_(ids)))
    return set(rows.scalars())


def hosts_in_placement(s: Session, pid: str) -> set[str] | None:
    """Host ids in the placement ``pid`` or below it (``hosts_in`` by id); None when there is
    no such placement."""
    names, children, _ = _graph(s)
    if pid not in names:
        return None
    ids = descendants(children, pid)
    rows = s.execute(select(PlacementHost.host_id).where(PlacementHost.placement_id.in_(ids)))
    return set(rows.scalars())


def root_id(s: Session, name: str) -> str | None:
    """The id of the root placement (availability zone) called ``name``; None when the
    placement of that name is inside another, or there is none."""
    return s.scalar(
        select(Placement.id).where(
            Placement.name == name,
            ~select(PlacementParent.child_id).where(PlacementParent.child_id == Placement.id).exists(),
        )
    )


def is_root(s: Session, pid: str) -> bool:
    """Whether placement ``pid`` has no parent (an existing one: see ``root_id``)."""
    return s.scalar(select(PlacementParent.parent_id).where(PlacementParent.child_id == pid).limit(1)) is None


def asked_placement(
    placement_id: str | None,
    requested_zone: str | None,
    names: Mapping[str, str],
    inner: Container[str],
) -> str | None:
    """The placement a server asked for (``servers.placement_id``, revision 0010) while that
    still stands: a root the server is still pinned to by name (``requested_zone``), or a
    placement inside another while no zone was asked for since. ``names`` maps ids to names,
    ``inner`` holds the ids of placements with a parent. None otherwise: the placement is gone,
    or a zone asked for later (v2.1's unshelve or 2.104 pinning, a vNext MOVE) replaced it, and
    the requested zone is what counts."""
    if placement_id is None or placement_id not in names:
        return None
    if placement_id in inner:
        return placement_id if requested_zone is None else None
    return placement_id if requested_zone == names[placement_id] else None


def inner_placement(s: Session, placement_id: str | None, requested_zone: str | None) -> str | None:
    """The placement inside another that a server asked for and is still kept in
    (``asked_placement``); None for a root, which the scheduler finds by the zone's name."""
    if placement_id is None or requested_zone is not None:
        return None
    exists_inside = select(PlacementParent.child_id).where(PlacementParent.child_id == placement_id).limit(1)
    return placement_id if s.scalar(exists_inside) is not None else None


def zones_of_hosts(s: Session, host_ids: Iterable[str] | None = None) -> dict[str, str]:
    """host id -> availability zone (its first root by name); hosts in no placement are absent.
    With ``host_ids``, only those hosts."""
    names, _, parents = _graph(s)

    def roots(pid: str) -> set[str]:
        found, stack, seen = set(), [pid], {pid}
        while stack:
            node = stack.pop()
            ups = parents.get(node, set())
            if not ups:
                found.add(node)
            for up in ups - seen:
                seen.add(up)
                stack.append(up)
        return found

    zones: dict[str, str] = {}
    members = select(PlacementHost.placement_id, PlacementHost.host_id)
    if host_ids is not None:
        members = members.where(PlacementHost.host_id.in_(list(host_ids)))
    for pid, host_id in s.execute(members):
        for root in roots(pid):
            zone = names[root]
            if host_id not in zones or zone < zones[host_id]:
                zones[host_id] = zone
    return zones
