"""Lists of network resources, after Neutron: filters (a list of accepted values per attribute),
tag filters, sorting by several keys, and keyset paging from a marker, forwards or backwards.

Everything runs in SQL: the marker row's sort values bound the page (``(k1, k2, id) > (m1, m2,
mid)`` written out with NULLs first when ascending), so a page costs the same wherever it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.network import access, tags
from pocketstack.core.network.errors import bad_request, not_found

Special = Callable[[Sequence[Any]], ColumnElement[bool]]


@dataclass(frozen=True)
class TagQuery:
    all_of: Sequence[str] = ()
    any_of: Sequence[str] = ()
    not_all_of: Sequence[str] = ()
    not_any_of: Sequence[str] = ()


@dataclass(frozen=True)
class ListQuery:
    """``filters`` maps a canonical attribute to the values it may have (any of them);
    ``sort`` is (attribute, ascending) pairs, id last when not given."""

    filters: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    tags: TagQuery = field(default_factory=TagQuery)
    sort: Sequence[tuple[str, bool]] = ()
    limit: int | None = None
    marker: str | None = None
    page_reverse: bool = False


def _after(column: Any, mark: Any, ascending: bool) -> ColumnElement[bool]:
    """Rows after the marker's value in this column's order (NULLs first ascending, last
    descending, as the ORDER BY below puts them)."""
    if ascending:
        return column.is_not(None) if mark is None else column > mark
    return false() if mark is None else or_(column < mark, column.is_(None))


def _equal(column: Any, mark: Any) -> ColumnElement[bool]:
    return column.is_(None) if mark is None else column == mark


def _keyset(columns: list[tuple[Any, bool]], marks: list[Any]) -> ColumnElement[bool]:
    alternatives = []
    for i, (column, ascending) in enumerate(columns):
        same = [_equal(c, m) for (c, _), m in zip(columns[:i], marks[:i], strict=True)]
        alternatives.append(and_(*same, _after(column, marks[i], ascending)))
    return or_(*alternatives)


class Lister:
    """Lists rows of one kind; ``columns`` maps each filterable or sortable canonical attribute
    to its column, ``special`` filters that are not a plain column (e.g. a port's fixed IPs)."""

    def __init__(self, kind: str, columns: Mapping[str, Any], special: Mapping[str, Special] | None = None):
        self.kind = kind
        self.model = access.MODELS[kind]
        self.columns = dict(columns)
        self.special = dict(special or {})

    def _filtered(self, ctx: RequestContext, q: ListQuery) -> Select[Any]:
        stmt = select(self.model).where(access.visible_to_project(self.kind, is_admin(ctx)))
        for key, values in q.filters.items():
            if key in self.special:
                stmt = stmt.where(self.special[key](values))
            elif key in self.columns:
                stmt = stmt.where(self.columns[key].in_(list(values)))
            else:
                raise bad_request(f"['{key}'] is invalid attribute for filtering")
        t = q.tags
        return stmt.where(*tags.tag_filters(self.model.id, t.all_of, t.any_of, t.not_all_of, t.not_any_of))

    def _order(self, q: ListQuery) -> list[tuple[Any, bool]]:
        keys = list(q.sort)
        if all(key != "id" for key, _ in keys):
            keys.append(("id", True))
        order = []
        for key, ascending in keys:
            if key not in self.columns:
                raise bad_request(f"['{key}'] is invalid attribute for sort_keys")
            order.append((self.columns[key], ascending != q.page_reverse))
        return order

    def list(self, s: Session, ctx: RequestContext, q: ListQuery) -> list[Any]:
        stmt = self._filtered(ctx, q)
        order = self._order(q)
        if q.marker is not None:
            mark = s.scalar(
                select(self.model).where(self.model.id == q.marker, access.visible(self.kind, ctx))
            )
            if mark is None:
                raise not_found(self.kind, q.marker)
            values = s.execute(select(*(c for c, _ in order)).where(self.model.id == mark.id)).one()
            stmt = stmt.where(_keyset(order, list(values)))
        stmt = stmt.order_by(*(c.asc().nulls_first() if up else c.desc().nulls_last() for c, up in order))
        if q.limit is not None:
            stmt = stmt.limit(q.limit)
        rows = list(s.scalars(stmt, {"project_id": ctx.project_id}))
        return rows[::-1] if q.page_reverse else rows
