"""What every network resource service shares: reading one or many with visibility and policy,
describing rows for views (tags, related ids, attributes the caller may not see), and tags."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext
from pocketstack.core.network import tags as tagging
from pocketstack.core.network.access import Access, get_visible, note_grants, opens, target
from pocketstack.core.network.common import touch
from pocketstack.core.network.errors import not_found
from pocketstack.core.network.listing import Lister, ListQuery
from pocketstack.core.network.quotas import NetworkQuotas
from pocketstack.store.db import Database
from pocketstack.store.network_models import Network


@dataclass
class Item:
    """A row as a view needs it: its tags, related data (``extra``) and the attributes the
    caller's policy hides (canonical names)."""

    row: Any
    tags: list[str]
    extra: dict[str, Any] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()


class ResourceService:
    """Base of the five resource services; subclasses set ``kind``, ``collection``, ``lister``
    and ``hideable`` (attribute -> the rule suffix that may hide it)."""

    kind = ""
    collection = ""
    lister: Lister
    hideable: dict[str, str] = {}

    def __init__(self, db: Database, access: Access, quotas: NetworkQuotas) -> None:
        self.db = db
        self.access = access
        self.quotas = quotas

    # -- writing: each service implements the calls its routes serve (security group rules
    # have no update route, so theirs is never reached) ---------------------------------------
    def create(self, ctx: RequestContext, attrs: Mapping[str, Any]) -> Item:
        raise NotImplementedError

    def update(
        self, ctx: RequestContext, ident: str, attrs: Mapping[str, Any], revision: int | None = None
    ) -> Item:
        raise NotImplementedError

    def delete(self, ctx: RequestContext, ident: str, revision: int | None = None) -> None:
        raise NotImplementedError

    def creation_tags(
        self, ctx: RequestContext, attrs: Mapping[str, Any], tgt: Mapping[str, Any]
    ) -> list[str]:
        """The tags a create asks for, checked, with the caller's right to set them."""
        tags = tagging.check_tags(attrs.get("tags", []))
        if tags:
            self.access.enforce(ctx, f"create_{self.kind}:tags", tgt)
        return tags

    # -- hooks -------------------------------------------------------------------------------
    def networks_of(self, s: Session, rows: Sequence[Any]) -> dict[str, Network]:
        """The network each row lives on, by row id (none for pools and scopes)."""
        return {}

    def extras(self, s: Session, rows: Sequence[Any]) -> dict[str, dict[str, Any]]:
        """Related data each view needs, by row id."""
        return {}

    def target_of(self, row: Any, network: Network | None) -> dict[str, Any]:
        """The policy target of a row (a resource with another parent adds its owner)."""
        return target(row, network)

    def _networks(self, s: Session, ctx: RequestContext, rows: Sequence[Any]) -> dict[str, Network]:
        """networks_of, with the networks shared with the caller's project marked."""
        networks = self.networks_of(s, rows)
        note_grants(s, ctx, networks.values())
        return networks

    # -- policy ------------------------------------------------------------------------------
    def check(self, ctx: RequestContext, action: str, row: Any, network: Network | None = None) -> None:
        shared, external = opens(row, network)
        rule = f"{action}_{self.kind}"
        self.access.enforce(ctx, rule, self.target_of(row, network), shared=shared, external=external)

    def _may(self, ctx: RequestContext, rule: str, row: Any, network: Network | None) -> bool:
        shared, external = opens(row, network)
        tgt = self.target_of(row, network)
        return self.access.allowed(ctx, rule, tgt, shared=shared, external=external)

    def load(self, s: Session, ctx: RequestContext, ident: str, action: str, *, lock: bool = False) -> Any:
        """The row if the caller may see it and may do ``action`` on it. A read the policy denies
        is a 404, as in Neutron (it does not say the resource exists); a change is a 403."""
        row = get_visible(s, ctx, self.kind, ident, lock=lock)
        network = self._networks(s, ctx, [row]).get(row.id)
        if action == "get" and not self._may(ctx, f"get_{self.kind}", row, network):
            raise not_found(self.kind, ident)
        self.check(ctx, action, row, network)
        return row

    # -- reading -----------------------------------------------------------------------------
    def describe(self, s: Session, ctx: RequestContext, rows: Sequence[Any]) -> list[Item]:
        tags = tagging.tags_of(s, [r.id for r in rows])
        extras = self.extras(s, rows)
        networks = self._networks(s, ctx, rows)
        items = []
        for row in rows:
            tgt = self.target_of(row, networks.get(row.id))
            hidden = self.access.hidden(ctx, f"get_{self.kind}", self.hideable.values(), tgt)
            names = frozenset(a for a, rule in self.hideable.items() if rule in hidden)
            items.append(Item(row, tags[row.id], extras.get(row.id, {}), names))
        return items

    def get(self, ctx: RequestContext, ident: str) -> Item:
        with self.db.read() as s:
            return self.describe(s, ctx, [self.load(s, ctx, ident, "get")])[0]

    def list(self, ctx: RequestContext, q: ListQuery) -> list[Item]:
        """Visible rows that match, each also allowed by the get rule (as Neutron filters)."""
        with self.db.read() as s:
            rows = self.lister.list(s, ctx, q)
            networks = self._networks(s, ctx, rows)
            rule = f"get_{self.kind}"
            return self.describe(s, ctx, [r for r in rows if self._may(ctx, rule, r, networks.get(r.id))])

    def described(self, ctx: RequestContext, ident: str) -> Item:
        """The item after a change, read back (policy was checked by the change itself)."""
        with self.db.read() as s:
            return self.describe(s, ctx, [get_visible(s, ctx, self.kind, ident)])[0]

    # -- tags --------------------------------------------------------------------------------
    def _tag_target(self, s: Session, ctx: RequestContext, ident: str, verb: str) -> Any:
        row = get_visible(s, ctx, self.kind, ident)
        network = self._networks(s, ctx, [row]).get(row.id)
        self.check(ctx, "get", row, network)
        shared, external = opens(row, network)
        rule = f"{verb}_{self.kind}:tags"
        self.access.enforce(ctx, rule, self.target_of(row, network), shared=shared, external=external)
        return row

    def tags(self, ctx: RequestContext, ident: str) -> list[str]:
        with self.db.read() as s:
            row = self._tag_target(s, ctx, ident, "get")
            return tagging.tags_of(s, [row.id])[row.id]

    def has_tag(self, ctx: RequestContext, ident: str, tag: str) -> bool:
        with self.db.read() as s:
            return tagging.has_tag(s, self._tag_target(s, ctx, ident, "get").id, tag)

    def replace_tags(self, ctx: RequestContext, ident: str, tags: Iterable[str]) -> list[str]:
        wanted = tagging.check_tags(tags)  # the body's value as sent: check_tags wants a list
        with self.db.transaction() as s:
            row = self._tag_target(s, ctx, ident, "update")
            tagging.replace_tags(s, self.collection, row.id, wanted)
            touch(row)
        return sorted(wanted)

    def add_tag(self, ctx: RequestContext, ident: str, tag: str) -> None:
        with self.db.transaction() as s:
            row = self._tag_target(s, ctx, ident, "update")
            if tagging.add_tag(s, self.collection, row.id, tag):
                touch(row)

    def remove_tag(self, ctx: RequestContext, ident: str, tag: str | None) -> None:
        """Remove one tag (NotFound when absent), or every tag when ``tag`` is None."""
        with self.db.transaction() as s:
            row = self._tag_target(s, ctx, ident, "delete")
            if tag is None:
                tagging.replace_tags(s, self.collection, row.id, [])
            else:
                tagging.remove_tag(s, row.id, tag)
            touch(row)


def networks_by_id(s: Session, ids: Iterable[str]) -> dict[str, Network]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {n.id: n for n in s.scalars(select(Network).where(Network.id.in_(wanted)))}
