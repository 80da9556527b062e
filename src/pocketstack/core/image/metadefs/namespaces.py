"""Metadata definition namespaces, after Glance: a named, owned group of property, object and
tag definitions, ``public`` (seen by all) or ``private`` (seen by its owner's project and
admins). A namespace the caller may not see is a 404, as Glance answers. A ``protected``
namespace, and everything in it, cannot be deleted until it is made unprotected."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.errors import BadRequest, Conflict, Forbidden, NotFound
from pocketstack.core.identity.common import utcnow
from pocketstack.store.db import Database
from pocketstack.store.image_metadef_models import (
    MetadefNamespace,
    MetadefNamespaceResourceType,
    MetadefObject,
    MetadefProperty,
    MetadefResourceType,
    MetadefTag,
)

SORT_KEYS = ("created_at", "updated_at", "namespace", "display_name", "visibility", "protected", "owner")
VISIBILITIES = ("public", "private")


@dataclass
class NamespaceInput:
    """A namespace as a create or update request gives it (contents only at create)."""

    namespace: str
    display_name: str | None = None
    description: str | None = None
    visibility: str | None = None
    protected: bool | None = None
    owner: str | None = None
    resource_type_associations: list[dict[str, Any]] = field(default_factory=list)
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    objects: list[dict[str, Any]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class NamespaceListQuery:
    visibility: str | None = None
    resource_types: tuple[str, ...] = ()
    sort_key: str = "created_at"
    sort_dir: str = "desc"
    limit: int = 1000
    marker: str | None = None


def not_found(name: str) -> NotFound:
    return NotFound("namespace", name, message=f"Namespace {name} not found")


def visible(ctx: RequestContext, ns: MetadefNamespace) -> bool:
    return is_admin(ctx) or ns.visibility == "public" or ns.owner == ctx.project_id


def load(s: Session, ctx: RequestContext, name: str) -> MetadefNamespace:
    """The namespace, or NotFound when it does not exist or ``ctx`` may not see it."""
    ns = s.scalar(select(MetadefNamespace).where(MetadefNamespace.namespace == name))
    if ns is None or not visible(ctx, ns):
        raise not_found(name)
    return ns


def check_unprotected(ns: MetadefNamespace, what: str) -> None:
    if ns.protected:
        raise Forbidden(f"{what} is protected and cannot be deleted.", code="image.metadef.protected")


def associations(s: Session, namespace_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The resource type associations of each namespace, as Glance lists them."""
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in namespace_ids}
    if not namespace_ids:
        return found
    rows = s.execute(
        select(MetadefNamespaceResourceType, MetadefResourceType.name)
        .join(MetadefResourceType, MetadefResourceType.id == MetadefNamespaceResourceType.resource_type_id)
        .where(MetadefNamespaceResourceType.namespace_id.in_(namespace_ids))
        .order_by(MetadefResourceType.name)
    )
    for assoc, name in rows:
        found[assoc.namespace_id].append(association_view(assoc, name))
    return found


def association_view(assoc: MetadefNamespaceResourceType, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "prefix": assoc.prefix,
        "properties_target": assoc.properties_target,
        "created_at": assoc.created_at,
        "updated_at": assoc.updated_at,
    }


def resource_type_id(s: Session, name: str) -> int:
    """The id of resource type ``name``, registering it on first use (as Glance does)."""
    rt = s.scalar(select(MetadefResourceType).where(MetadefResourceType.name == name))
    if rt is None:
        now = utcnow()
        rt = MetadefResourceType(name=name, protected=False, created_at=now, updated_at=now)
        s.add(rt)
        s.flush()
    return rt.id


class NamespaceService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def list(self, ctx: RequestContext, query: NamespaceListQuery) -> list[tuple[MetadefNamespace, list]]:
        with self.db.read() as s:
            stmt = select(MetadefNamespace)
            if not is_admin(ctx):
                stmt = stmt.where(
                    or_(MetadefNamespace.visibility == "public", MetadefNamespace.owner == ctx.project_id)
                )
            if query.visibility:
                stmt = stmt.where(MetadefNamespace.visibility == query.visibility)
            if query.resource_types:
                stmt = stmt.where(
                    MetadefNamespace.id.in_(
                        select(MetadefNamespaceResourceType.namespace_id)
                        .join(MetadefResourceType)
                        .where(MetadefResourceType.name.in_(query.resource_types))
                    )
                )
            column = getattr(MetadefNamespace, query.sort_key)
            order = column.asc() if query.sort_dir == "asc" else column.desc()
            tiebreak = MetadefNamespace.id.asc() if query.sort_dir == "asc" else MetadefNamespace.id.desc()
            rows = list(s.scalars(stmt.order_by(order, tiebreak)))
            if query.marker is not None:
                names = [ns.namespace for ns in rows]
                if query.marker not in names:
                    raise not_found(query.marker)
                rows = rows[names.index(query.marker) + 1 :]
            rows = rows[: query.limit]
            assocs = associations(s, [ns.id for ns in rows])
            return [(ns, assocs[ns.id]) for ns in rows]

    def get(self, ctx: RequestContext, name: str) -> dict[str, Any]:
        """The namespace with everything it holds."""
        with self.db.read() as s:
            ns = load(s, ctx, name)
            props = s.scalars(
                select(MetadefProperty)
                .where(MetadefProperty.namespace_id == ns.id)
                .order_by(MetadefProperty.name)
            )
            objects = s.scalars(
                select(MetadefObject).where(MetadefObject.namespace_id == ns.id).order_by(MetadefObject.name)
            )
            tags = s.scalars(
                select(MetadefTag).where(MetadefTag.namespace_id == ns.id).order_by(MetadefTag.id)
            )
            return {
                "row": ns,
                "resource_type_associations": associations(s, [ns.id])[ns.id],
                "properties": {p.name: p.json_schema for p in props},
                "objects": list(objects),
                "tags": [t.name for t in tags],
            }

    def create(self, ctx: RequestContext, data: NamespaceInput) -> str:
        now = utcnow()
        try:
            with self.db.transaction() as s:
                if s.scalar(select(MetadefNamespace.id).where(MetadefNamespace.namespace == data.namespace)):
                    raise self._duplicate(data.namespace)
                ns = MetadefNamespace(
                    namespace=data.namespace,
                    display_name=data.display_name,
                    description=data.description,
                    visibility=data.visibility or "private",
                    protected=bool(data.protected),
                    owner=data.owner or ctx.project_id or "",
                    created_at=now,
                    updated_at=now,
                )
                s.add(ns)
                s.flush()
                self.fill(s, ns.id, data, now)
        except IntegrityError:
            raise self._duplicate(data.namespace) from None
        return data.namespace

    @staticmethod
    def _duplicate(name: str) -> Conflict:
        return Conflict(
            f"A metadata definition namespace with name={name} already exists.",
            code="image.metadef.duplicate",
        )

    @staticmethod
    def fill(s: Session, ns_id: int, data: NamespaceInput, now: Any) -> None:
        seen: set[int] = set()
        for assoc in data.resource_type_associations:
            rt_id = resource_type_id(s, assoc["name"])
            if rt_id in seen:
                raise BadRequest(f"Resource type {assoc['name']} is associated twice.")
            seen.add(rt_id)
            s.add(
                MetadefNamespaceResourceType(
                    namespace_id=ns_id,
                    resource_type_id=rt_id,
                    prefix=assoc.get("prefix"),
                    properties_target=assoc.get("properties_target"),
                    created_at=now,
                    updated_at=now,
                )
            )
        for name, schema in data.properties.items():
            s.add(
                MetadefProperty(
                    namespace_id=ns_id, name=name, json_schema=schema, created_at=now, updated_at=now
                )
            )
        for obj in data.objects:
            s.add(
                MetadefObject(
                    namespace_id=ns_id,
                    name=obj["name"],
                    description=obj.get("description"),
                    required=obj.get("required") or [],
                    properties=obj.get("properties") or {},
                    created_at=now,
                    updated_at=now,
                )
            )
        for tag in dict.fromkeys(data.tags):
            s.add(MetadefTag(namespace_id=ns_id, name=tag, created_at=now, updated_at=now))

    def update(self, ctx: RequestContext, name: str, data: NamespaceInput) -> str:
        """Glance's PUT: the namespace's own fields replaced (visibility and protected fall back
        to their defaults when left out); its contents are kept."""
        try:
            with self.db.transaction() as s:
                ns = load(s, ctx, name)
                if data.namespace != name and s.scalar(
                    select(MetadefNamespace.id).where(MetadefNamespace.namespace == data.namespace)
                ):
                    raise self._duplicate(data.namespace)
                ns.namespace = data.namespace
                ns.display_name = data.display_name
                ns.description = data.description
                ns.visibility = data.visibility or "private"
                ns.protected = bool(data.protected)
                ns.owner = data.owner or ctx.project_id or ns.owner
                ns.updated_at = utcnow()
        except IntegrityError:
            raise self._duplicate(data.namespace) from None
        return data.namespace

    def delete(self, ctx: RequestContext, name: str) -> None:
        with self.db.transaction() as s:
            ns = load(s, ctx, name)
            check_unprotected(ns, f"Metadata definition namespace {name}")
            for model in (MetadefNamespaceResourceType, MetadefObject, MetadefProperty, MetadefTag):
                s.execute(delete(model).where(model.namespace_id == ns.id))
            s.delete(ns)
