"""Address scopes: a namespace of addresses for subnet pools (pools of one scope never overlap;
routing between scopes comes with routers)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext
from pocketstack.core.network import tags as tagging
from pocketstack.core.network.access import creation_target, target
from pocketstack.core.network.base import Item, ResourceService
from pocketstack.core.network.common import (
    check_read_only,
    check_revision,
    new_id,
    owner_of,
    retrying,
    stamp,
    touch,
)
from pocketstack.core.network.errors import in_use, invalid
from pocketstack.core.network.listing import Lister
from pocketstack.store.network_models import AddressScope, SubnetPool

UPDATABLE = frozenset({"name", "description", "shared"})
COLUMNS = {
    key: getattr(AddressScope, key)
    for key in (
        "id",
        "name",
        "description",
        "project_id",
        "ip_version",
        "shared",
        "revision_number",
        "created_at",
        "updated_at",
    )
}


class AddressScopeService(ResourceService):
    kind = "address_scope"
    collection = "address_scopes"
    lister = Lister("address_scope", COLUMNS)

    def create(self, ctx: RequestContext, attrs: Mapping[str, Any]) -> Item:
        project = owner_of(ctx, attrs)
        tgt = creation_target(project)
        self.access.enforce(ctx, "create_address_scope", tgt)
        if attrs.get("shared"):
            self.access.enforce(ctx, "create_address_scope:shared", tgt)
        tags = self.creation_tags(ctx, attrs, tgt)
        if attrs.get("ip_version") not in (4, 6):
            raise invalid(f"'{attrs.get('ip_version')}' is not in [4, 6]")

        def work(s: Session) -> str:
            scope = AddressScope(
                **stamp(id=new_id(), project_id=project, description=attrs.get("description", "")),
                name=attrs.get("name", ""),
                ip_version=attrs["ip_version"],
                shared=attrs.get("shared", False),
            )
            s.add(scope)
            s.flush()
            tagging.tag_new(s, self.collection, scope.id, tags)
            return scope.id

        return self.described(ctx, retrying(self.db, work))

    def update(
        self, ctx: RequestContext, ident: str, attrs: Mapping[str, Any], revision: int | None = None
    ) -> Item:
        check_read_only(attrs, UPDATABLE)
        with self.db.transaction() as s:
            scope = self.load(s, ctx, ident, "update", lock=True)
            check_revision(scope, revision)
            if "shared" in attrs:
                self.access.enforce(ctx, "update_address_scope:shared", target(scope))
            for key in UPDATABLE & set(attrs):
                setattr(scope, key, attrs[key])
            touch(scope)
        return self.described(ctx, ident)

    def delete(self, ctx: RequestContext, ident: str, revision: int | None = None) -> None:
        with self.db.transaction() as s:
            scope = self.load(s, ctx, ident, "delete", lock=True)
            check_revision(scope, revision)
            if s.scalar(select(SubnetPool.id).where(SubnetPool.address_scope_id == scope.id).limit(1)):
                raise in_use("address_scope", scope.id, "There are one or more subnet pools in use on it.")
            tagging.forget(s, [scope.id])
            s.delete(scope)
