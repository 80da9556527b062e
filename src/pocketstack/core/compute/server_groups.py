"""Server groups: a named scheduling policy (affinity or anti-affinity, hard or soft) that a
project's servers join at create. The scheduler reads a group's policy and members; this
module owns the groups, who may see them, and the two quotas on them (groups per project,
servers per group)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from pocketstack.core.compute.quotas import QuotaService
from pocketstack.core.errors import BadRequest, NotFound, QuotaExceeded
from pocketstack.core.identity.common import utcnow
from pocketstack.store.compute_models import Server, ServerGroup, ServerGroupMember
from pocketstack.store.db import Database

POLICIES = ("affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity")
RULES = ("max_server_per_host",)
MAX_NAME = 255


def not_found(group_id: str) -> NotFound:
    return NotFound("server group", group_id, message=f"Instance group {group_id} could not be found.")


def check_rules(policy: str, rules: Mapping[str, Any]) -> dict[str, Any]:
    """The rules as stored; BadRequest for an unknown policy or rule, a rule on a policy other
    than anti-affinity (as Nova refuses), or a ``max_server_per_host`` below 1."""
    if policy not in POLICIES:
        raise BadRequest(f"Invalid server group policy {policy!r}; expected one of {', '.join(POLICIES)}.")
    unknown = set(rules) - set(RULES)
    if unknown:
        raise BadRequest(f"Unknown server group rules: {', '.join(sorted(unknown))}.")
    if rules and policy != "anti-affinity":
        raise BadRequest("Only anti-affinity policy supports rules.")
    checked: dict[str, Any] = {}
    if "max_server_per_host" in rules:
        value = rules["max_server_per_host"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise BadRequest("max_server_per_host must be an integer of at least 1.")
        checked["max_server_per_host"] = value
    return checked


class ServerGroupService:
    """Server groups of projects. ``quotas`` supplies the server_groups and
    server_group_members limits; without one, only the built-in and class defaults apply."""

    def __init__(self, db: Database, quotas: QuotaService | None = None) -> None:
        self.db = db
        self.quotas = quotas if quotas is not None else QuotaService(db, {})

    # -- for the API --------------------------------------------------------------------
    def create(
        self, project_id: str, user_id: str, name: str, policy: str, rules: Mapping[str, Any] | None = None
    ) -> ServerGroup:
        """Create a group owned by the project. BadRequest for a bad name, policy or rules;
        QuotaExceeded when the project has its ``server_groups`` quota of groups already."""
        if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME:
            raise BadRequest(f"A server group name must be 1 to {MAX_NAME} characters long.")
        checked = check_rules(policy, rules or {})
        group = ServerGroup(
            id=str(uuid.uuid4()),
            name=name,
            project_id=project_id,
            user_id=user_id,
            policy=policy,
            rules=checked,
            created_at=utcnow(),
        )
        with self.db.transaction() as s:
            self.quotas.check(s, project_id, {"server_groups": 1})
            s.add(group)
        return group

    def get(self, group_id: str, project_id: str | None, is_admin: bool) -> ServerGroup:
        """The group, if the caller's project owns it or the caller is an admin; else NotFound."""
        with self.db.read() as s:
            return self.get_for_project(s, group_id, project_id, is_admin)

    def list(
        self, project_id: str | None, *, all_projects: bool = False, offset: int = 0, limit: int | None = None
    ) -> list[ServerGroup]:
        """The project's groups (every project's with ``all_projects``), oldest first."""
        stmt = select(ServerGroup).order_by(ServerGroup.created_at, ServerGroup.id).offset(offset)
        if not all_projects:
            stmt = stmt.where(ServerGroup.project_id == project_id)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.db.read() as s:
            return list(s.scalars(stmt))

    def delete(self, group_id: str, project_id: str | None, is_admin: bool) -> None:
        """Delete the group (its memberships go with it); NotFound as ``get``."""
        with self.db.transaction() as s:
            group = self.get_for_project(s, group_id, project_id, is_admin)
            s.execute(delete(ServerGroupMember).where(ServerGroupMember.group_id == group.id))
            s.execute(delete(ServerGroup).where(ServerGroup.id == group.id))

    def members_of(self, group_ids: Iterable[str]) -> dict[str, list[str]]:
        """Live members of each group, by group id."""
        ids = list(group_ids)
        found: dict[str, list[str]] = {gid: [] for gid in ids}
        if not ids:
            return found
        with self.db.read() as s:
            for group_id, server_id in s.execute(_live_members().where(ServerGroupMember.group_id.in_(ids))):
                found[group_id].append(server_id)
        return found

    # -- for the server code, inside its own transaction ------------------------------
    @staticmethod
    def get_for_project(
        session: Session, group_id: str, project_id: str | None, is_admin: bool
    ) -> ServerGroup:
        """The group, if ``project_id`` owns it or ``is_admin``; else NotFound (another
        project's group is as invisible as a missing one)."""
        group = session.get(ServerGroup, group_id)
        if group is None or (not is_admin and group.project_id != project_id):
            raise not_found(group_id)
        return group

    @staticmethod
    def members(session: Session, group_id: str) -> list[str]:
        """Ids of the group's servers that are not deleted."""
        return [
            sid for _, sid in session.execute(_live_members().where(ServerGroupMember.group_id == group_id))
        ]

    def add_member(self, session: Session, group_id: str, server_id: str) -> None:
        """Put a server in the group. QuotaExceeded (403) when the group already holds its
        project's ``server_group_members`` limit of live servers; NotFound for no such group.
        Holds the group's project quota lock until the transaction ends, so concurrent adds
        cannot overfill the group."""
        group = session.get(ServerGroup, group_id)
        if group is None:
            raise not_found(group_id)
        self.quotas.lock(session, group.project_id)
        limit = self.quotas.limits_in(session, group.project_id)["server_group_members"]
        with session.no_autoflush:
            current = self.members(session, group_id)
        if server_id in current:
            return
        if 0 <= limit < len(current) + 1:
            raise QuotaExceeded("Quota exceeded, too many servers in group")
        session.add(ServerGroupMember(group_id=group_id, server_id=server_id))
        session.flush()


def _live_members() -> Any:
    """Member rows whose server is not deleted. A member without a server row yet (being
    built in the same transaction) counts, as Nova counts servers not yet scheduled."""
    return (
        select(ServerGroupMember.group_id, ServerGroupMember.server_id)
        .outerjoin(Server, Server.id == ServerGroupMember.server_id)
        .where(or_(Server.id.is_(None), Server.deleted.is_(False)))
        .order_by(ServerGroupMember.group_id, ServerGroupMember.server_id)
    )
