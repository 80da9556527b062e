"""Who a private server type is shared with, and its tags. A project share is a
``flavor_access`` row (Compute v2.1's flavor access shows it); a user share is a
``flavor_user_access`` row (revision 0009). Share targets must exist; a PUBLIC type is shared
with no one (409, as v2.1 from 2.7)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete
from sqlalchemy.orm import Session

from pocketstack.core.compute.server_types import Allow, ServerType, check_tags, described, find
from pocketstack.core.context import RequestContext
from pocketstack.core.errors import BadRequest, Conflict, NotFound
from pocketstack.store.compute_models import Flavor, FlavorAccess, FlavorTag, FlavorUserAccess
from pocketstack.store.db import Database
from pocketstack.store.models import Project, User

USERS, PROJECTS = "users", "projects"
_ROWS = {USERS: FlavorUserAccess, PROJECTS: FlavorAccess}
_TARGETS = {USERS: User, PROJECTS: Project}


def _check_target(s: Session, kind: str, ident: str) -> None:
    if s.get(_TARGETS[kind], ident) is None:
        raise BadRequest(f"There is no {kind[:-1]} {ident} to share with.")


def _refuse_public(flavor: Flavor) -> None:
    if flavor.is_public:
        raise Conflict("A PUBLIC server type is not shared: everyone may use it.")


def _row(flavor: Flavor, kind: str, ident: str) -> FlavorAccess | FlavorUserAccess:
    if kind == USERS:
        return FlavorUserAccess(flavor_id=flavor.id, user_id=ident)
    return FlavorAccess(flavor_id=flavor.id, project_id=ident)


def replace_shares(s: Session, flavor: Flavor, users: Iterable[str], projects: Iterable[str]) -> None:
    """Make ``users`` and ``projects`` the type's shares (each must exist)."""
    wanted = {USERS: sorted(set(users)), PROJECTS: sorted(set(projects))}
    if wanted[USERS] or wanted[PROJECTS]:
        _refuse_public(flavor)
    for kind, idents in wanted.items():
        for ident in idents:
            _check_target(s, kind, ident)
        table = _ROWS[kind]
        s.execute(delete(table).where(table.flavor_id == flavor.id))
        s.add_all(_row(flavor, kind, ident) for ident in idents)
    s.flush()


class TypeShares:
    """Shares and tags of one type; every change calls ``allow`` with it first."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def set_shares(
        self, ctx: RequestContext, type_id: str, users: list[str], projects: list[str], allow: Allow
    ) -> ServerType:
        """Replace both sets. BadRequest for an unknown user or project, Conflict when PUBLIC."""
        with self.db.transaction() as s:
            flavor = find(s, ctx, type_id)
            allow(flavor)
            replace_shares(s, flavor, users, projects)
            return described(s, [flavor])[0]

    def share(self, ctx: RequestContext, type_id: str, kind: str, ident: str, allow: Allow) -> None:
        """Share with one user or project (``kind`` USERS or PROJECTS); sharing again is no
        change. BadRequest for an unknown target, Conflict when PUBLIC."""
        with self.db.transaction() as s:
            flavor = find(s, ctx, type_id)
            allow(flavor)
            _refuse_public(flavor)
            _check_target(s, kind, ident)
            if s.get(_ROWS[kind], (flavor.id, ident)) is None:
                s.add(_row(flavor, kind, ident))

    def unshare(self, ctx: RequestContext, type_id: str, kind: str, ident: str, allow: Allow) -> None:
        """Stop sharing with one user or project; NotFound when it was not shared with it."""
        with self.db.transaction() as s:
            flavor = find(s, ctx, type_id)
            allow(flavor)
            row = s.get(_ROWS[kind], (flavor.id, ident))
            if row is None:
                raise NotFound("share", ident, message=f"Server type {type_id} is not shared with {ident}.")
            s.delete(row)

    # -- tags -----------------------------------------------------------------------------
    def set_tags(self, ctx: RequestContext, type_id: str, tags: list[str], allow: Allow) -> list[str]:
        """Replace the type's tags; BadRequest for a bad tag or more than MAX_TAGS."""
        wanted = check_tags(tags)
        with self.db.transaction() as s:
            flavor = find(s, ctx, type_id)
            allow(flavor)
            s.execute(delete(FlavorTag).where(FlavorTag.flavor_id == flavor.id))
            s.add_all(FlavorTag(flavor_id=flavor.id, tag=tag) for tag in wanted)
            s.flush()
            return described(s, [flavor])[0].tags

    def add_tag(self, ctx: RequestContext, type_id: str, tag: str, allow: Allow) -> None:
        """Tag the type (again: no change); BadRequest for a bad tag or one too many."""
        check_tags([tag])
        with self.db.transaction() as s:
            flavor = find(s, ctx, type_id)
            allow(flavor)
            if s.get(FlavorTag, (flavor.id, tag)) is None:
                check_tags([*described(s, [flavor])[0].tags, tag])
                s.add(FlavorTag(flavor_id=flavor.id, tag=tag))

    def remove_tag(self, ctx: RequestContext, type_id: str, tag: str, allow: Allow) -> None:
        """Untag the type; NotFound when it has no such tag."""
        with self.db.transaction() as s:
            flavor = find(s, ctx, type_id)
            allow(flavor)
            row = s.get(FlavorTag, (flavor.id, tag))
            if row is None:
                raise NotFound("tag", tag, message=f"Server type {type_id} has no tag {tag}.")
            s.delete(row)
