"""The first start creates the external network ``public`` (owned by the ``admin`` project,
``router:external``, not shared, the default external network; a flat segment on physical
network ``public``) with the subnet ``public-subnet`` from the settings ``public_network_cidr``
and ``public_network_pool``, where floating IPs and router gateways will take their addresses.
A ``meta`` row remembers it was made, so a deleted ``public`` network stays deleted."""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pocketstack.core.identity.bootstrap import DEFAULT_DOMAIN_ID
from pocketstack.core.network import ipam
from pocketstack.store.db import Database
from pocketstack.store.models import Meta, Project

if TYPE_CHECKING:
    from pocketstack.store.network_models import Subnet

LOG = logging.getLogger("pocketstack")
SEEDED_KEY = "network.public_network_id"
NAME = "public"


def public_subnet_plan(cidr: str, pool: str) -> tuple[ipam.Net, ipam.Address, list[dict[str, str]]]:
    """(network, gateway, allocation pools) of ``public-subnet``. ``pool`` is ``first-last`` or
    empty for every usable address but the gateway (the first one). Raises ValueError naming
    the setting that is wrong."""
    try:
        net = ipaddress.ip_network(cidr)
    except ValueError:
        raise ValueError(f"public_network_cidr: {cidr!r} is not a network such as 172.24.4.0/24") from None
    gateway = ipaddress.ip_address(ipam.text(net.version, ipam.usable(net)[0]))
    if not pool:
        return net, gateway, ipam.pools_json(net.version, ipam.default_pools(net, gateway))
    first, sep, last = (part.strip() for part in pool.partition("-"))
    try:
        pools = ipam.check_pools(net, [{"start": first, "end": last}], gateway) if sep else None
    except Exception as exc:
        raise ValueError(f"public_network_pool: {pool!r}: {getattr(exc, 'message', exc)}") from None
    if pools is None:
        raise ValueError(f"public_network_pool: {pool!r} is not FIRST-LAST inside {net}")
    return net, gateway, ipam.pools_json(net.version, pools)


def seed_public_network(db: Database, cidr: str, pool: str) -> str | None:
    """Create ``public`` and ``public-subnet`` on the first start; returns the network id, or
    None when they were made before (or there is no ``admin`` project yet)."""
    net, gateway, pools = public_subnet_plan(cidr, pool)
    with db.read() as s:
        if s.get(Meta, SEEDED_KEY) is not None:
            return None
        admin = s.scalar(
            select(Project.id).where(Project.name == "admin", Project.domain_id == DEFAULT_DOMAIN_ID)
        )
    if admin is None:
        return None
    # The network machinery is imported on the first start only.
    from pocketstack.core.network import segments, sharing
    from pocketstack.core.network.common import new_id, stamp
    from pocketstack.store.network_models import Network

    segment = segments.Segment("flat", "public", None)
    network_id = new_id()
    try:
        with db.transaction() as s:
            network = Network(
                **stamp(id=network_id, project_id=admin, description="External network for floating IPs"),
                name=NAME,
                admin_state_up=True,
                status="ACTIVE",
                shared=False,
                external=True,
                is_default=True,
                mtu=segment.max_mtu,
                port_security_enabled=True,
                network_type=segment.network_type,
                physical_network=segment.physical_network,
                segmentation_id=None,
                segment_key=segment.key,
                availability_zone_hints=[],
                dns_domain="",
            )
            s.add(network)
            s.flush()
            sharing.open_new(s, network)  # external for every project: its "*" RBAC policy
            s.add(_subnet(admin, network_id, net, gateway, pools))
            s.add(Meta(key=SEEDED_KEY, value=network_id))
    except IntegrityError:
        return None  # another process sharing the database made it at the same moment
    LOG.info("event=public_network_created network_id=%s cidr=%s", network_id, net)
    return network_id


def _subnet(
    project: str, network_id: str, net: ipam.Net, gateway: ipam.Address, pools: list[dict[str, str]]
) -> Subnet:
    from pocketstack.core.network.common import new_id, stamp
    from pocketstack.store.network_models import Subnet

    return Subnet(
        **stamp(id=new_id(), project_id=project, description=""),
        network_id=network_id,
        name=f"{NAME}-subnet",
        ip_version=net.version,
        cidr=str(net),
        gateway_ip=str(gateway),
        allocation_pools=pools,
        dns_nameservers=[],
        host_routes=[],
        enable_dhcp=False,
        ipv6_ra_mode=None,
        ipv6_address_mode=None,
        subnetpool_id=None,
        service_types=[],
    )
