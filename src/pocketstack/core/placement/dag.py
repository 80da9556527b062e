"""The placement DAG: several roots, overlapping parents. A host is *in* a placement when it
is a member of it or of any of its descendants; Compute v2.1's availability zones are the
roots, and a host's zone is the first root (by name) it is in."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

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
