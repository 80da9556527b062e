"""Server types (Nova's flavors): the catalogue, who may use a private one, and extra specs.

Visibility follows Nova: everyone sees public flavors; a private flavor is visible to the
projects it is shared with; an administrator sees every flavor. Compute vNext adds (revision
0009) the project that owns a type and the users it is shared with, so both APIs see the same
types. A flavor a caller may not see does not exist for that caller (404, never 403).
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, delete, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest, Conflict, NotFound
from pocketstack.core.identity.common import utcnow
from pocketstack.store.compute_models import Flavor, FlavorAccess, FlavorTag, FlavorUserAccess, type_uuid
from pocketstack.store.db import Database
from pocketstack.store.models import Meta, Project

DEFAULTS_MARK = "compute.default_flavors"
# (id, name, vcpus, memory_mb, root_gb): Nova's classic m1.* flavors.
DEFAULT_FLAVORS = (
    ("1", "m1.tiny", 1, 512, 1),
    ("2", "m1.small", 1, 2048, 20),
    ("3", "m1.medium", 2, 4096, 40),
    ("4", "m1.large", 4, 8192, 80),
    ("5", "m1.xlarge", 8, 16384, 160),
)
# Attributes a list may be sorted by (any column but the extra specs and vNext's type id).
SORT_ATTRIBUTES = frozenset(column.key for column in Flavor.__table__.columns) - {"extra_specs", "uuid"}


@dataclass(frozen=True)
class FlavorSpec:
    """What a new flavor is made of; ``id`` None means a generated UUID."""

    name: str
    memory_mb: int
    vcpus: int
    root_gb: int
    ephemeral_gb: int = 0
    swap_mb: int = 0
    rxtx_factor: float = 1.0
    is_public: bool = True
    description: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class FlavorQuery:
    """A list request: ``is_public`` True (public plus shared with the caller's project),
    False (private only) or None (all the caller may see); ``sort_key`` an attribute of
    SORT_ATTRIBUTES, or None for creation order."""

    is_public: bool | None = True
    include_disabled: bool = True
    min_memory_mb: int | None = None
    min_root_gb: int | None = None
    sort_key: str | None = "id"
    sort_dir: str = "asc"
    limit: int | None = None
    marker: str | None = None
    name: str | None = None  # 2.102: a regular expression the name must match (re.search)


def _name_pattern(value: str) -> re.Pattern[str]:
    """Nova matches the ``name`` filter as a regular expression (the database's REGEXP)."""
    try:
        return re.compile(value)
    except re.error:
        raise BadRequest(f"Invalid regular expression for name: {value!r}.") from None


def not_found(flavor_id: str) -> NotFound:
    return NotFound(
        "flavor",
        flavor_id,
        code="compute.flavor.not_found",
        message=f"Flavor {flavor_id} could not be found.",
    )


Ident = str | None | BindParameter[Any]


def _shared_with(project_id: Ident) -> ColumnElement[bool]:
    return exists().where(FlavorAccess.flavor_id == Flavor.id, FlavorAccess.project_id == project_id)


def _granted(project_id: Ident, user_id: Ident) -> ColumnElement[bool]:
    """A type is public, or shared with the user (checked first), owned by the project, or
    shared with it."""
    with_user = exists().where(FlavorUserAccess.flavor_id == Flavor.id, FlavorUserAccess.user_id == user_id)
    return or_(
        Flavor.is_public.is_(True), with_user, Flavor.owner_project_id == project_id, _shared_with(project_id)
    )


def _visible(project_id: Ident, is_admin: bool, user_id: Ident = None) -> ColumnElement[bool] | None:
    return None if is_admin else _granted(project_id, user_id)


def _sort_value(flavor: Flavor, key: str | None) -> tuple[Any, ...]:
    """A total order: the key, then creation order; None sorts first, as in Nova on MySQL."""
    value = getattr(flavor, key) if key in SORT_ATTRIBUTES else None
    return (value is not None, value if value is not None else 0, flavor.created_at, flavor.id)


def _new_flavor(spec: FlavorSpec, flavor_id: str, now: datetime | None = None) -> Flavor:
    return Flavor(
        id=flavor_id,
        uuid=type_uuid(flavor_id),
        name=spec.name,
        vcpus=spec.vcpus,
        memory_mb=spec.memory_mb,
        root_gb=spec.root_gb,
        ephemeral_gb=spec.ephemeral_gb,
        swap_mb=spec.swap_mb,
        rxtx_factor=spec.rxtx_factor,
        is_public=spec.is_public,
        disabled=False,
        description=spec.description,
        extra_specs={},
        created_at=now or utcnow(),
        updated_at=None,
    )


def _projects(s: Session, flavor_id: str) -> list[str]:
    stmt = select(FlavorAccess.project_id).where(FlavorAccess.flavor_id == flavor_id)
    return sorted(s.scalars(stmt))


@functools.cache
def _list_statement(
    is_admin: bool, is_public: bool | None, include_disabled: bool, min_memory: bool, min_root: bool
) -> Select[Any]:
    """The list's statement for one shape of query, built once (parameters: ``project_id``,
    ``user_id``, ``min_memory_mb``, ``min_root_gb``)."""
    project_id, user_id = bindparam("project_id"), bindparam("user_id")
    stmt = select(Flavor)
    visible = _visible(project_id, is_admin, user_id)
    if visible is not None:
        stmt = stmt.where(visible)
    if is_public is True:
        stmt = stmt.where(_granted(project_id, user_id))
    elif is_public is False:
        stmt = stmt.where(Flavor.is_public.is_(False))
    if not include_disabled:
        stmt = stmt.where(Flavor.disabled.is_(False))
    if min_memory:
        stmt = stmt.where(Flavor.memory_mb >= bindparam("min_memory_mb"))
    if min_root:
        stmt = stmt.where(Flavor.root_gb >= bindparam("min_root_gb"))
    return stmt


class FlavorService:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reading --------------------------------------------------------------------------
    @staticmethod
    def get_for_project(
        session: Session, flavor_id: str, project_id: str | None, is_admin: bool, user_id: str | None = None
    ) -> Flavor:
        """The flavor if ``project_id`` (or ``user_id``) may use it (public, owned by or shared
        with the project, shared with the user, or the caller is an admin); NotFound otherwise,
        as for a flavor that does not exist."""
        stmt = select(Flavor).where(Flavor.id == flavor_id)
        visible = _visible(project_id, is_admin, user_id)
        if visible is not None:
            stmt = stmt.where(visible)
        flavor = session.scalar(stmt)
        if flavor is None:
            raise not_found(flavor_id)
        return flavor

    def get(
        self, flavor_id: str, project_id: str | None, is_admin: bool, user_id: str | None = None
    ) -> Flavor:
        """One flavor; NotFound when missing or not visible to the caller."""
        with self.db.read() as s:
            return self.get_for_project(s, flavor_id, project_id, is_admin, user_id)

    def list(
        self, q: FlavorQuery, project_id: str | None, is_admin: bool, user_id: str | None = None
    ) -> list[Any]:
        """Flavors matching ``q`` (rows with a Flavor's attributes), sorted and paged as Nova
        does. BadRequest when the marker is not a flavor the caller can see."""
        stmt = _list_statement(
            is_admin, q.is_public, q.include_disabled, q.min_memory_mb is not None, q.min_root_gb is not None
        )
        params = {
            "project_id": project_id,
            "user_id": user_id,
            "min_memory_mb": q.min_memory_mb,
            "min_root_gb": q.min_root_gb,
        }
        flavors = sorted(self.db.rows(stmt, params), key=lambda f: _sort_value(f, q.sort_key))
        if q.name is not None:
            pattern = _name_pattern(q.name)
            flavors = [f for f in flavors if pattern.search(f.name or "")]
        if q.sort_dir == "desc":
            flavors.reverse()
        if q.marker is not None:
            # COMPAT: Nova finds the marker among all flavors the caller can see, not only
            # those the filters keep, and pages on from its place in the order.
            try:
                marker = self.get(q.marker, project_id, is_admin, user_id)
            except NotFound:
                raise BadRequest(f"marker [{q.marker}] not found") from None
            after = _sort_value(marker, q.sort_key)
            if q.sort_dir == "desc":
                flavors = [f for f in flavors if _sort_value(f, q.sort_key) < after]
            else:
                flavors = [f for f in flavors if _sort_value(f, q.sort_key) > after]
        return flavors if q.limit is None else flavors[: q.limit]

    # -- changing -------------------------------------------------------------------------
    def create(self, spec: FlavorSpec) -> Flavor:
        """A new flavor. Conflict when the name or the id is taken."""
        flavor = _new_flavor(spec, spec.id or str(uuid.uuid4()))
        flavor_id = flavor.id
        try:
            with self.db.transaction() as s:
                self._check_unique(s, flavor_id, spec.name)
                s.add(flavor)
                s.flush()
        except IntegrityError:
            # Someone else took the name or the id between our check and our insert.
            with self.db.read() as s:
                self._check_unique(s, flavor_id, spec.name)
            raise
        return flavor

    @staticmethod
    def _check_unique(s: Session, flavor_id: str, name: str) -> None:
        if s.scalar(select(Flavor.id).where(Flavor.name == name)) is not None:
            raise Conflict(f"Flavor with name {name} already exists.", code="compute.flavor.name_exists")
        if s.get(Flavor, flavor_id) is not None or s.scalar(
            select(Flavor.id).where(Flavor.uuid == type_uuid(flavor_id))
        ):
            # Also an id that is another flavor's type id (a UUID derived from its id).
            raise Conflict(f"Flavor with ID {flavor_id} already exists.", code="compute.flavor.id_exists")

    def set_description(
        self, flavor_id: str, description: str | None, project_id: str | None, is_admin: bool
    ) -> Flavor:
        """Change the description (None clears it); NotFound as ``get_for_project``."""
        with self.db.transaction() as s:
            flavor = self.get_for_project(s, flavor_id, project_id, is_admin)
            flavor.description = description
            flavor.updated_at = utcnow()
            return flavor

    def delete(self, flavor_id: str, project_id: str | None, is_admin: bool) -> None:
        """Delete a flavor and its access list. Servers keep their own copy of it."""
        with self.db.transaction() as s:
            flavor = self.get_for_project(s, flavor_id, project_id, is_admin)
            for table in (FlavorAccess, FlavorUserAccess, FlavorTag):
                s.execute(delete(table).where(table.flavor_id == flavor.id))
            s.delete(flavor)

    # -- access (private flavors) ---------------------------------------------------------
    def access_list(self, flavor_id: str, project_id: str | None, is_admin: bool) -> list[str]:
        """Projects a private flavor is shared with. NotFound for a public flavor."""
        with self.db.read() as s:
            flavor = self.get_for_project(s, flavor_id, project_id, is_admin)
            if flavor.is_public:
                raise NotFound(
                    "flavor access", flavor_id, message="Access list not available for public flavors."
                )
            return _projects(s, flavor.id)

    def add_access(
        self, flavor_id: str, share_with: str, project_id: str | None, is_admin: bool, refuse_public: bool
    ) -> list[str]:
        """Share a flavor with project ``share_with``; returns the projects it is shared with.
        BadRequest for an unknown project, Conflict when already shared (or, with
        ``refuse_public``, when the flavor is public)."""
        with self.db.transaction() as s:
            if s.get(Project, share_with) is None:
                raise BadRequest(f"Project ID {share_with} is not a valid project.")
            flavor = self.get_for_project(s, flavor_id, project_id, is_admin)
            if refuse_public and flavor.is_public:
                raise Conflict("Can not add access to a public flavor.")
            if s.get(FlavorAccess, (flavor.id, share_with)) is not None:
                raise Conflict(
                    f"Flavor access already exists for flavor {flavor.id} "
                    f"and project {share_with} combination."
                )
            s.add(FlavorAccess(flavor_id=flavor.id, project_id=share_with))
            s.flush()
            return _projects(s, flavor.id)

    def remove_access(
        self, flavor_id: str, share_with: str, project_id: str | None, is_admin: bool
    ) -> list[str]:
        """Stop sharing a flavor with ``share_with`` (known project or not, as Nova); NotFound when
        it was not shared. Returns the projects it is still shared with."""
        with self.db.transaction() as s:
            flavor = self.get_for_project(s, flavor_id, project_id, is_admin)
            row = s.get(FlavorAccess, (flavor.id, share_with))
            if row is None:
                raise NotFound(
                    "flavor access",
                    f"{flavor.id}/{share_with}",
                    message=f"Flavor access not found for {flavor.id} / {share_with} combination.",
                )
            s.delete(row)
            s.flush()
            return _projects(s, flavor.id)

    # -- extra specs ----------------------------------------------------------------------
    def extra_specs(self, flavor_id: str, project_id: str | None, is_admin: bool) -> dict[str, str]:
        """The flavor's extra specs; NotFound as ``get_for_project``."""
        return dict(self.get(flavor_id, project_id, is_admin).extra_specs or {})

    def update_extra_specs(
        self, flavor_id: str, specs: Mapping[str, str], project_id: str | None, is_admin: bool
    ) -> dict[str, str]:
        """Add or replace extra specs (values are strings); returns all of them."""
        with self.db.transaction() as s:
            flavor = self.get_for_project(s, flavor_id, project_id, is_admin)
            flavor.extra_specs = {**(flavor.extra_specs or {}), **specs}
            return dict(flavor.extra_specs)

    def delete_extra_spec(self, flavor_id: str, key: str, project_id: str | None, is_admin: bool) -> None:
        """Remove one extra spec; NotFound when the flavor has no such key."""
        with self.db.transaction() as s:
            flavor = self.get_for_project(s, flavor_id, project_id, is_admin)
            specs = dict(flavor.extra_specs or {})
            if key not in specs:
                raise NotFound(
                    "extra spec",
                    key,
                    message=f"Flavor {flavor_id} has no extra specs with key {key}.",
                )
            del specs[key]
            flavor.extra_specs = specs


def ensure_default_flavors(db: Database) -> None:
    """On the very first start only, create the public m1.* flavors. A mark in ``meta``
    remembers it was done, so a default flavor an operator deleted stays deleted."""
    with db.read() as s:
        if s.get(Meta, DEFAULTS_MARK) is not None:
            return
    try:
        with db.transaction() as s:
            now = utcnow()
            for flavor_id, name, vcpus, memory_mb, root_gb in DEFAULT_FLAVORS:
                taken = s.get(Flavor, flavor_id) or s.scalar(select(Flavor.id).where(Flavor.name == name))
                if taken is None:
                    s.add(_new_flavor(FlavorSpec(name, memory_mb, vcpus, root_gb), flavor_id, now))
            s.add(Meta(key=DEFAULTS_MARK, value=now.isoformat()))
    except IntegrityError:
        pass  # another process sharing the database did it at the same moment
