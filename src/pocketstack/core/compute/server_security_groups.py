"""A server's security groups, as Compute v2.1 serves them over Neutron: the groups of the
server's ports (``GET /servers/{id}/os-security-groups``), and ``addSecurityGroup`` /
``removeSecurityGroup``, which put a group on every port of the server or take it off them.

Nova names the group by id, or by name within the caller's project (neutronclient's
``find_resourceid_by_name_or_id``); it changes the ports through Neutron, so Neutron's own
checks answer for what Nova does not check first (a group already on a port is a duplicate in
its list: 400; stateful and stateless groups together: 409).
"""

from __future__ import annotations

import re

from pocketstack.core.compute.proxy_support import Translation, server_ports, translated
from pocketstack.core.compute.security_group_proxy import ProxyGroup, SecurityGroupProxy
from pocketstack.core.context import RequestContext
from pocketstack.core.errors import BadRequest, Conflict, NotFound, PocketstackError
from pocketstack.core.network.base import Item
from pocketstack.core.network.listing import ListQuery
from pocketstack.core.network.services import NetworkServices

# COMPAT: neutronclient tries an id first only for what starts like a UUID (re.match).
UUID_START = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
CANNOT_APPLY = (
    "Network requires port_security_enabled and subnet associated in order to apply security groups."
)
# COMPAT: Nova's answers to Neutron refusing a port's new groups.
ON_ADD: Translation = {
    400: lambda m: BadRequest(m, code="compute.security_group.cannot_apply"),
    409: lambda m: Conflict(m, code="compute.security_group.state_conflict"),
}


def _no_ports(server_id: str) -> NotFound:
    return NotFound(
        "port",
        server_id,
        code="compute.server.no_ports",
        message=f"instance_id {server_id} could not be found as device id on any ports",
    )


def _usable(port: Item) -> bool:
    """Nova's test: port security on and an address (a port without one takes no groups)."""
    return bool(port.row.port_security_enabled and port.extra.get("fixed_ips"))


class ServerSecurityGroups:
    def __init__(self, network: NetworkServices) -> None:
        self.ports = network.ports
        self.groups = network.security_groups
        self.proxy = SecurityGroupProxy(network)

    def list(self, ctx: RequestContext, server_id: str) -> list[ProxyGroup]:
        """The groups of the server's ports the caller may see, by project and name."""
        wanted: list[str] = []
        for port in server_ports(self.ports, ctx, server_id):
            wanted += [g for g in port.extra.get("security_groups", []) if g not in wanted]
        items = self.groups.list(ctx, ListQuery(filters={"id": wanted})) if wanted else []
        return sorted(self.proxy.shown(ctx, items), key=lambda g: (g.project_id, g.name))

    def find(self, ctx: RequestContext, name_or_id: str) -> str:
        """The id of the group with this id, or else of the caller's project's group of this
        name. NotFound; 409 when several groups have the name."""
        if UUID_START.match(name_or_id):
            by_id = self.groups.list(ctx, ListQuery(filters={"id": [name_or_id]}))
            if by_id:
                return by_id[0].row.id
        named = self.groups.list(
            ctx, ListQuery(filters={"name": [name_or_id], "project_id": [ctx.project_id]})
        )
        if len(named) > 1:
            raise Conflict(
                f"Multiple security_group matches found for name '{name_or_id}', "
                "use an ID to be more specific.",
                code="compute.security_group.no_unique_match",
            )
        if not named:
            raise NotFound(
                "security group",
                name_or_id,
                code="compute.security_group.not_found",
                message=f"Security group {name_or_id} is not found for project {ctx.project_id}",
            )
        return named[0].row.id

    def add(self, ctx: RequestContext, server_id: str, name: str) -> None:
        """Put the group on every port of the server. NotFound for the group or a server
        without ports; 400 for a port without port security or address, or already in the
        group; 409 for stateful and stateless groups together; 409 for an ambiguous name."""
        group_id = self.find(ctx, name)
        ports = server_ports(self.ports, ctx, server_id)
        if not ports:
            raise _no_ports(server_id)
        if not all(_usable(p) for p in ports):
            raise BadRequest(CANNOT_APPLY, code="compute.security_group.cannot_apply")
        for port in ports:
            groups = [*port.extra.get("security_groups", []), group_id]
            try:
                self.ports.update(ctx, port.row.id, {"security_groups": groups})
            except PocketstackError as exc:
                raise translated(exc, ON_ADD) from None

    def remove(self, ctx: RequestContext, server_id: str, name: str) -> None:
        """Take the group off every port of the server that has it. NotFound for the group, a
        server without ports, or a group on none of them."""
        group_id = self.find(ctx, name)
        ports = server_ports(self.ports, ctx, server_id)
        if not ports:
            raise _no_ports(server_id)
        found = False
        for port in ports:
            groups = port.extra.get("security_groups", [])
            if group_id in groups:
                self.ports.update(ctx, port.row.id, {"security_groups": [g for g in groups if g != group_id]})
                found = True
        if not found:
            raise NotFound(
                "security group",
                name,
                code="compute.security_group.not_associated",
                message=f"Security group {name} not associated with the instance {server_id}",
            )
