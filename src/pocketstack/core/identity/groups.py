"""Groups: named sets of users of a domain, and their memberships (Keystone's /v3/groups).

A group's role grants are ``assignments`` rows (see assignments.py); every member holds them.
A user leaving a group, or a group with grants being deleted, records a revocation event for
the user (as Keystone does), and the application credentials that relied on a role the user
loses are deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest, Conflict, NotFound
from pocketstack.core.identity.application_credentials import drop_unbacked_credentials
from pocketstack.core.identity.assignments import GROUP_KINDS
from pocketstack.core.identity.common import get_or_404, new_id, utcnow
from pocketstack.core.identity.revocation import revoke
from pocketstack.store.db import Database
from pocketstack.store.identity_group_models import Group, GroupMembership
from pocketstack.store.models import Assignment, Domain, User

UPDATABLE = frozenset({"name", "description", "extra"})


@dataclass(frozen=True)
class GroupFilter:
    domain_id: str | None = None
    name: str | None = None


def _conflict(name: str, domain_id: str) -> Conflict:
    return Conflict(
        f"Conflict occurred attempting to store group - Duplicate entry found with name {name} "
        f"at domain ID {domain_id}.",
        code="identity.group.conflict",
    )


def _not_member(user_id: str, group_id: str) -> NotFound:
    return NotFound(
        "user",
        user_id,
        code="identity.group_membership.not_found",
        message=f"User '{user_id}' not found in group '{group_id}'.",
    )


def purge_groups(session: Session, domain_id: str) -> None:
    """Delete every group of a domain with its memberships and grants (the domain is going)."""
    for group_id in list(session.scalars(select(Group.id).where(Group.domain_id == domain_id))):
        _purge_group(session, group_id)


def _purge_group(session: Session, group_id: str) -> None:
    members = list(
        session.scalars(select(GroupMembership.user_id).where(GroupMembership.group_id == group_id))
    )
    of_group = (Assignment.kind.in_(GROUP_KINDS), Assignment.actor_id == group_id)
    grants = session.scalar(select(Assignment.role_id).where(*of_group).limit(1))
    session.execute(delete(Assignment).where(*of_group))
    session.execute(delete(GroupMembership).where(GroupMembership.group_id == group_id))
    session.execute(delete(Group).where(Group.id == group_id))
    # COMPAT: Keystone revokes the members' tokens only when the group held some role.
    if grants is not None:
        for user_id in sorted(members):
            revoke(session, user_id=user_id)
        drop_unbacked_credentials(session, members)


class GroupService:
    """Every method raises NotFound for an unknown group or user."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- groups --------------------------------------------------------------------------
    def list(self, filters: GroupFilter) -> list[Group]:
        stmt = select(Group).order_by(Group.name, Group.id)
        if filters.domain_id is not None:
            stmt = stmt.where(Group.domain_id == filters.domain_id)
        if filters.name is not None:
            stmt = stmt.where(Group.name == filters.name)
        with self.db.read() as s:
            return list(s.scalars(stmt))

    def find(self, group_id: str) -> Group | None:
        """The group, or None (handlers check policy before they reveal whether it exists)."""
        with self.db.read() as s:
            return s.get(Group, group_id) if group_id and "\x00" not in group_id else None

    @staticmethod
    def _check_name_free(s: Session, name: str, domain_id: str, group_id: str | None = None) -> None:
        other = s.scalar(select(Group.id).where(Group.name == name, Group.domain_id == domain_id))
        if other is not None and other != group_id:
            raise _conflict(name, domain_id)

    def create(
        self,
        *,
        name: str,
        domain_id: str,
        description: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Group:
        """Raises NotFound for an unknown domain, Conflict when the name is taken in it."""
        try:
            with self.db.transaction() as s:
                get_or_404(s, Domain, domain_id, "domain")
                self._check_name_free(s, name, domain_id)
                group = Group(
                    id=new_id(),
                    name=name,
                    domain_id=domain_id,
                    description=description,
                    extra=dict(extra or {}),
                    created_at=utcnow(),
                )
                s.add(group)
                s.flush()
                return group
        except IntegrityError:
            raise _conflict(name, domain_id) from None

    def update(self, group_id: str, changes: Mapping[str, Any]) -> Group:
        """``changes`` keys from UPDATABLE (``extra`` is merged). Raises Conflict, BadRequest."""
        unknown = set(changes) - UPDATABLE
        if unknown:
            raise BadRequest(f"Cannot update group attribute(s): {', '.join(sorted(unknown))}.")
        try:
            with self.db.transaction() as s:
                group = get_or_404(s, Group, group_id, "group")
                if "name" in changes:
                    self._check_name_free(s, changes["name"], group.domain_id, group.id)
                    group.name = changes["name"]
                if "description" in changes:
                    group.description = changes["description"]
                if changes.get("extra"):
                    group.extra = {**(group.extra or {}), **changes["extra"]}
                s.flush()
                return group
        except IntegrityError:
            raise _conflict(changes.get("name", ""), "") from None

    def delete(self, group_id: str) -> None:
        """Delete the group, its memberships and its grants."""
        with self.db.transaction() as s:
            get_or_404(s, Group, group_id, "group")
            _purge_group(s, group_id)

    # -- memberships ---------------------------------------------------------------------
    def add_user(self, group_id: str, user_id: str) -> None:
        """Adding a member again is a no-op."""
        try:
            with self.db.transaction() as s:
                get_or_404(s, Group, group_id, "group")
                get_or_404(s, User, user_id, "user")
                if s.get(GroupMembership, (group_id, user_id)) is None:
                    s.add(GroupMembership(group_id=group_id, user_id=user_id))
        except IntegrityError:
            with self.db.read() as s:  # a concurrent add won the race: the member is in
                if s.get(GroupMembership, (group_id, user_id)) is None:
                    raise

    def check_user(self, group_id: str, user_id: str) -> None:
        """Raises NotFound when the group, the user or the membership is missing."""
        with self.db.read() as s:
            get_or_404(s, Group, group_id, "group")
            get_or_404(s, User, user_id, "user")
            if s.get(GroupMembership, (group_id, user_id)) is None:
                raise _not_member(user_id, group_id)

    def remove_user(self, group_id: str, user_id: str) -> None:
        """The user's tokens are revoked (they may rely on the group's roles)."""
        with self.db.transaction() as s:
            get_or_404(s, Group, group_id, "group")
            get_or_404(s, User, user_id, "user")
            row = s.get(GroupMembership, (group_id, user_id))
            if row is None:
                raise _not_member(user_id, group_id)
            s.delete(row)
            s.flush()
            revoke(s, user_id=user_id)
            drop_unbacked_credentials(s, [user_id])

    def users(self, group_id: str) -> list[User]:
        with self.db.read() as s:
            get_or_404(s, Group, group_id, "group")
            stmt = (
                select(User)
                .join(GroupMembership, GroupMembership.user_id == User.id)
                .where(GroupMembership.group_id == group_id)
                .order_by(User.name, User.id)
            )
            return list(s.scalars(stmt))

    def groups_of(self, user_id: str) -> list[Group]:
        with self.db.read() as s:
            get_or_404(s, User, user_id, "user")
            stmt = (
                select(Group)
                .join(GroupMembership, GroupMembership.group_id == Group.id)
                .where(GroupMembership.user_id == user_id)
                .order_by(Group.name, Group.id)
            )
            return list(s.scalars(stmt))
