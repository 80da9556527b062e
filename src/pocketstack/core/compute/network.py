"""Each project's built-in flat private network: one address per server from a configured
CIDR, handed out inside the create transaction (which the quota lock already serialises per
project, and the (project, address) key protects in any case)."""

from __future__ import annotations

import ipaddress
import secrets
import socket
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pocketstack.core.errors import Conflict
from pocketstack.store.compute_models import FixedIp

NETWORK_NAME = "private"


class FlatNetwork:
    def __init__(self, cidr: str) -> None:
        self.network = ipaddress.ip_network(cidr, strict=False)
        # The first address is the gateway's, as on a Neutron subnet.
        self.first = int(self.network.network_address) + 2
        self.last = int(self.network.broadcast_address) - 1

    def allocate(self, s: Session, project_id: str, server_id: str) -> dict[str, Any]:
        """Give ``server_id`` the lowest free address; returns its ``addresses`` document."""
        family = socket.AF_INET if self.network.version == 4 else socket.AF_INET6
        used = {
            int.from_bytes(socket.inet_pton(family, a))  # far quicker than ipaddress for many rows
            for a in s.scalars(select(FixedIp.address).where(FixedIp.project_id == project_id))
        }
        candidate = max(used) + 1 if used and max(used) < self.last else self.first
        while candidate in used:
            candidate += 1
        if candidate > self.last:
            candidate = next((a for a in range(self.first, self.last + 1) if a not in used), None)
            if candidate is None:
                raise Conflict(f"No free address left on network {NETWORK_NAME} ({self.network}).")
        address = str(ipaddress.ip_address(candidate))
        mac = "fa:16:3e:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(3))
        s.add(FixedIp(project_id=project_id, address=address, server_id=server_id, mac=mac))
        return {
            NETWORK_NAME: [{"version": self.network.version, "addr": address, "type": "fixed", "mac": mac}]
        }

    @staticmethod
    def release(s: Session, server_id: str) -> None:
        s.execute(delete(FixedIp).where(FixedIp.server_id == server_id))
