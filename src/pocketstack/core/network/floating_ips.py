"""Floating IPs: an address of an external network's IPv4 subnets, held by a port of its own
(device owner ``network:floatingip``, no project) so that it comes from the same allocator as
every address and is never handed out twice; associated with a port's fixed IP through a router
(fip_association.py). DOWN until associated, then ACTIVE. Reading is the base service's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext
from pocketstack.core.network import fip_association, l3_ports, port_attrs
from pocketstack.core.network import tags as tagging
from pocketstack.core.network.access import get_visible
from pocketstack.core.network.base import Item, ResourceService
from pocketstack.core.network.common import (
    check_read_only,
    check_revision,
    new_id,
    owner_of,
    retrying,
    stamp,
    touch,
)
from pocketstack.core.network.errors import bad_request
from pocketstack.core.network.l3_errors import bad, fip_in_use_by_forwarding
from pocketstack.core.network.l3_guards import FLOATINGIP
from pocketstack.core.network.listing import Lister
from pocketstack.store.network_l3_models import FloatingIP, PortForwarding
from pocketstack.store.network_models import IpAllocation, Network, Port, Subnet

UPDATABLE = frozenset({"fixed_port_id", "fixed_ip_address", "description"})
COLUMNS = {
    key: getattr(FloatingIP, key)
    for key in (
        "id",
        "description",
        "project_id",
        "floating_ip_address",
        "floating_network_id",
        "router_id",
        "fixed_port_id",
        "fixed_ip_address",
        "status",
        "revision_number",
        "created_at",
        "updated_at",
    )
}
PORT_DETAILS = ("name", "network_id", "mac_address", "admin_state_up", "status", "device_id", "device_owner")


class FloatingIPService(ResourceService):
    kind = "floatingip"
    collection = "floatingips"
    lister = Lister("floatingip", COLUMNS)

    def extras(self, s: Session, rows: Sequence[Any]) -> dict[str, dict[str, Any]]:
        """Each floating IP's port details and port forwardings."""
        result: dict[str, dict[str, Any]] = {r.id: {"port_details": None, "forwardings": []} for r in rows}
        ports = {r.fixed_port_id for r in rows if r.fixed_port_id}
        if ports:
            details = {p.id: p for p in s.scalars(select(Port).where(Port.id.in_(ports)))}
            for row in rows:
                port = details.get(row.fixed_port_id or "")
                if port is not None:
                    result[row.id]["port_details"] = {key: getattr(port, key) for key in PORT_DETAILS}
        if result:
            stmt = select(PortForwarding).where(PortForwarding.floatingip_id.in_(list(result)))
            for pf in s.scalars(stmt.order_by(PortForwarding.protocol, PortForwarding.external_port_start)):
                result[pf.floatingip_id]["forwardings"].append(pf)
        return result

    # -- create ------------------------------------------------------------------------------
    def create(self, ctx: RequestContext, attrs: Mapping[str, Any]) -> Item:
        """A floating IP from an external network, associated when ``port_id`` is given. NotFound
        for the network or port; BadRequest; 409 IpAddressGenerationFailure when the network has
        no free address, IpAddressAlreadyAllocated, OverQuota, FloatingIPPortAlreadyAssociated."""
        project = owner_of(ctx, attrs)
        tgt = {"project_id": project, "tenant_id": project}
        self.access.enforce(ctx, "create_floatingip", tgt)
        if attrs.get("floating_ip_address") is not None:
            self.access.enforce(ctx, "create_floatingip:floating_ip_address", tgt)
        tags = self.creation_tags(ctx, attrs, tgt)
        network_id = attrs.get("floating_network_id")
        if not network_id:
            raise bad_request(
                "Failed to parse request. Required attribute 'floating_network_id' not specified"
            )
        if attrs.get("fixed_ip_address") and not attrs.get("fixed_port_id"):
            raise bad("floatingip", "fixed_ip_address cannot be specified without a port_id")
        request = {k: attrs[k] for k in ("subnet_id", "floating_ip_address") if attrs.get(k) is not None}
        requests = port_attrs.fixed_ip_requests([_fixed_ip(request)]) if request else None

        def work(s: Session) -> str:
            network = get_visible(s, ctx, "network", network_id)
            self._check_external(s, network)
            self.quotas.check(s, project, {"floatingip": 1})
            fip_id = new_id()
            port = l3_ports.add_port(
                s,
                network,
                project_id="",
                device_owner=FLOATINGIP,
                device_id=fip_id,
                requests=requests,
                only_ipv4=True,
            )
            address = s.scalar(
                select(IpAllocation.ip_address).where(IpAllocation.port_id == port.id).limit(1)
            )
            assert address is not None  # an IPv4 claim either succeeds or raises
            fip = FloatingIP(
                **stamp(id=fip_id, project_id=project, description=attrs.get("description", "")),
                floating_network_id=network.id,
                floating_ip_address=address,
                floating_port_id=port.id,
                status="DOWN",
            )
            fip_association.associate(s, ctx, fip, attrs.get("fixed_port_id"), attrs.get("fixed_ip_address"))
            s.add(fip)
            s.flush()
            tagging.tag_new(s, self.collection, fip.id, tags)
            return fip.id

        return self.described(ctx, retrying(self.db, work))

    @staticmethod
    def _check_external(s: Session, network: Network) -> None:
        if not network.external:
            raise bad("floatingip", f"Network {network.id} is not a valid external network")
        v4 = select(Subnet.id).where(Subnet.network_id == network.id, Subnet.ip_version == 4)
        if s.scalar(v4.limit(1)) is None:
            raise bad("floatingip", f"Network {network.id} does not contain any IPv4 subnet")

    # -- update ------------------------------------------------------------------------------
    def update(
        self, ctx: RequestContext, ident: str, attrs: Mapping[str, Any], revision: int | None = None
    ) -> Item:
        """Associate (``port_id``, ``fixed_ip_address``), disassociate (``port_id`` null), or
        change the description. 409 FipInUseByPortForwarding for a floating IP with forwardings."""
        check_read_only(attrs, UPDATABLE)
        if attrs.get("fixed_ip_address") and not attrs.get("fixed_port_id"):
            raise bad("floatingip", "fixed_ip_address cannot be specified without a port_id")

        def work(s: Session) -> None:
            fip = self.load(s, ctx, ident, "update", lock=True)
            check_revision(fip, revision)
            if "fixed_port_id" in attrs:
                if attrs["fixed_port_id"] and forwarded(s, fip.id):
                    raise fip_in_use_by_forwarding(fip.id)
                fip_association.associate(s, ctx, fip, attrs["fixed_port_id"], attrs.get("fixed_ip_address"))
            if "description" in attrs:
                fip.description = attrs["description"]
            touch(fip)

        retrying(self.db, work)
        return self.described(ctx, ident)

    # -- delete ------------------------------------------------------------------------------
    def delete(self, ctx: RequestContext, ident: str, revision: int | None = None) -> None:
        """Delete the floating IP and free its address; 409 while port forwardings use it."""

        def work(s: Session) -> None:
            fip = self.load(s, ctx, ident, "delete", lock=True)
            check_revision(fip, revision)
            if forwarded(s, fip.id):
                raise fip_in_use_by_forwarding(fip.id)
            remove(s, fip)

        retrying(self.db, work)

    # -- pools -------------------------------------------------------------------------------
    def pools(self, ctx: RequestContext) -> list[tuple[Subnet, str]]:
        """Neutron's floating IP pools: every IPv4 subnet of an external network, each shown as
        the caller's (with the caller's project id)."""
        self.access.enforce(ctx, "get_floatingip_pool", {"project_id": ctx.project_id})
        with self.db.read() as s:
            stmt = (
                select(Subnet)
                .join(Network, Network.id == Subnet.network_id)
                .where(Network.external.is_(True), Subnet.ip_version == 4)
                .order_by(Subnet.created_at, Subnet.id)
            )
            return [(subnet, ctx.project_id or "") for subnet in s.scalars(stmt)]


def _fixed_ip(request: Mapping[str, Any]) -> dict[str, str]:
    result = {"subnet_id": str(request["subnet_id"])} if "subnet_id" in request else {}
    if "floating_ip_address" in request:
        result["ip_address"] = str(request["floating_ip_address"])
    return result


def remove(s: Session, fip: FloatingIP) -> None:
    """Delete the floating IP and the port that holds its address."""
    port = s.get(Port, fip.floating_port_id)
    tagging.forget(s, [fip.id])
    s.delete(fip)
    s.flush()
    if port is not None:
        l3_ports.delete_port(s, port)


def forwarded(s: Session, fip_id: str) -> bool:
    stmt = select(PortForwarding.id).where(PortForwarding.floatingip_id == fip_id).limit(1)
    return s.scalar(stmt) is not None
