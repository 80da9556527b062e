"""Metadata definition resource types (``OS::Glance::Image``, ``OS::Nova::Flavor``, ...) and
their associations with namespaces. A resource type is registered when a namespace is first
associated with it, as in Glance; the list shows every registered one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pocketstack.core.context import RequestContext
from pocketstack.core.errors import Conflict, NotFound
from pocketstack.core.identity.common import utcnow
from pocketstack.core.image.metadefs.namespaces import (
    association_view,
    associations,
    check_unprotected,
    load,
    resource_type_id,
)
from pocketstack.store.db import Database
from pocketstack.store.image_metadef_models import MetadefNamespaceResourceType, MetadefResourceType


class ResourceTypeService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def list(self) -> list[MetadefResourceType]:
        with self.db.read() as s:
            return list(s.scalars(select(MetadefResourceType).order_by(MetadefResourceType.id)))

    def associations(self, ctx: RequestContext, namespace: str) -> list[dict[str, Any]]:
        with self.db.read() as s:
            ns = load(s, ctx, namespace)
            return associations(s, [ns.id])[ns.id]

    def associate(self, ctx: RequestContext, namespace: str, values: dict[str, Any]) -> dict[str, Any]:
        now = utcnow()
        with self.db.transaction() as s:
            ns = load(s, ctx, namespace)
            rt_id = resource_type_id(s, values["name"])
            if s.get(MetadefNamespaceResourceType, (ns.id, rt_id)) is not None:
                raise Conflict(
                    f"The metadata definition resource-type association of resource-type={values['name']} "
                    f"to namespace={namespace}, already exists.",
                    code="image.metadef.duplicate",
                )
            assoc = MetadefNamespaceResourceType(
                namespace_id=ns.id,
                resource_type_id=rt_id,
                prefix=values.get("prefix"),
                properties_target=values.get("properties_target"),
                created_at=now,
                updated_at=now,
            )
            s.add(assoc)
            s.flush()
            return association_view(assoc, values["name"])

    def dissociate(self, ctx: RequestContext, namespace: str, name: str) -> None:
        with self.db.transaction() as s:
            ns = load(s, ctx, namespace)
            rt_id = s.scalar(select(MetadefResourceType.id).where(MetadefResourceType.name == name))
            assoc = None if rt_id is None else s.get(MetadefNamespaceResourceType, (ns.id, rt_id))
            if assoc is None:
                raise NotFound(
                    "resource type association",
                    name,
                    message=f"Failed to find resource type {name} in namespace {namespace}.",
                )
            check_unprotected(ns, f"Metadata definition resource-type-association {name}")
            s.delete(assoc)
