"""What the driver is handed for a server: its guest spec (with or without the ports it is to
have plugged) and the resources its flavor asks the scheduler for.

Kept apart from the conductor so that the request side (actions.py) and the conductor's steps
can both use them without importing the conductor (and so each other).
"""

from __future__ import annotations

from typing import Any

from pocketstack.core.compute import nics
from pocketstack.core.placement.scheduler import Resources
from pocketstack.drivers.base import GuestSpec, VifSpec
from pocketstack.store.compute_models import Server
from pocketstack.store.db import Database


def guest_of(server: Server, host: str | None = None, vifs: tuple[VifSpec, ...] = ()) -> GuestSpec:
    f = server.flavor
    return GuestSpec(
        server.id,
        server.name,
        host or server.host or "",
        f["vcpus"],
        f["ram"],
        f["disk"],
        server.image_id,
        {},
        vifs,
    )


def plugged_guest(db: Database, server: Server, host: str | None = None) -> GuestSpec:
    """The guest with the ports it is to have plugged (read now: they may have changed)."""
    with db.read() as s:
        return guest_of(server, host, nics.vif_specs(s, server.id))


def resources_of(flavor: dict[str, Any]) -> Resources:
    return Resources(flavor["vcpus"], flavor["ram"], flavor["disk"] + flavor.get("ephemeral", 0))
