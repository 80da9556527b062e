"""A server's live migrations in progress, after Nova's ``/servers/{id}/migrations``: list,
show, force-complete and abort, with Nova's checks in Nova's order.

pocketstack's drivers move a guest in one step, so a live migration is never seen ``running``
(nor ``queued`` or ``preparing``): force-complete and abort find nothing they may act on and
answer as Nova does for a migration in any other state.
"""

from __future__ import annotations

from sqlalchemy import select

from pocketstack.core.compute.servers import get_visible
from pocketstack.core.context import RequestContext
from pocketstack.core.errors import BadRequest, Conflict, NotFound, NotImplementedYet
from pocketstack.core.policy import Enforcer
from pocketstack.store.compute_models import Host, Migration, Server
from pocketstack.store.db import Database

LIVE = "live-migration"
# COMPAT: Nova's statuses of a migration that is over; any other is in progress.
FINISHED = ("accepted", "confirmed", "reverted", "error", "failed", "completed", "cancelled", "done")
RULE = "os_compute_api:servers:migrations:"


def _in_progress(server_id: str):  # noqa: ANN202
    return (
        select(Migration, Host.host_ip)
        .outerjoin(Host, Host.name == Migration.dest_host)
        .where(
            Migration.server_id == server_id,
            Migration.migration_type == LIVE,
            Migration.status.not_in(FINISHED),
        )
        .order_by(Migration.id)
    )


class ServerMigrations:
    def __init__(self, db: Database, policy: Enforcer) -> None:
        self.db = db
        self.policy = policy

    def _server(self, ctx: RequestContext, server_id: str, verb: str) -> Server:
        with self.db.read() as s:
            server = get_visible(s, ctx, server_id)
        self.policy.enforce(RULE + verb, ctx, {"project_id": server.project_id})
        return server

    def list(self, ctx: RequestContext, server_id: str) -> list[tuple[Migration, str | None]]:
        """The server's live migrations in progress, with the destination's address."""
        self._server(ctx, server_id, "index")
        with self.db.read() as s:
            return [(m, ip) for m, ip in s.execute(_in_progress(server_id))]

    def get(self, ctx: RequestContext, server_id: str, migration_id: str) -> tuple[Migration, str | None]:
        self._server(ctx, server_id, "show")
        with self.db.read() as s:
            found = _find(s, server_id, migration_id)
            if found is not None and found.migration_type != LIVE:
                raise NotFound(
                    "migration",
                    migration_id,
                    message=f"Migration {migration_id} for server {server_id} is not live-migration.",
                )
            for m, ip in s.execute(_in_progress(server_id)):
                if found is not None and m.id == found.id:
                    return m, ip
        raise NotFound(
            "migration",
            migration_id,
            message=f"In-progress live migration {migration_id} is not found for server {server_id}.",
        )

    def force_complete(self, ctx: RequestContext, server_id: str, migration_id: str) -> None:
        """Nothing to hurry: a running live migration here ends by itself. 409 unless the server
        is migrating; 400 for an unknown migration or one that is not running, as Nova."""
        migration = self._acting_on(ctx, server_id, migration_id, "force_complete", BadRequest)
        if migration.status != "running":
            raise BadRequest(_state_message(migration, server_id, "force_complete"))

    def abort(self, ctx: RequestContext, server_id: str, migration_id: str, *, queued_too: bool) -> None:
        """409 unless the server is migrating; 404 for an unknown migration; 400 for one that is
        not running (from 2.65, not queued or preparing either)."""
        migration = self._acting_on(ctx, server_id, migration_id, "delete", NotFound)
        allowed = ("running", "queued", "preparing") if queued_too else ("running",)
        if migration.status not in allowed:
            raise BadRequest(_state_message(migration, server_id, "abort live migration"))
        raise NotImplementedYet(
            "Aborting a live migration is not provided: the drivers move a guest in one step."
        )

    def _acting_on(
        self, ctx: RequestContext, server_id: str, migration_id: str, verb: str, missing: type
    ) -> Migration:
        server = self._server(ctx, server_id, verb)
        if server.task_state != "migrating":
            raise Conflict(
                f"Cannot '{verb}' instance {server_id} while it is in task_state {server.task_state}"
            )
        with self.db.read() as s:
            migration = _find(s, server_id, migration_id)
        if migration is None:
            message = f"Migration {migration_id} for instance {server_id} could not be found."
            if missing is NotFound:
                raise NotFound("migration", migration_id, message=message)
            raise BadRequest(message)
        return migration


def _find(s, server_id: str, migration_id: str) -> Migration | None:  # noqa: ANN001
    if not migration_id.isdigit() or int(migration_id) > 0x7FFFFFFF:
        return None
    found = s.get(Migration, int(migration_id))
    return found if found is not None and found.server_id == server_id else None


def _state_message(migration: Migration, server_id: str, method: str) -> str:
    return (
        f"Migration {migration.id} state of instance {server_id} is {migration.status}. Cannot "
        f"{method} while the migration is in this state."
    )
