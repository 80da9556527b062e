"""Server types (vNext) are flavors: the ids they show, who owns them, and what vNext adds to
them (revision 0009): an owner project, shares with users, and tags. Project shares are
``flavor_access`` rows, so Compute v2.1's flavor access shows them; who sees a type is
``flavors._visible``, the one rule both APIs read.

A flavor id is any string (the built-in ones are ``1`` to ``5``); vNext ids are UUIDs, so a
flavor whose id is not one shows as the UUID derived from it (version 5, in a namespace of this
project's), the same in every cloud; it is stored as ``flavors.uuid`` (revision 0010), so a type
is found by one indexed read. Shares and tags: core/compute/type_shares.py."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.compute.flavors import FlavorService, FlavorSpec, _new_flavor, _visible
from pocketstack.core.compute.flavors import type_uuid as type_uuid  # its callers import it from here
from pocketstack.core.compute.server_tags import check_tag
from pocketstack.core.compute.servers import MAX_TAGS
from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.errors import BadRequest, Conflict, NotFound
from pocketstack.core.identity.common import utcnow
from pocketstack.store.compute_models import Flavor, FlavorAccess, FlavorTag, FlavorUserAccess
from pocketstack.store.db import Database

Allow = Callable[[Flavor], None]


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def flavor_id_of(s: Session, type_id: str) -> str | None:
    """The id of the flavor whose type id is ``type_id``, visible or not; None when none is.
    One indexed read of ``flavors.uuid`` (revision 0010), which holds a UUID id itself and
    the derived UUID of any other."""
    if not _is_uuid(type_id):
        return None
    return s.scalar(select(Flavor.id).where(Flavor.uuid == str(uuid.UUID(type_id))))


def not_found(ref: str) -> NotFound:
    return NotFound(
        "server type",
        ref,
        code="compute.server_type.not_found",
        message=f"Server type {ref} could not be found.",
    )


def find(s: Session, ctx: RequestContext, ref: str, *, by_name: bool = False) -> Flavor:
    """The type ``ref`` names (its UUID; with ``by_name``, a name when ``ref`` is no UUID) if
    the caller may see it; NotFound otherwise, as for one that does not exist."""
    if _is_uuid(ref):
        flavor_id = flavor_id_of(s, ref)
        stmt = select(Flavor).where(Flavor.id == flavor_id) if flavor_id is not None else None
    else:
        stmt = select(Flavor).where(Flavor.name == ref) if by_name else None
    visible = _visible(ctx.project_id, is_admin(ctx), ctx.user_id)
    if stmt is not None and visible is not None:
        stmt = stmt.where(visible)
    flavor = s.scalar(stmt) if stmt is not None else None
    if flavor is None:
        raise not_found(ref)
    return flavor


def usable(s: Session, ctx: RequestContext, type_id: str) -> Flavor:
    """The flavor of server type ``type_id`` for a new server or a resize, if the caller may use
    it: 400 for one it cannot see or one disabled."""
    try:
        flavor = find(s, ctx, type_id)
    except NotFound:
        raise BadRequest(f"Server type {type_id} could not be found.") from None
    if flavor.disabled:
        raise BadRequest(f"Server type {type_id} is disabled and cannot be used.")
    return flavor


def check_tags(tags: Iterable[str]) -> list[str]:
    """Tags in order, without repeats; BadRequest for a bad one or too many. A type's tags
    follow a server's rules (core/compute/server_tags.py)."""
    out = list(dict.fromkeys(check_tag(tag) for tag in tags))
    if len(out) > MAX_TAGS:
        raise BadRequest(f"A server type has at most {MAX_TAGS} tags.")
    return out


@dataclass(frozen=True)
class ServerType:
    """A flavor with what vNext shows of it."""

    flavor: Flavor
    tags: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.flavor.uuid


@dataclass(frozen=True)
class TypeSpec:
    """A new type. ``public`` needs the publish rule (checked by the caller)."""

    name: str
    vcpus: int
    ram_mb: int
    root_disk_gb: int
    ephemeral_disk_gb: int = 0
    swap_mb: int = 0
    description: str | None = None
    public: bool = False
    tags: Sequence[str] = ()
    users: Sequence[str] = ()
    projects: Sequence[str] = ()


@dataclass(frozen=True)
class TypeQuery:
    name: str | None = None
    tags: Sequence[str] = ()
    public: bool | None = None
    limit: int = 20
    marker: str | None = None


def described(s: Session, flavors: Sequence[Flavor]) -> list[ServerType]:
    """The types of ``flavors`` with their tags and shares, in three reads."""
    ids = [f.id for f in flavors]
    tags, users, projects = defaultdict(list), defaultdict(list), defaultdict(list)
    for fid, tag in s.execute(select(FlavorTag.flavor_id, FlavorTag.tag).where(FlavorTag.flavor_id.in_(ids))):
        tags[fid].append(tag)
    rows = select(FlavorUserAccess.flavor_id, FlavorUserAccess.user_id)
    for fid, user in s.execute(rows.where(FlavorUserAccess.flavor_id.in_(ids))):
        users[fid].append(user)
    rows = select(FlavorAccess.flavor_id, FlavorAccess.project_id)
    for fid, project in s.execute(rows.where(FlavorAccess.flavor_id.in_(ids))):
        projects[fid].append(project)
    return [ServerType(f, sorted(tags[f.id]), sorted(users[f.id]), sorted(projects[f.id])) for f in flavors]


class ServerTypes:
    """Server types for vNext callers: reads by visibility, and what owners and admins change.
    Changes take ``allow``, called with the type before anything changes (the caller's policy
    check, run in the same transaction)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def list(self, ctx: RequestContext, q: TypeQuery) -> list[ServerType]:
        """One page, oldest first; BadRequest for a marker that is not a type the caller sees."""
        stmt = select(Flavor).order_by(Flavor.created_at, Flavor.id)
        visible = _visible(ctx.project_id, is_admin(ctx), ctx.user_id)
        if visible is not None:
            stmt = stmt.where(visible)
        if q.name is not None:
            stmt = stmt.where(Flavor.name == q.name)
        if q.public is not None:
            stmt = stmt.where(Flavor.is_public.is_(q.public))
        for tag in q.tags:
            stmt = stmt.where(Flavor.id.in_(select(FlavorTag.flavor_id).where(FlavorTag.tag == tag)))
        with self.db.read() as s:
            flavors = list(s.scalars(stmt))
            if q.marker is not None:
                at = [i for i, f in enumerate(flavors) if f.uuid == q.marker]
                if not at:
                    raise BadRequest(f"The marker {q.marker} is no server type of this list.")
                flavors = flavors[at[0] + 1 :]
            return described(s, flavors[: q.limit])

    def get(self, ctx: RequestContext, ref: str) -> ServerType:
        """A type by UUID or name; NotFound when missing or not visible."""
        with self.db.read() as s:
            return described(s, [find(s, ctx, ref, by_name=True)])[0]

    def create(self, ctx: RequestContext, spec: TypeSpec) -> ServerType:
        """A new type owned by the caller's project and user. Conflict when the name is taken
        or a PUBLIC type has shares; BadRequest for an unknown share target or a bad tag."""
        from pocketstack.core.compute.type_shares import replace_shares  # noqa: PLC0415 - it imports this

        tags = check_tags(spec.tags)
        if spec.public and (spec.users or spec.projects):
            raise Conflict("A PUBLIC server type is not shared: everyone may use it.")
        flavor_id = str(uuid.uuid4())
        flavor_spec = FlavorSpec(
            name=spec.name,
            memory_mb=spec.ram_mb,
            vcpus=spec.vcpus,
            root_gb=spec.root_disk_gb,
            ephemeral_gb=spec.ephemeral_disk_gb,
            swap_mb=spec.swap_mb,
            is_public=spec.public,
            description=spec.description,
            id=flavor_id,
        )
        with self.db.transaction() as s:
            FlavorService._check_unique(s, flavor_id, spec.name)
            flavor = _new(flavor_spec, ctx)
            s.add(flavor)
            s.flush()
            replace_shares(s, flavor, spec.users, spec.projects)
            s.add_all(FlavorTag(flavor_id=flavor_id, tag=tag) for tag in tags)
            s.flush()
            return described(s, [flavor])[0]

    def update(self, ctx: RequestContext, type_id: str, changes: dict[str, Any], allow: Allow) -> ServerType:
        """Change ``name``, ``description`` or ``public``. Conflict for a taken name, or for
        making a shared type PUBLIC (its shares would mean nothing)."""
        with self.db.transaction() as s:
            flavor = find(s, ctx, type_id)
            allow(flavor)
            if "name" in changes and changes["name"] != flavor.name:
                if s.scalar(select(Flavor.id).where(Flavor.name == changes["name"])) is not None:
                    raise Conflict(
                        f"Flavor with name {changes['name']} already exists.",
                        code="compute.flavor.name_exists",
                    )
                flavor.name = changes["name"]
            if "description" in changes:
                flavor.description = changes["description"]
            if changes.get("public") and not flavor.is_public:
                shared = described(s, [flavor])[0]
                if shared.users or shared.projects:
                    raise Conflict("Remove the type's shares before making it PUBLIC.")
            if "public" in changes:
                flavor.is_public = changes["public"]
            flavor.updated_at = utcnow()
            s.flush()
            return described(s, [flavor])[0]

    def delete(self, ctx: RequestContext, type_id: str, allow: Allow) -> None:
        """Delete a type with its shares and tags; servers keep their own copy of it."""
        with self.db.transaction() as s:
            flavor = find(s, ctx, type_id)
            allow(flavor)
        FlavorService(self.db).delete(flavor.id, None, True)


def _new(spec: FlavorSpec, ctx: RequestContext) -> Flavor:
    flavor = _new_flavor(spec, spec.id or str(uuid.uuid4()))
    flavor.owner_project_id = ctx.project_id
    flavor.owner_user_id = ctx.user_id
    return flavor
