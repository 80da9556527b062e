"""Subnets: an address range on a network, given as a CIDR or carved from a subnet pool, with
its gateway, allocation pools, name servers, host routes and IPv6 modes."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext
from pocketstack.core.network import ipam, subnet_rules
from pocketstack.core.network import tags as tagging
from pocketstack.core.network.access import get_visible, target
from pocketstack.core.network.base import Item, ResourceService, networks_by_id
from pocketstack.core.network.common import (
    check_read_only,
    check_revision,
    lock_rows,
    new_id,
    owner_of,
    retrying,
    stamp,
    touch,
)
from pocketstack.core.network.errors import in_use, invalid
from pocketstack.core.network.listing import Lister
from pocketstack.core.network.subnet_rules import ROUTER_OWNERS
from pocketstack.core.network.subnetpools import carve
from pocketstack.core.network.validation import required
from pocketstack.store.network_models import IpAllocation, Network, Port, Subnet, SubnetPool

UPDATABLE = frozenset(
    {"name", "description", "gateway_ip", "allocation_pools", "dns_nameservers", "host_routes"}
    | {"enable_dhcp", "service_types"}
)
COLUMNS = {
    key: getattr(Subnet, key)
    for key in (
        "id",
        "name",
        "description",
        "project_id",
        "network_id",
        "ip_version",
        "cidr",
        "gateway_ip",
        "enable_dhcp",
        "ipv6_ra_mode",
        "ipv6_address_mode",
        "subnetpool_id",
        "revision_number",
        "created_at",
        "updated_at",
    )
}


def _external_filter(values: Sequence[Any]) -> Any:
    return Subnet.network_id.in_(select(Network.id).where(Network.external.in_(list(values))))


class SubnetService(ResourceService):
    kind = "subnet"
    collection = "subnets"
    lister = Lister("subnet", COLUMNS, {"external": _external_filter})

    def networks_of(self, s: Session, rows: Sequence[Any]) -> dict[str, Network]:
        networks = networks_by_id(s, (r.network_id for r in rows))
        return {r.id: networks[r.network_id] for r in rows if r.network_id in networks}

    def extras(self, s: Session, rows: Sequence[Any]) -> dict[str, dict[str, Any]]:
        """``router:external`` of a subnet: its network's (Neutron's subnet-external-network)."""
        networks = self.networks_of(s, rows)
        return {
            r.id: {"external": bool(networks[r.id].external) if r.id in networks else False} for r in rows
        }

    # -- create ------------------------------------------------------------------------------
    def create(self, ctx: RequestContext, attrs: Mapping[str, Any]) -> Item:
        """A new subnet on a network the caller owns (or administers). Raises NotFound for the
        network or pool, BadRequest/Conflict for values Neutron refuses, OverQuota."""
        project = owner_of(ctx, attrs)
        network_id = required(attrs, "network_id")
        version = attrs.get("ip_version")
        if version not in (4, 6):
            raise invalid(f"'{version}' is not in [4, 6]")
        if attrs.get("segment_id") is not None:
            raise invalid("segment_id is not supported: networks here have a single segment")
        enable_dhcp = attrs.get("enable_dhcp", True)
        subnet_rules.check_ipv6_modes(
            version, attrs.get("ipv6_ra_mode"), attrs.get("ipv6_address_mode"), enable_dhcp
        )
        tags = tagging.check_tags(attrs.get("tags", []))
        services = subnet_rules.service_types(attrs.get("service_types"))

        def work(s: Session) -> str:
            network = get_visible(s, ctx, "network", network_id)
            tgt = {"project_id": project, "tenant_id": project, "network_project_id": network.project_id}
            self.access.enforce(ctx, "create_subnet", tgt)
            if "service_types" in attrs:
                self.access.enforce(ctx, "create_subnet:service_types", tgt)
            if tags:
                self.access.enforce(ctx, "create_subnet:tags", tgt)
            self.quotas.check(s, project, {"subnet": 1})
            lock_rows(s, Network, [network.id])
            net, pool = self._cidr(s, ctx, project, version, attrs)
            subnet_rules.check_cidr(net, attrs.get("ipv6_address_mode"), enable_dhcp)
            self._check_overlap(s, network, net)
            gateway = subnet_rules.gateway(net, attrs)
            pools = subnet_rules.pools(net, attrs.get("allocation_pools"), gateway)
            subnet = Subnet(
                **stamp(id=new_id(), project_id=project, description=attrs.get("description", "")),
                network_id=network.id,
                name=attrs.get("name", ""),
                ip_version=version,
                cidr=str(net),
                gateway_ip=str(gateway) if gateway is not None else None,
                allocation_pools=ipam.pools_json(version, pools),
                enable_dhcp=enable_dhcp,
                ipv6_ra_mode=attrs.get("ipv6_ra_mode"),
                ipv6_address_mode=attrs.get("ipv6_address_mode"),
                subnetpool_id=pool.id if pool else None,
                service_types=services,
                **{"dns_nameservers": [], "host_routes": [], **subnet_rules.lists(version, attrs)},
            )
            s.add(subnet)
            touch(network)  # its list of subnets changed
            s.flush()
            tagging.tag_new(s, self.collection, subnet.id, tags)
            return subnet.id

        return self.described(ctx, retrying(self.db, work))

    def _cidr(
        self, s: Session, ctx: RequestContext, project: str, version: int, attrs: Mapping[str, Any]
    ) -> tuple[ipam.Net, SubnetPool | None]:
        """The subnet's CIDR and the pool it came from: given, carved from ``subnetpool_id``, or
        from the default pool of the IP version when ``use_default_subnetpool``."""
        pool = None
        if attrs.get("subnetpool_id") is not None:
            pool = get_visible(s, ctx, "subnetpool", attrs["subnetpool_id"])
        elif attrs.get("use_default_subnetpool"):
            stmt = select(SubnetPool).where(SubnetPool.is_default.is_(True), SubnetPool.ip_version == version)
            pool = s.scalar(stmt)
            if pool is None:
                raise invalid(f"No default subnetpool found for IPv{version}")
        if pool is None:
            if attrs.get("cidr") is None:
                raise invalid("A cidr must be specified in the absence of a subnet pool")
            if attrs.get("prefixlen") is not None:
                raise invalid("prefixlen is only used with a subnet pool")
            return ipam.parse_cidr(attrs["cidr"], version), None
        if pool.ip_version != version:
            raise invalid(f"Cannot allocate an IPv{version} subnet from an IPv{pool.ip_version} subnet pool")
        return carve(s, pool, project, attrs.get("cidr"), attrs.get("prefixlen")), pool

    @staticmethod
    def _check_overlap(s: Session, network: Network, net: ipam.Net) -> None:
        for cidr in s.scalars(select(Subnet.cidr).where(Subnet.network_id == network.id)):
            if ipaddress.ip_network(cidr).overlaps(net):  # type: ignore[arg-type]
                raise invalid(
                    f"Requested subnet with cidr: {net} for network: {network.id} overlaps with another "
                    "subnet"
                )

    # -- update / delete ---------------------------------------------------------------------
    def update(
        self, ctx: RequestContext, ident: str, attrs: Mapping[str, Any], revision: int | None = None
    ) -> Item:
        check_read_only(attrs, UPDATABLE)
        with self.db.transaction() as s:
            subnet = self.load(s, ctx, ident, "update", lock=True)
            check_revision(subnet, revision)
            if "service_types" in attrs:
                network = s.get(Network, subnet.network_id)
                self.access.enforce(ctx, "update_subnet:service_types", target(subnet, network))
                subnet.service_types = subnet_rules.service_types(attrs["service_types"])
            self._apply(subnet, attrs)
            touch(subnet)
        return self.described(ctx, ident)

    @staticmethod
    def _apply(subnet: Subnet, attrs: Mapping[str, Any]) -> None:
        net = ipaddress.ip_network(subnet.cidr)
        gateway = subnet.gateway_ip and ipaddress.ip_address(subnet.gateway_ip)
        if "gateway_ip" in attrs:
            gateway = subnet_rules.check_gateway(net, attrs["gateway_ip"])
            subnet.gateway_ip = str(gateway) if gateway is not None else None
        if "allocation_pools" in attrs:
            pools = subnet_rules.pools(net, attrs["allocation_pools"], gateway or None)
            subnet.allocation_pools = ipam.pools_json(net.version, pools)
        elif "gateway_ip" in attrs:
            ipam.check_gateway_outside(net.version, ipam.pools_of(subnet.allocation_pools), gateway or None)
        if attrs.get("enable_dhcp") and not subnet.enable_dhcp:
            subnet_rules.check_dhcp(net)
        for key, value in subnet_rules.lists(net.version, attrs).items():
            setattr(subnet, key, value)
        for key in ("name", "description", "enable_dhcp"):
            if key in attrs:
                setattr(subnet, key, attrs[key])

    @staticmethod
    def _drop_auto_addresses(s: Session, subnet: Subnet) -> None:
        """As Neutron: the addresses ports took on their own from a SLAAC or DHCPv6-stateless
        subnet go with it; a router interface on it still holds it (SubnetInUse)."""
        routers = select(Port.id).where(Port.device_owner.in_(ROUTER_OWNERS))
        s.execute(
            delete(IpAllocation).where(
                IpAllocation.subnet_id == subnet.id, IpAllocation.port_id.not_in(routers)
            )
        )

    def delete(self, ctx: RequestContext, ident: str, revision: int | None = None) -> None:
        """Delete a subnet; 409 SubnetInUse while a port holds an address from it (other than an
        automatic IPv6 address, which goes with the subnet)."""
        with self.db.transaction() as s:
            subnet = self.load(s, ctx, ident, "delete")
            lock_rows(s, Network, [subnet.network_id])  # the network first: see lock_rows
            lock_rows(s, Subnet, [subnet.id])
            s.refresh(subnet)
            check_revision(subnet, revision)
            if subnet.ipv6_address_mode in ipam.AUTO_ADDRESS_MODES:
                self._drop_auto_addresses(s, subnet)
            if s.scalar(select(IpAllocation.port_id).where(IpAllocation.subnet_id == subnet.id).limit(1)):
                # COMPAT: Neutron's SubnetInUse wording.
                raise in_use("subnet", subnet.id, "One or more ports have an IP allocation from this subnet.")
            network = s.get(Network, subnet.network_id)
            if network is not None:
                touch(network)
            tagging.forget(s, [subnet.id])
            s.delete(subnet)
