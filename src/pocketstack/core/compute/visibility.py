"""Whose servers a vNext read shows: "the caller's projects" (seed 001), not only the one its
token is scoped to. Writes still act in the token's project alone.

A user's own token (password or token authentication) reads the servers of every enabled
project where the user holds a role that the read's rule allows there, judged as a token scoped
to that project would be. A token from an application credential or a trust reads its own
project only: its scope is a promise made to its owner. Admins read every project."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.compute.servers import not_found
from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.identity.assignments import effective_roles, project_ids_with_roles
from pocketstack.core.policy import Enforcer
from pocketstack.store.compute_models import Server
from pocketstack.store.models import Project


def readable_projects(s: Session, policy: Enforcer, ctx: RequestContext, rule: str) -> set[str]:
    own = {ctx.project_id} if ctx.project_id else set()
    if ctx.user_id is None or ctx.application_credential_id or ctx.trust_id or ctx.project_id is None:
        return own
    others = project_ids_with_roles(s, ctx.user_id) - own
    if not others:
        return own
    enabled = s.scalars(select(Project.id).where(Project.id.in_(sorted(others)), Project.enabled.is_(True)))
    readable = set(own)
    for project_id in enabled:
        roles = frozenset(role.name for role in effective_roles(s, ctx.user_id, "project", project_id))
        there = replace(ctx, project_id=project_id, project_name=None, roles=roles)
        if roles and policy.check(rule, there, {"project_id": project_id}):
            readable.add(project_id)
    return readable


def readable_server(
    s: Session,
    policy: Enforcer,
    ctx: RequestContext,
    server_id: str,
    rule: str,
    *,
    include_deleted: bool = False,
) -> Server:
    """The server if the caller may read it in any of its projects; 404 otherwise."""
    server = s.get(Server, server_id) if len(server_id) <= 36 else None
    if server is None or (server.deleted and not include_deleted):
        raise not_found(server_id)
    if not is_admin(ctx) and server.project_id not in readable_projects(s, policy, ctx, rule):
        raise not_found(server_id)
    return server
