"""What a metadata definition namespace holds: objects, property definitions and tags, each
named uniquely within its namespace (a second one of the same name is a 409). Deleting any of
them from a protected namespace is refused (403), as in Glance."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext
from pocketstack.core.errors import Conflict, NotFound
from pocketstack.core.identity.common import utcnow
from pocketstack.core.image.metadefs.namespaces import check_unprotected, load
from pocketstack.store.db import Database
from pocketstack.store.image_metadef_models import MetadefObject, MetadefProperty, MetadefTag

Row = MetadefObject | MetadefProperty | MetadefTag
KINDS: dict[str, tuple[type[Row], str]] = {
    "object": (MetadefObject, "Metadata definition object"),
    "property": (MetadefProperty, "Metadata definition property"),
    "tag": (MetadefTag, "Metadata definition tag"),
}


def _duplicate(kind: str, name: str, namespace: str) -> Conflict:
    label = KINDS[kind][1]
    return Conflict(
        f"A {label.lower()} with name={name} already exists in namespace={namespace}.",
        code="image.metadef.duplicate",
    )


class ContentService:
    """Objects, properties and tags, told apart by ``kind``; ``values`` are the row's columns
    other than its namespace and times (``name``, and ``json_schema``/``description``/...)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _find(s: Session, kind: str, ns_id: int, namespace: str, name: str) -> Any:
        model, label = KINDS[kind]
        row = s.scalar(select(model).where(model.namespace_id == ns_id, model.name == name))
        if row is None:
            raise NotFound(kind, name, message=f"{label} {name} not found in namespace {namespace}.")
        return row

    def list(self, ctx: RequestContext, kind: str, namespace: str) -> list[Any]:
        model = KINDS[kind][0]
        with self.db.read() as s:
            ns = load(s, ctx, namespace)
            order = model.id if kind == "tag" else model.name
            return list(s.scalars(select(model).where(model.namespace_id == ns.id).order_by(order)))

    def get(self, ctx: RequestContext, kind: str, namespace: str, name: str) -> Any:
        with self.db.read() as s:
            ns = load(s, ctx, namespace)
            return self._find(s, kind, ns.id, namespace, name)

    def create(self, ctx: RequestContext, kind: str, namespace: str, values: dict[str, Any]) -> Any:
        model = KINDS[kind][0]
        now = utcnow()
        try:
            with self.db.transaction() as s:
                ns = load(s, ctx, namespace)
                if s.scalar(
                    select(model.id).where(model.namespace_id == ns.id, model.name == values["name"])
                ):
                    raise _duplicate(kind, values["name"], namespace)
                row = model(namespace_id=ns.id, created_at=now, updated_at=now, **values)
                s.add(row)
                s.flush()
                ns.updated_at = now
        except IntegrityError:
            raise _duplicate(kind, values["name"], namespace) from None
        return row

    def create_tags(self, ctx: RequestContext, namespace: str, names: list[str], append: bool) -> list[str]:
        """Glance's bulk tag create: the namespace's tags become ``names`` (or, with
        ``X-Openstack-Append``, ``names`` are added to them); a name given twice is a 409."""
        if len(set(names)) != len(names):
            raise Conflict("Duplicate tag names in the request.", code="image.metadef.duplicate")
        now = utcnow()
        with self.db.transaction() as s:
            ns = load(s, ctx, namespace)
            existing = set(s.scalars(select(MetadefTag.name).where(MetadefTag.namespace_id == ns.id)))
            if append:
                clash = sorted(existing & set(names))
                if clash:
                    raise _duplicate("tag", clash[0], namespace)
            else:
                s.execute(delete(MetadefTag).where(MetadefTag.namespace_id == ns.id))
            for name in names:
                s.add(MetadefTag(namespace_id=ns.id, name=name, created_at=now, updated_at=now))
            ns.updated_at = now
        return names

    def update(
        self, ctx: RequestContext, kind: str, namespace: str, name: str, values: dict[str, Any]
    ) -> Any:
        model = KINDS[kind][0]
        try:
            with self.db.transaction() as s:
                ns = load(s, ctx, namespace)
                row = self._find(s, kind, ns.id, namespace, name)
                new_name = values.get("name", name)
                if new_name != name and s.scalar(
                    select(model.id).where(model.namespace_id == ns.id, model.name == new_name)
                ):
                    raise _duplicate(kind, new_name, namespace)
                for key, value in values.items():
                    setattr(row, key, value)
                row.updated_at = utcnow()
        except IntegrityError:
            raise _duplicate(kind, values.get("name", name), namespace) from None
        return row

    def delete(self, ctx: RequestContext, kind: str, namespace: str, name: str) -> None:
        with self.db.transaction() as s:
            ns = load(s, ctx, namespace)
            row = self._find(s, kind, ns.id, namespace, name)
            check_unprotected(ns, f"{KINDS[kind][1]} {name}")
            s.delete(row)

    def delete_all(self, ctx: RequestContext, kind: str, namespace: str) -> None:
        model = KINDS[kind][0]
        with self.db.transaction() as s:
            ns = load(s, ctx, namespace)
            check_unprotected(ns, f"Metadata definition namespace {namespace}")
            s.execute(delete(model).where(model.namespace_id == ns.id))
