"""Events other services send about servers (Nova's os-server-external-events).

Nova uses them to learn of port and volume changes it would otherwise poll for. pocketstack's
compute reads a server's ports live and binds them itself, so a network event asks for no work:
it is accepted when its server is on a host, as Nova accepts it, and answered per event.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from pocketstack.store.compute_models import Server
from pocketstack.store.db import Database

ACCEPTED, NO_SERVER, NOT_ON_A_HOST = 200, 404, 422


@dataclass(frozen=True)
class Event:
    name: str
    server_id: str
    status: str = "completed"
    tag: str | None = None


def deliver(db: Database, events: list[Event]) -> list[int]:
    """Each event's code: accepted, its server unknown (or deleted), or its server on no host
    (still building, or shelved offloaded): Nova's 200, 404 and 422."""
    ids = {e.server_id for e in events}
    with db.read() as s:
        rows = s.execute(select(Server.id, Server.host).where(Server.id.in_(ids), Server.deleted.is_(False)))
        hosts = {server_id: host for server_id, host in rows}
    return [
        NO_SERVER if e.server_id not in hosts else ACCEPTED if hosts[e.server_id] else NOT_ON_A_HOST
        for e in events
    ]
