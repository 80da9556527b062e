"""What Compute v2.1's network proxies share: a server's ports, Nova's idea of a UUID, and how a
network error becomes the error Nova answers with.

Nova serves these APIs by calling Neutron with the caller's own token and translating what
comes back; pocketstack calls its network services with the caller's RequestContext the same
way, so Neutron's visibility, policy and checks apply unchanged, and only the answers are
translated here (by status, as Nova's neutronclient exceptions are).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping

from pocketstack.core.compute.nics import COMPUTE_OWNER
from pocketstack.core.context import RequestContext
from pocketstack.core.errors import PocketstackError
from pocketstack.core.network.base import Item
from pocketstack.core.network.listing import ListQuery
from pocketstack.core.network.ports import PortService

Translation = Mapping[int, Callable[[str], PocketstackError]]


def server_ports(ports: PortService, ctx: RequestContext, server_id: str) -> list[Item]:
    """The ports of ``server_id`` the caller may see (device id the server, owner compute:)."""
    found = ports.list(ctx, ListQuery(filters={"device_id": [server_id]}))
    return [p for p in found if (p.row.device_owner or "").startswith(COMPUTE_OWNER)]


def fixed_addresses(ports: list[Item]) -> list[str]:
    """The fixed IP addresses of ports, port by port, as Nova's network info lists them."""
    return [ip["ip_address"] for port in ports for ip in port.extra.get("fixed_ips", [])]


def is_uuid_like(value: object) -> bool:
    """oslo's ``is_uuid_like``: any spelling ``uuid.UUID`` reads (braces, urn:, upper case)."""
    if not isinstance(value, str):
        return False
    bare = value.replace("urn:", "").replace("uuid:", "").strip("{}").replace("-", "").lower()
    try:
        return uuid.UUID(value).hex == bare
    except ValueError:
        return False


def translated(exc: PocketstackError, table: Translation) -> PocketstackError:
    """The error Nova raises for a network error of this status; one the table has no entry
    for keeps its own (Nova would answer those with a 500)."""
    make = table.get(exc.status)
    return exc if make is None else make(exc.message)
