"""Get-me-a-network: the network a project gets the first time a server asks for ``"auto"``
with nothing to attach to, as Neutron's auto-allocated topology (a network, an IPv4 subnet
and a router with a gateway on the default external network and an interface on the subnet).

Without a default external network (the operator removed ``public``) the network and subnet
are made without the router: servers still get addresses, with no way out. It is made with
the caller's own rights through the ordinary services, so it obeys their
policy and quotas. One per project: of two first boots at once, the one that records its
topology first wins and the other removes what it made and uses the winner's.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pocketstack.core.context import RequestContext
from pocketstack.core.errors import BadRequest
from pocketstack.core.network import l3_ports
from pocketstack.core.network.errors import in_use
from pocketstack.core.network.l3_guards import ROUTER_INTERFACE
from pocketstack.core.network.networks import NetworkService
from pocketstack.core.network.routers import RouterService
from pocketstack.core.network.subnets import SubnetService
from pocketstack.store.db import Database
from pocketstack.store.network_l3_models import AutoAllocatedTopology
from pocketstack.store.network_models import Network, Port, Subnet

LOG = logging.getLogger("pocketstack.network")
NETWORK_NAME = "auto_allocated_network"
SUBNET_NAME = "auto_allocated_subnet_v4"
ROUTER_NAME = "auto_allocated_router"


class AutoTopology:
    def __init__(
        self,
        db: Database,
        networks: NetworkService,
        subnets: SubnetService,
        routers: RouterService,
        cidr: str,
    ) -> None:
        self.db = db
        self.networks = networks
        self.subnets = subnets
        self.routers = routers
        self.cidr = cidr

    def existing(self, project_id: str) -> str | None:
        with self.db.read() as s:
            row = s.get(AutoAllocatedTopology, project_id)
            return row.network_id if row is not None else None

    def ensure(self, ctx: RequestContext, project_id: str | None = None) -> str:
        """The id of the project's auto-allocated network (the caller's unless an admin names
        another), made now if missing."""
        project = project_id or ctx.project_id
        owner = {} if project == ctx.project_id else {"project_id": project}
        if project is None:
            raise BadRequest("Unable to automatically allocate a network: the token has no project.")
        found = self.existing(project)
        if found is not None:
            return found
        with self.db.read() as s:
            external = s.scalar(
                select(Network.id).where(Network.external.is_(True), Network.is_default.is_(True))
            )
        network = self.networks.create(ctx, {"name": NETWORK_NAME, "admin_state_up": True, **owner}).row
        made: dict[str, str] = {}
        try:
            made["subnet"] = self.subnets.create(
                ctx,
                {"network_id": network.id, "ip_version": 4, "cidr": self.cidr, "name": SUBNET_NAME, **owner},
            ).row.id
            if external is not None:
                made["router"] = self.routers.create(
                    ctx, {"name": ROUTER_NAME, "external_gateway_info": {"network_id": external}, **owner}
                ).row.id
                self.routers.add_interface(ctx, made["router"], {"subnet_id": made["subnet"]})
                made["interface"] = made["subnet"]
            with self.db.transaction() as s:
                router = made.get("router")
                s.add(AutoAllocatedTopology(project_id=project, network_id=network.id, router_id=router))
        except IntegrityError:
            self._remove(ctx, network.id, made)
            winner = self.existing(project)
            if winner is None:
                raise
            return winner
        except Exception:
            self._remove(ctx, network.id, made)
            raise
        LOG.info("event=auto_allocated project_id=%s network_id=%s", project, network.id)
        return network.id

    def remove(self, ctx: RequestContext, project_id: str) -> None:
        """Take the project's topology apart (409 NetworkInUse while servers use its network)."""
        with self.db.read() as s:
            row = s.get(AutoAllocatedTopology, project_id)
            if row is None:
                return
            network_id, router_id = row.network_id, row.router_id
            used = s.scalar(
                select(Port.id)
                .where(Port.network_id == network_id, Port.device_owner != ROUTER_INTERFACE)
                .limit(1)
            )
            if used is not None:  # refused before anything is taken apart
                raise in_use(
                    "network", network_id, "There are one or more ports still in use on the network."
                )
        made = {}
        if router_id is not None:
            made["router"] = router_id
            with self.db.read() as s:
                subnet = s.scalar(
                    select(Subnet.id).where(Subnet.network_id == network_id, Subnet.name == SUBNET_NAME)
                )
            if subnet is not None and self._attached(router_id, subnet):
                made["interface"] = subnet
        self._remove(ctx, network_id, made)

    def _attached(self, router_id: str, subnet_id: str) -> bool:
        with self.db.read() as s:
            return subnet_id in {x.id for x in l3_ports.connected_subnets(s, router_id)}

    def _remove(self, ctx: RequestContext, network_id: str, made: dict[str, str]) -> None:
        """Undo a topology half made (or made in vain)."""
        if "interface" in made:
            self.routers.remove_interface(ctx, made["router"], {"subnet_id": made["interface"]})
        if "router" in made:
            self.routers.delete(ctx, made["router"])
        self.networks.delete(ctx, network_id)
