"""Changing a server in place, as vNext's ``PATCH /servers/{id}`` does: its hostname (RFC 1123
as ``hostnames.check_name`` has it, unique among the project's live servers) and its properties
(the column v2.1 serves as ``metadata``), replaced as a whole with v2.1's metadata rules.
Callers check the policy."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.compute.hostnames import check_name
from pocketstack.core.compute.quotas import QuotaService
from pocketstack.core.compute.servers import get_visible
from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.errors import Conflict
from pocketstack.core.identity.common import utcnow
from pocketstack.store.compute_models import Server
from pocketstack.store.db import Database


def taken_by(s: Session, project_id: str, hostname: str, but: str | None = None) -> str | None:
    """The id of a live server of ``project_id`` with ``hostname`` (other than ``but``)."""
    stmt = select(Server.id).where(
        Server.project_id == project_id, Server.hostname == hostname, Server.deleted.is_(False)
    )
    if but is not None:
        stmt = stmt.where(Server.id != but)
    return s.scalars(stmt.limit(1)).first()


class ServerEdits:
    def __init__(self, db: Database, quotas: QuotaService) -> None:
        self.db = db
        self.quotas = quotas

    def edit(
        self,
        ctx: RequestContext,
        server_id: str,
        *,
        hostname: str | None = None,
        properties: dict[str, str] | None = None,
    ) -> Server:
        """Set what is given, in one transaction. A new hostname is checked under the project's
        quota lock (the lock a batch create takes to pick names), so two renames or a rename and
        a create cannot both take one name. Properties follow v2.1's metadata rules: 409 when
        the server is locked (but for an admin) or a task runs, the ``metadata_items`` quota."""
        if hostname is not None:
            check_name(hostname)
        if properties is not None:
            with self.db.read() as s:
                project_id = get_visible(s, ctx, server_id).project_id
            self.quotas.check_metadata_items(project_id, len(properties))
        with self.db.transaction() as s:
            server = get_visible(s, ctx, server_id)
            if properties is not None:
                if server.locked and not is_admin(ctx):
                    raise Conflict(f"Instance {server.id} is locked", code="compute.server.locked")
                if server.task_state is not None:
                    raise Conflict(
                        f"Cannot 'update metadata' instance while it is in task_state {server.task_state}",
                        code="compute.server.invalid_state",
                    )
                server.metadata_ = dict(properties)
            if hostname is not None and hostname != server.hostname:
                QuotaService.lock(s, server.project_id)
                other = taken_by(s, server.project_id, hostname, but=server.id)
                if other is not None:
                    raise Conflict(
                        f"The hostname {hostname} is taken by server {other} of project {server.project_id}.",
                        code="compute.server.hostname_taken",
                    )
                server.hostname = hostname
            server.updated_at = utcnow()
            return server
